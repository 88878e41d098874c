package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// hbStart is a Tuesday night in Berlin: the heartbeat's times are the
// test's own clock, never the day it runs.
var hbStart = time.Date(2026, 11, 24, 1, 0, 0, 0, berlin)

// hbTeam is the test team with one heartbeat, every 1h with 15m of grace.
func hbTeam() team.Team {
	t := testTeam()
	t.Heartbeats = []team.Heartbeat{{Name: "orders_etl", Every: "1h", Grace: "15m", Service: "airflow"}}
	return t
}

// delivered is an alert the monitor delivered, with the test clock's time.
type delivered struct {
	at    time.Time
	alert Alert
}

// hbEnv runs a heartbeat monitor whose deliveries are recorded; the first
// failFirst deliveries fail as Temporal unavailable would.
type hbEnv struct {
	env       *testsuite.TestWorkflowEnvironment
	mu        sync.Mutex
	delivered []delivered
	tries     int
	failFirst int
}

func newHeartbeatEnv(t *testing.T) *hbEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	h := &hbEnv{env: s.NewTestWorkflowEnvironment()}
	h.env.SetStartTime(hbStart)
	h.env.RegisterWorkflowWithOptions(HeartbeatMonitor, workflow.RegisterOptions{Name: contract.HeartbeatWorkflowName})
	h.env.RegisterActivityWithOptions(func(_ context.Context, req DeliverRequest) (string, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries++
		if h.tries <= h.failFirst {
			return "", errors.New("temporal: unavailable")
		}
		require.Equal(t, "data", req.Team.Name)
		h.delivered = append(h.delivered, delivered{at: h.env.Now(), alert: req.Alert})
		return contract.IncidentWorkflowID(req.Team.Name, req.Alert.DedupKey), nil
	}, activity.RegisterOptions{Name: contract.DeliverAlertActivity})
	return h
}

// at runs f at an offset from the start.
func (h *hbEnv) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// ping sends a ping the gateway took at offset d.
func (h *hbEnv) ping(d time.Duration) {
	h.at(d, func() {
		h.env.SignalWorkflow(contract.HeartbeatPingSignal, HeartbeatPing{At: hbStart.Add(d)})
	})
}

func (h *hbEnv) stop(d time.Duration) {
	h.at(d, func() { h.env.SignalWorkflow(contract.HeartbeatStopSignal, "taken out of the team file") })
}

// status asks the monitor its status at offset d.
func (h *hbEnv) status(t *testing.T, d time.Duration, got *HeartbeatStatus) {
	h.at(d, func() {
		v, err := h.env.QueryWorkflow(contract.HeartbeatStatusQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(got))
	})
}

func (h *hbEnv) run(t *testing.T, tm team.Team) error {
	t.Helper()
	h.env.ExecuteWorkflow(contract.HeartbeatWorkflowName, HeartbeatInput{Team: tm, Heartbeat: tm.Heartbeats[0]})
	require.True(t, h.env.IsWorkflowCompleted())
	return h.env.GetWorkflowError()
}

// A ping moves the deadline; when it passes without one, the incident
// opens at the deadline and says when the last ping came; the next ping
// resolves it at the ping's time.
func TestAMissedHeartbeatOpensAnIncidentThatTheNextPingResolves(t *testing.T) {
	h := newHeartbeatEnv(t)
	h.ping(30 * time.Minute)
	h.ping(80 * time.Minute) // due by 1h45m: on time; the next is due by 2h35m
	var up, late, back HeartbeatStatus
	h.status(t, 90*time.Minute, &up)
	h.status(t, 160*time.Minute, &late)
	h.ping(180 * time.Minute)
	h.status(t, 181*time.Minute, &back)
	h.stop(190 * time.Minute)
	require.NoError(t, h.run(t, hbTeam()))

	require.Len(t, h.delivered, 2)
	open, resolved := h.delivered[0], h.delivered[1]
	requireAt(t, hbStart.Add(155*time.Minute), open.at, "opened at the deadline")
	require.Equal(t, AlertFiring, open.alert.Status)
	requireAt(t, hbStart.Add(155*time.Minute), open.alert.At)
	require.Equal(t, "heartbeat-orders_etl", open.alert.DedupKey)
	require.Equal(t, SourceHeartbeat, open.alert.Source)
	require.Equal(t, SeverityHigh, open.alert.Severity, "the default severity pages")
	require.Equal(t, "airflow", open.alert.Service)
	require.Equal(t, "No ping from orders_etl since "+rosterview.When(hbStart.Add(80*time.Minute), berlin)+", expected hourly", open.alert.Summary)
	require.Contains(t, open.alert.Description, "at least every 1h, with 15m of grace")
	require.Contains(t, open.alert.Description, "POST /heartbeat/data/orders_etl")

	requireAt(t, hbStart.Add(180*time.Minute), resolved.at, "resolved by the ping")
	require.Equal(t, AlertResolved, resolved.alert.Status)
	require.Equal(t, open.alert.DedupKey, resolved.alert.DedupKey)

	require.Equal(t, HeartbeatUp, up.State)
	requireAt(t, hbStart.Add(155*time.Minute), up.Deadline)
	require.Equal(t, 2, up.Pings)
	require.Equal(t, "15m", up.Grace)
	require.Equal(t, HeartbeatLate, late.State)
	require.Equal(t, contract.IncidentWorkflowID("data", "heartbeat-orders_etl"), late.Incident)
	require.Equal(t, HeartbeatUp, back.State)
	require.Empty(t, back.Incident)
	requireAt(t, hbStart.Add(255*time.Minute), back.Deadline)
}

