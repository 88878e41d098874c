package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// A heartbeat's monitor is one long-lived workflow per heartbeat of the
// team file (contract.HeartbeatID). Each ping moves its deadline; when the
// deadline passes without one, it opens an incident through the same
// delivery the gateway uses, and resolves it with the next ping. Pings do
// not touch its timer: the timer fires once per period at most, and
// re-arms itself for the deadline the pings have moved meanwhile, so that
// a job pinging every few seconds costs a signal each, nothing more.

// HeartbeatInput starts a heartbeat's monitor, and carries it across
// continue-as-new.
type HeartbeatInput struct {
	Team      team.Team      `json:"team"`
	Heartbeat team.Heartbeat `json:"heartbeat"`
	// State is empty at the first start.
	State HeartbeatState `json:"state,omitzero"`
}

// HeartbeatState is what a monitor knows of its heartbeat.
type HeartbeatState struct {
	// Since is when the monitor began watching: until the first ping, the
	// deadline runs from it.
	Since    time.Time `json:"since"`
	LastPing time.Time `json:"last_ping,omitzero"`
	Pings    int       `json:"pings"`
	// Missed is the deadline that passed without a ping; zero while the
	// heartbeat is on time.
	Missed time.Time `json:"missed,omitzero"`
	// Incident is the incident the missed deadline opened, once delivered.
	Incident string `json:"incident,omitempty"`
}

// HeartbeatPing is one ping, as the gateway took it.
type HeartbeatPing struct {
	// At is when the gateway took the ping. A ping that reaches the
	// monitor late (a worker restarting) still counts from when it came.
	At time.Time `json:"at"`
}

// HeartbeatConfig is a heartbeat as the team file has it now.
type HeartbeatConfig struct {
	Team      team.Team      `json:"team"`
	Heartbeat team.Heartbeat `json:"heartbeat"`
}

// A heartbeat's states: its BatonState search attribute, so that the Web
// UI finds the late ones.
const (
	// HeartbeatWaiting: no ping yet since the monitor started.
	HeartbeatWaiting = "waiting"
	// HeartbeatUp: the last ping came before its deadline.
	HeartbeatUp = "up"
	// HeartbeatLate: the deadline passed without a ping; an incident is
	// open.
	HeartbeatLate = "late"
)

// HeartbeatStatus answers contract.HeartbeatStatusQuery.
type HeartbeatStatus struct {
	Team  string `json:"team"`
	Name  string `json:"name"`
	State string `json:"state"`
	// Every and Grace are as the team file writes them; Grace is the
	// default's value when the file gives none.
	Every    string    `json:"every"`
	Grace    string    `json:"grace"`
	Since    time.Time `json:"since"`
	LastPing time.Time `json:"last_ping,omitzero"`
	Pings    int       `json:"pings"`
	// Deadline is when the next ping is due at the latest.
	Deadline time.Time `json:"deadline"`
	Incident string    `json:"incident,omitempty"`
}

// heartbeatRunPings is how many pings one run takes before it continues as
// new: each costs a few history events.
var heartbeatRunPings = 1000

// heartbeatMonitor is a running monitor.
type heartbeatMonitor struct {
	id    contract.HeartbeatID
	cfg   HeartbeatConfig
	state HeartbeatState
	loc   *time.Location
	// outbox holds the alerts to deliver, in order: an opening is
	// delivered before the resolution that follows it.
	outbox  []Alert
	sending workflow.Future
	// pings counts this run's pings.
	pings int
}