// A heartbeat never pinged is due one period after the watch began, and
// says so.
func TestAHeartbeatNeverPingedIsDueFromTheStartOfTheWatch(t *testing.T) {
	h := newHeartbeatEnv(t)
	var waiting HeartbeatStatus
	h.status(t, time.Minute, &waiting)
	h.stop(2 * time.Hour)
	require.NoError(t, h.run(t, hbTeam()))

	require.Equal(t, HeartbeatWaiting, waiting.State)
	require.Len(t, h.delivered, 2, "opened, then resolved as the watch stopped")
	requireAt(t, hbStart.Add(75*time.Minute), h.delivered[0].at)
	require.Contains(t, h.delivered[0].alert.Summary, "since Baton began watching it at "+rosterview.When(hbStart, berlin))
	require.Equal(t, AlertResolved, h.delivered[1].alert.Status)
	requireAt(t, hbStart.Add(2*time.Hour), h.delivered[1].at)
	require.Contains(t, h.delivered[1].alert.Description, "no longer watches orders_etl: taken out of the team file")
}

// A ping counts from when the gateway took it, not from when the monitor
// read it (a worker restarting in between).
func TestAPingCountsFromWhenTheGatewayTookIt(t *testing.T) {
	h := newHeartbeatEnv(t)
	h.at(50*time.Minute, func() {
		h.env.SignalWorkflow(contract.HeartbeatPingSignal, HeartbeatPing{At: hbStart.Add(40 * time.Minute)})
	})
	h.stop(3 * time.Hour)
	require.NoError(t, h.run(t, hbTeam()))
	require.NotEmpty(t, h.delivered)
	requireAt(t, hbStart.Add(115*time.Minute), h.delivered[0].at)
}

// A shorter period from the team file takes effect at once: the timer
// armed for the old deadline does not hold the new one back.
func TestANewPeriodFromTheTeamFileMovesTheDeadline(t *testing.T) {
	h := newHeartbeatEnv(t)
	tm := hbTeam()
	h.at(10*time.Minute, func() {
		short := hbTeam()
		short.Heartbeats[0].Every, short.Heartbeats[0].Grace, short.Heartbeats[0].Severity = "20m", "5m", "critical"
		h.env.SignalWorkflow(contract.HeartbeatConfigureSignal, HeartbeatConfig{Team: short, Heartbeat: short.Heartbeats[0]})
	})
	h.stop(time.Hour)
	require.NoError(t, h.run(t, tm))
	require.NotEmpty(t, h.delivered)
	requireAt(t, hbStart.Add(25*time.Minute), h.delivered[0].at)
	require.Equal(t, SeverityCritical, h.delivered[0].alert.Severity)
	require.Equal(t, "No ping from orders_etl since Baton began watching it at "+rosterview.When(hbStart, berlin)+", expected every 20m", h.delivered[0].alert.Summary)
}

// A delivery Temporal refuses for a while is retried until it lands, and a
// ping meanwhile resolves only after the opening landed: the incident is
// never resolved before it opened.
func TestADeliveryIsRetriedAndKeepsItsOrder(t *testing.T) {
	h := newHeartbeatEnv(t)
	h.failFirst = 3
	h.ping(76 * time.Minute) // a minute after the deadline, while the opening is retried
	h.stop(2 * time.Hour)
	require.NoError(t, h.run(t, hbTeam()))
	require.Len(t, h.delivered, 2)
	require.Equal(t, AlertFiring, h.delivered[0].alert.Status)
	require.Equal(t, AlertResolved, h.delivered[1].alert.Status)
	require.Equal(t, 5, h.tries)
}

// A run that took many pings continues as new with the last ping, so a
// job pinging every minute never grows one history without end.
func TestManyPingsContinueAsNewWithTheLastPing(t *testing.T) {
	defer func(n int) { heartbeatRunPings = n }(heartbeatRunPings)
	heartbeatRunPings = 5
	h := newHeartbeatEnv(t)
	for i := 1; i <= 5; i++ {
		h.ping(time.Duration(i) * time.Minute)
	}
	err := h.run(t, hbTeam())
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &cont)
	var next HeartbeatInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next))
	requireAt(t, hbStart.Add(5*time.Minute), next.State.LastPing)
	requireAt(t, hbStart, next.State.Since)
	require.Equal(t, 5, next.State.Pings)
	require.Equal(t, "orders_etl", next.Heartbeat.Name)
	require.Empty(t, h.delivered)
}

// requireAt checks an instant, whatever zone each side is written in.
func requireAt(t *testing.T, want, got time.Time, msg ...any) {
	t.Helper()
	require.True(t, want.Equal(got), append([]any{"want %s, got %s", want, got}, msg...)...)
}