// HeartbeatMonitor watches one heartbeat until it is taken out of the team
// file.
func HeartbeatMonitor(ctx workflow.Context, in HeartbeatInput) error {
	m := &heartbeatMonitor{
		id:    contract.HeartbeatID{Team: in.Team.Name, Name: in.Heartbeat.Name},
		cfg:   HeartbeatConfig{Team: in.Team, Heartbeat: in.Heartbeat},
		state: in.State,
	}
	if err := m.configure(m.cfg); err != nil {
		return err
	}
	if m.state.Since.IsZero() {
		m.state.Since = workflow.Now(ctx)
	}
	if err := workflow.SetQueryHandler(ctx, contract.HeartbeatStatusQuery, func() (HeartbeatStatus, error) {
		return m.status(), nil
	}); err != nil {
		return err
	}
	if err := m.upsert(ctx); err != nil {
		return err
	}
	pings := workflow.GetSignalChannel(ctx, contract.HeartbeatPingSignal)
	configs := workflow.GetSignalChannel(ctx, contract.HeartbeatConfigureSignal)
	stops := workflow.GetSignalChannel(ctx, contract.HeartbeatStopSignal)

	var (
		timer       workflow.Future
		timerAt     time.Time
		cancelTimer workflow.CancelFunc
		stopped     string
	)
	for {
		idle := len(m.outbox) == 0 && m.sending == nil
		if stopped != "" && idle {
			workflow.GetLogger(ctx).Info("heartbeat monitor stopped", "heartbeat", m.id.String(), "why", stopped)
			return nil
		}
		if idle && (m.pings >= heartbeatRunPings || workflow.GetInfo(ctx).GetContinueAsNewSuggested()) {
			// Every signal received so far is taken into the state first:
			// one left in the channel would be lost with this run.
			m.drain(ctx, pings, configs)
			var why string
			if stops.ReceiveAsync(&why) {
				stopped = m.stop(ctx, why)
				continue
			}
			return workflow.NewContinueAsNewError(ctx, contract.HeartbeatWorkflowName,
				HeartbeatInput{Team: m.cfg.Team, Heartbeat: m.cfg.Heartbeat, State: m.state})
		}
		m.send(ctx)

		// The timer waits for the deadline while the heartbeat is on
		// time; pings move the deadline, not the timer.
		deadline := m.deadline()
		if m.state.Missed.IsZero() && stopped == "" && (timer == nil || deadline.Before(timerAt)) {
			if cancelTimer != nil {
				cancelTimer()
			}
			var tctx workflow.Context
			tctx, cancelTimer = workflow.WithCancel(ctx)
			timer, timerAt = workflow.NewTimer(tctx, max(deadline.Sub(workflow.Now(ctx)), time.Millisecond)), deadline
		}

		sel := workflow.NewSelector(ctx)
		if timer != nil {
			sel.AddFuture(timer, func(workflow.Future) { timer = nil })
		}
		if m.sending != nil {
			sel.AddFuture(m.sending, func(f workflow.Future) { m.sent(ctx, f) })
		}
		sel.AddReceive(pings, func(c workflow.ReceiveChannel, _ bool) {
			var p HeartbeatPing
			c.Receive(ctx, &p)
			m.ping(ctx, p)
		})
		sel.AddReceive(configs, func(c workflow.ReceiveChannel, _ bool) {
			var cfg HeartbeatConfig
			c.Receive(ctx, &cfg)
			m.reconfigure(ctx, cfg)
		})
		sel.AddReceive(stops, func(c workflow.ReceiveChannel, _ bool) {
			var why string
			c.Receive(ctx, &why)
			stopped = m.stop(ctx, why)
		})
		sel.Select(ctx)

		if timer == nil && cancelTimer != nil {
			// The timer fired: pings that came before it count first.
			cancelTimer = nil
			m.drain(ctx, pings, configs)
			if now := workflow.Now(ctx); m.state.Missed.IsZero() && !now.Before(m.deadline()) {
				m.miss(ctx, m.deadline())
			}
		}
	}
}

// configure takes a heartbeat's configuration, refusing one that no
// retry can fix.
func (m *heartbeatMonitor) configure(cfg HeartbeatConfig) error {
	loc, err := teamLocation(cfg.Team)
	if err != nil {
		return err
	}
	if _, ok := cfg.Team.Heartbeat(cfg.Heartbeat.Name); !ok || cfg.Heartbeat.Name != m.id.Name {
		return badTeam(fmt.Errorf("team %q has no heartbeat %q", cfg.Team.Name, m.id.Name))
	}
	m.cfg, m.loc = cfg, loc
	return nil
}

// reconfigure takes the team file's new configuration; a bad one is
// logged and the old one kept, so that a typo never stops a watch.
func (m *heartbeatMonitor) reconfigure(ctx workflow.Context, cfg HeartbeatConfig) {
	if err := m.configure(cfg); err != nil {
		workflow.GetLogger(ctx).Warn("heartbeat configuration refused; the old one stays", "heartbeat", m.id.String(), "error", err)
		return
	}
	_ = m.upsert(ctx)
}

// drain takes every ping and configuration waiting in the channels.
func (m *heartbeatMonitor) drain(ctx workflow.Context, pings, configs workflow.ReceiveChannel) {
	var p HeartbeatPing
	for pings.ReceiveAsync(&p) {
		m.ping(ctx, p)
	}
	var cfg HeartbeatConfig
	for configs.ReceiveAsync(&cfg) {
		m.reconfigure(ctx, cfg)
	}
}

// deadline is when the next ping is due at the latest.
func (m *heartbeatMonitor) deadline() time.Time {
	every, grace := m.cfg.Heartbeat.Period()
	from := m.state.Since
	if !m.state.LastPing.IsZero() {
		from = m.state.LastPing
	}
	return from.Add(every + grace)
}

// ping takes one ping: it moves the deadline and, when the heartbeat was
// late, resolves its incident.
func (m *heartbeatMonitor) ping(ctx workflow.Context, p HeartbeatPing) {
	now := workflow.Now(ctx)
	at := p.At
	if at.IsZero() || at.After(now) {
		// A gateway's clock ahead of the workflow's must not push the
		// deadline into the future.
		at = now
	}
	m.pings++
	m.state.Pings++
	wasUp := !m.state.LastPing.IsZero() && m.state.Missed.IsZero()
	if at.After(m.state.LastPing) {
		m.state.LastPing = at
	}
	if !m.state.Missed.IsZero() {
		m.outbox = append(m.outbox, m.alert(AlertResolved, at))
		m.state.Missed, m.state.Incident = time.Time{}, ""
	}
	if !wasUp {
		_ = m.upsert(ctx)
	}
}

// miss opens the incident of a deadline passed without a ping.
func (m *heartbeatMonitor) miss(ctx workflow.Context, deadline time.Time) {
	m.state.Missed = deadline
	m.outbox = append(m.outbox, m.alert(AlertFiring, deadline))
	_ = m.upsert(ctx)
}

// stop ends the watch: an open incident is resolved, since no ping will
// ever resolve it now. It returns why the watch stops, never empty.
func (m *heartbeatMonitor) stop(ctx workflow.Context, why string) string {
	if why == "" {
		why = "stopped"
	}
	if !m.state.Missed.IsZero() {
		a := m.alert(AlertResolved, workflow.Now(ctx))
		a.Description = fmt.Sprintf("Baton no longer watches %s: %s.", m.id.Name, why)
		m.outbox = append(m.outbox, a)
	}
	return why
}

// send delivers the next alert of the outbox, unless one is on its way.
// Delivery is retried until Temporal takes it: an incident must never be
// lost to a restart, and a repeat is only a repeat on the same incident.
func (m *heartbeatMonitor) send(ctx workflow.Context) {
	if m.sending != nil || len(m.outbox) == 0 {
		return
	}
	m.sending = deliverAlert(ctx, m.cfg.Team, m.outbox[0], 0)
}

// sent takes the outcome of a delivery. Only an alert refused for good
// (too large, say) is dropped, and said so in the log.
func (m *heartbeatMonitor) sent(ctx workflow.Context, f workflow.Future) {
	a := m.outbox[0]
	m.outbox, m.sending = m.outbox[1:], nil
	var id string
	if err := f.Get(ctx, &id); err != nil {
		workflow.GetLogger(ctx).Error("heartbeat alert not delivered", "heartbeat", m.id.String(), "status", a.Status, "error", err)
		return
	}
	if a.Status == AlertFiring && !m.state.Missed.IsZero() {
		m.state.Incident = id
	}
}

// upsert keeps the search attributes by which the Web UI finds the
// monitor: its team, service and state.
func (m *heartbeatMonitor) upsert(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		contract.TeamKey.ValueSet(m.cfg.Team.Name),
		contract.ServiceKey.ValueSet(m.cfg.Heartbeat.Service),
		contract.AlertNameKey.ValueSet(m.cfg.Heartbeat.Name),
		contract.StateKey.ValueSet(m.stateName()))
}

func (m *heartbeatMonitor) stateName() string {
	switch {
	case !m.state.Missed.IsZero():
		return HeartbeatLate
	case m.state.LastPing.IsZero():
		return HeartbeatWaiting
	}
	return HeartbeatUp
}

func (m *heartbeatMonitor) status() HeartbeatStatus {
	_, grace := m.cfg.Heartbeat.Period()
	return HeartbeatStatus{
		Team: m.id.Team, Name: m.id.Name, State: m.stateName(),
		Every: m.cfg.Heartbeat.Every, Grace: spanText(grace),
		Since: m.state.Since, LastPing: m.state.LastPing, Pings: m.state.Pings,
		Deadline: m.deadline(), Incident: m.state.Incident,
	}
}

// alert is the heartbeat's alert: firing when its deadline passed at at,
// resolved when a ping came at at.
func (m *heartbeatMonitor) alert(status string, at time.Time) Alert {
	h := m.cfg.Heartbeat
	every, grace := h.Period()
	severity, _ := NormalizeSeverity(h.HeartbeatSeverity())
	last := "never, since Baton began watching it at " + rosterview.When(m.state.Since, m.loc)
	summary := fmt.Sprintf("No ping from %s since Baton began watching it at %s, expected %s",
		h.Name, rosterview.When(m.state.Since, m.loc), cadence(h.Every, every))
	lastRFC := "never"
	if !m.state.LastPing.IsZero() {
		last = rosterview.When(m.state.LastPing, m.loc)
		lastRFC = m.state.LastPing.UTC().Format(time.RFC3339)
		summary = fmt.Sprintf("No ping from %s since %s, expected %s", h.Name, last, cadence(h.Every, every))
	}
	return Alert{
		Team:      m.id.Team,
		DedupKey:  m.id.DedupKey(),
		Summary:   summary,
		Severity:  severity,
		Service:   h.Service,
		AlertName: h.Name,
		Source:    SourceHeartbeat,
		Description: fmt.Sprintf("The job behind the heartbeat %s pings Baton at least every %s, with %s of grace. "+
			"Its last ping: %s. The deadline passed at %s. This incident resolves itself with the next ping (POST %s).",
			h.Name, spanText(every), spanText(grace), last, rosterview.When(m.deadline(), m.loc), m.id.Path()),
		RunbookURL: h.Runbook,
		Details:    map[string]string{"heartbeat": h.Name, "last_ping": lastRFC, "every": h.Every},
		Status:     status,
		At:         at,
	}
}

// cadence says how often a ping is expected, in the team file's words.
func cadence(written string, every time.Duration) string {
	switch every {
	case time.Hour:
		return "hourly"
	case 24 * time.Hour:
		return "daily"
	}
	return "every " + written
}

// spanText writes a span without the zero units Go's Duration.String
// adds ("15m", not "15m0s").
func spanText(d time.Duration) string {
	s := d.String()
	for _, zero := range []string{"0s", "0m"} {
		if len(s) > len(zero)+1 && s[len(s)-len(zero):] == zero && s[len(s)-len(zero)-1] >= 'a' {
			s = s[:len(s)-len(zero)]
		}
	}
	return s
}
