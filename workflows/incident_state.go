package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// IncidentState is everything an incident knows. It is plain data, so that
// a run continued as new starts from exactly where the last one stopped,
// and the work each vendor still owes (a post, a DM, an Opsgenie close) is
// read from it rather than from a queue that would die with the run.
type IncidentState struct {
	// Run is the first run's ID: every idempotency key carries it, so keys
	// stay the same across continue-as-new and differ for a recurrence.
	Run            string          `json:"run"`
	Alert          Alert           `json:"alert"`
	State          State           `json:"state"`
	Summary        IncidentSummary `json:"summary"`
	Timeline       []TimelineEntry `json:"timeline"`
	SourceResolved bool            `json:"source_resolved,omitempty"`
	// LastDelivery is when the source last sent the alert.
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	// LastRepeatNote is when a repeat delivery last added a thread line.
	LastRepeatNote time.Time `json:"last_repeat_note,omitzero"`
	// HoldUntil is the working morning a held low-severity alert waits for.
	HoldUntil  time.Time  `json:"hold_until,omitzero"`
	AckedBy    *Actor     `json:"acked_by,omitempty"`
	ResolvedBy *Actor     `json:"resolved_by,omitempty"`
	Responders Responders `json:"responders"`
	Escalation Escalation `json:"escalation"`
	FollowUps  FollowUps  `json:"follow_ups"`
	Outbox     Outbox     `json:"outbox"`
	// Failing is what fails now, by vendor, with the last error.
	Failing map[string]string `json:"failing,omitempty"`
	// Silence is the silence that holds the incident's pages back, or
	// last did (incident_silence.go).
	Silence *SilenceHold `json:"silence,omitempty"`
	// Trail is why it did what it did, for explain (incident_trail.go).
	Trail Trail `json:"trail"`
}

// Actor is who acted: the identity as it came (a chat user ID, or a name
// from the CLI or Opsgenie) beside the team person it is, when known. The
// display form is derived, never parsed back.
type Actor struct {
	// ChatID is set when the action came from chat.
	ChatID string `json:"chat_id,omitempty"`
	// Name is the name given where chat was not involved.
	Name string `json:"name,omitempty"`
	// Person is the team file's person ID, when the actor is one.
	Person string `json:"person,omitempty"`
}

// Label names the actor in records (the memo, a refusal) as plain text,
// never a mention: the team person's ID, else the name it came with, else
// its chat user's ID.
func (a Actor) Label() string {
	return cmp.Or(a.Person, a.Name, a.ChatID)
}

// Responders are the people an incident pages, and where they came from.
type Responders struct {
	// Known is set once the look-up is done, whatever it found.
	Known     bool          `json:"known"`
	OnCall    []team.Person `json:"on_call,omitempty"`
	Secondary []team.Person `json:"secondary,omitempty"`
	// Source says who named them: the pager, the last handover, or the
	// team's fallback.
	Source string `json:"source,omitempty"`
	// ChatIDs maps person IDs to chat users, once ChatKnown.
	ChatIDs   map[string]string `json:"chat_ids,omitempty"`
	ChatKnown bool              `json:"chat_known,omitempty"`
	// PagerFailed: the pager did not answer when they were named, and is
	// asked again before each later escalation step, until it answers.
	// AskedBefore is the escalation step (Escalation.Next) it was last
	// asked before, plus one.
	PagerFailed bool `json:"pager_failed,omitempty"`
	AskedBefore int  `json:"asked_before,omitempty"`
}

// Escalation is the plan of timed steps of an unacknowledged page.
type Escalation struct {
	// Round counts the pages of this incident: a reopened incident is
	// paged and escalated anew, under keys of its own.
	Round int                 `json:"round"`
	Base  time.Time           `json:"base"`
	Plan  []team.EscalationAt `json:"plan,omitempty"`
	// Next is the next step of Plan.
	Next int `json:"next"`
	// Manual counts escalations asked by hand; ManualDone those run.
	Manual     int `json:"manual,omitempty"`
	ManualDone int `json:"manual_done,omitempty"`
	// SMSWith maps a person to the incident whose SMS carried this one's
	// page to them (a storm's bundle).
	SMSWith map[string]string `json:"sms_with,omitempty"`
}

// FollowUps are the one-off steps after acknowledge and resolve. A reopen
// clears them all at once (reopen), so a reopened incident is followed up
// like a new one.
type FollowUps struct {
	AckReminded           bool      `json:"ack_reminded,omitempty"`
	StakeholdersOpened    bool      `json:"stakeholders_opened,omitempty"`
	StakeholdersMitigated bool      `json:"stakeholders_mitigated,omitempty"`
	StakeholdersResolved  bool      `json:"stakeholders_resolved,omitempty"`
	AskedActionable       bool      `json:"asked_actionable,omitempty"`
	RCAStarted            bool      `json:"rca_started,omitempty"`
	RCADone               bool      `json:"rca_done,omitempty"`
	NextRCAReminder       time.Time `json:"next_rca_reminder,omitzero"`
	// GraceOver: the wait for an actionable answer is over.
	GraceOver bool `json:"grace_over,omitempty"`
}

// Outbox is what the incident still owes each vendor, and how far each has
// got; the lanes (incident_lanes.go) work through it in the background.
type Outbox struct {
	// WantPage: the channel message is due (at once for a page, on the
	// working morning for a held low-severity alert).
	WantPage bool   `json:"want_page,omitempty"`
	PageTS   string `json:"page_ts,omitempty"`
	// PageRecorded is the page round (counted from 1) whose page was last
	// recorded as an interruption.
	PageRecorded int `json:"page_recorded,omitempty"`
	// Posted counts the timeline entries posted in the page's thread.
	Posted int `json:"posted"`
	// Stale: the page shows something out of date; Urgent: a state change
	// (not only a repeat count), shown at once.
	Stale   bool      `json:"stale,omitempty"`
	Urgent  bool      `json:"urgent,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	// Posts are further channel posts (stakeholders, the actionable
	// question); DMs are direct messages. Sent and DMsSent count the done.
	Posts   []Post `json:"posts,omitempty"`
	Sent    int    `json:"sent"`
	DMs     []DM   `json:"dms,omitempty"`
	DMsSent int    `json:"dms_sent"`
	// The page's Opsgenie alert: to open, opened, to close, closed.
	OpsgenieOpen   bool `json:"opsgenie_open,omitempty"`
	OpsgenieOpened bool `json:"opsgenie_opened,omitempty"`
	OpsgenieClose  bool `json:"opsgenie_close,omitempty"`
	OpsgenieClosed bool `json:"opsgenie_closed,omitempty"`
	// WantTicket: the RCA ticket is to be filed (Summary.RCATicket once it is).
	WantTicket bool `json:"want_ticket,omitempty"`
	// The page's place in a storm (incident_storm.go): StormAsked once
	// the team's storm desk was asked where the page goes; StormGroup, when
	// the desk grouped it, and StormTS, the group's message, whose thread
	// takes the page and its timeline; StormTold, the state the desk last
	// heard of.
	StormAsked   bool      `json:"storm_asked,omitempty"`
	StormAskedAt time.Time `json:"storm_asked_at,omitzero"`
	StormGroup   int       `json:"storm_group,omitempty"`
	StormTS      string    `json:"storm_ts,omitempty"`
	StormTold    State     `json:"storm_told,omitempty"`
}

// Post is a channel post other than the page.
type Post struct {
	Key     string        `json:"key"`
	Channel string        `json:"channel"`
	Thread  bool          `json:"thread,omitempty"`
	Text    string        `json:"text"`
	Buttons []chat.Button `json:"buttons,omitempty"`
}

// DM is a direct message to a team person or, where the actor is known
// only to chat, a chat user.
type DM struct {
	Key     string        `json:"key"`
	Person  string        `json:"person,omitempty"`
	ChatID  string        `json:"chat_id,omitempty"`
	Text    string        `json:"text"`
	Buttons []chat.Button `json:"buttons,omitempty"`
	// Page: the DM pages the person, which counts as an interruption.
	Page bool `json:"page,omitempty"`
}

// incident is a running incident: its state and what the run needs.
type incident struct {
	IncidentState
	team   team.Team
	loc    *time.Location
	id     string
	logger log.Logger
	alerts workflow.ReceiveChannel
	// changed: an action or an alert came in; the loop plans again.
	// memoStale: the memo and search attributes lag the state. Both are
	// set through touch, with the page's flags in the Outbox.
	changed   bool
	memoStale bool
	// ringCtx, a child of root, carries the escalation's SMS and calls in
	// flight; stopRinging cancels them when someone acknowledges.
	root        workflow.Context
	ringCtx     workflow.Context
	stopRinging workflow.CancelFunc
	ringing     int
	// busy counts lane activities in flight; lanes are what each lane
	// owes next, read by idle when the incident closes.
	busy  int
	lanes []lane
	// asksPagerAgain: this run started after IncidentAskPagerAgainChange.
	asksPagerAgain bool
	// asksStormDesk: this run started after IncidentStormDeskChange.
	asksStormDesk bool
	// asksSilences: this run started after IncidentSilencesChange.
	asksSilences bool
	// tellsDownstream: this run started after
	// IncidentStakeholdersDownstreamChange.
	tellsDownstream bool
	// publishesPageRecord: this run started after
	// IncidentPublishPageRecordChange.
	publishesPageRecord bool
}

// touched says what a change leaves behind the state, for touch.
type touched uint8

const (
	// touchLoop: the main loop plans its timers again.
	touchLoop touched = 1 << iota
	// touchMemo: the memo and search attributes (the Web UI) catch up.
	touchMemo
	// touchPage: the page in the channel catches up, in its turn behind
	// the channel's other posts.
	touchPage
	// touchPageNow: the page catches up first (a new state, buttons).
	touchPageNow
)

// touch is the one way to mark what a change leaves to catch up.
func (inc *incident) touch(t touched) {
	if t&touchLoop != 0 {
		inc.changed = true
	}
	if t&touchMemo != 0 {
		inc.memoStale = true
	}
	if t&(touchPage|touchPageNow) != 0 {
		inc.Outbox.Stale = true
	}
	if t&touchPageNow != 0 {
		inc.Outbox.Urgent = true
	}
}

func setupIncident(ctx workflow.Context, in IncidentInput) (*incident, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return nil, err
	}
	info := workflow.GetInfo(ctx)
	inc := &incident{
		team:   in.Team,
		loc:    loc,
		id:     info.WorkflowExecution.ID,
		alerts: workflow.GetSignalChannel(ctx, contract.IncidentAlertSignal),
	}
	inc.logger = log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "incident", inc.id)
	if err := workflow.SetQueryHandler(ctx, contract.IncidentStatusQuery, inc.status); err != nil {
		return nil, err
	}
	if in.Resume != nil {
		inc.IncidentState = *in.Resume
		inc.touch(touchMemo)
		return inc, inc.takeActions(ctx)
	}
	first, err := firstAlert(ctx, inc.alerts)
	if err != nil {
		return nil, err
	}
	now := workflow.Now(ctx)
	inc.IncidentState = IncidentState{
		Run: info.WorkflowExecution.RunID, Alert: first.Alert, State: StateTriggered,
		Summary: IncidentSummary{
			Team: in.Team.Name, Severity: string(first.Alert.Severity), Service: first.Alert.Service,
			AlertName: first.Alert.AlertName, Summary: first.Alert.Summary,
			Triggered: now, Deliveries: 1, Notifications: map[string]int{},
		},
		// An alert that arrives already resolved has nothing to page about.
		SourceResolved: first.Alert.Status == AlertResolved,
		Escalation:     Escalation{Base: now},
		Failing:        map[string]string{},
	}
	inc.note(now, fmt.Sprintf("Triggered by %s: %s", mrkdwn.Line(first.Alert.Source), mrkdwn.Line(first.Alert.Summary)))
	if err := inc.takeActions(ctx); err != nil {
		return nil, err
	}
	return inc, inc.publish(ctx)
}

// takeActions takes people's actions from now on. It is called once the
// state is known: an action that came with the start (an acknowledgement
// sent the moment the alert was taken, before a loaded worker ran the
// incident's first task) waits in Temporal until then and is judged on
// the incident's state, never on an empty one.
func (inc *incident) takeActions(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.IncidentActionUpdate, inc.act,
		workflow.UpdateHandlerOptions{Validator: inc.validate})
}

// firstAlert takes the alert the workflow was started with. SignalWithStart
// delivers it with the start, so it is there at once and no timer is
// needed; a start without it is a mistake, given a minute to put right.
func firstAlert(ctx workflow.Context, alerts workflow.ReceiveChannel) (AlertSignal, error) {
	ok := alerts.Len() > 0
	if !ok {
		var err error
		if ok, err = workflow.AwaitWithTimeout(ctx, firstAlertWait, func() bool { return alerts.Len() > 0 }); err != nil {
			return AlertSignal{}, err
		}
	}
	var first AlertSignal
	if !ok || !alerts.ReceiveAsync(&first) {
		return AlertSignal{}, temporal.NewNonRetryableApplicationError(errNoAlert.Error(), "NoAlert", nil)
	}
	return first, nil
}

func (inc *incident) status() (IncidentStatus, error) {
	return IncidentStatus{
		WorkflowID: inc.id, State: inc.State, Alert: inc.Alert, Summary: inc.Summary,
		Timeline: inc.Timeline, Failing: maps.Clone(inc.Failing), SMSWith: maps.Clone(inc.Escalation.SMSWith),
		Why: inc.why(),
	}, nil
}

// publish writes the search attributes and the memo, so that the Web UI
// and visibility queries see the incident as it is now, failures included.
func (inc *incident) publish(ctx workflow.Context) error {
	inc.memoStale = false
	err := workflow.UpsertTypedSearchAttributes(ctx,
		contract.TeamKey.ValueSet(inc.team.Name),
		contract.SeverityKey.ValueSet(string(inc.Alert.Severity)),
		contract.ServiceKey.ValueSet(inc.Alert.Service),
		contract.StateKey.ValueSet(string(inc.State)),
		contract.AlertNameKey.ValueSet(inc.Alert.AlertName),
		contract.OnCallKey.ValueSet(strings.Join(team.IDs(inc.Responders.OnCall), ",")),
	)
	if err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]any{
		contract.IncidentMemoKey: inc.Summary, contract.IncidentSummaryMemoKey: inc.Alert.Summary, contract.IncidentFailingMemoKey: inc.Failing,
	})
}

// validate rejects, before anything is recorded, an action that does not
// fit the incident's state: an ack after resolve changes nothing and is
// answered with who resolved it.
func (inc *incident) validate(req ActionRequest) error {
	if req.Round != nil && *req.Round != inc.Escalation.Round {
		return errors.New("that answers an earlier page of this incident")
	}
	return checkAction(req, inc.State, inc.Summary.Paged, inc.Summary.AcknowledgedBy, inc.resolvedBy())
}

// act applies a validated action to the state and notes it; the main loop
// and the lanes do what follows from it.
func (inc *incident) act(ctx workflow.Context, req ActionRequest) (ActionResult, error) {
	now := workflow.Now(ctx)
	who := inc.actor(req)
	inc.touch(touchLoop | touchMemo)
	inc.Trail.Acts = append(inc.Trail.Acts, Act{At: now, Action: req.Action, By: who.Label(), Via: req.channel()})
	switch req.Action {
	case ActionAck:
		inc.acknowledge(now, who, req)
		inc.note(now, fmt.Sprintf("Acknowledged by %s via %s", inc.mention(who), mrkdwn.Line(req.Via)))
	case ActionMitigate:
		if inc.AckedBy == nil {
			inc.acknowledge(now, who, req)
		}
		inc.setState(StateMitigated)
		inc.Summary.Mitigated = now
		inc.note(now, fmt.Sprintf("Mitigated by %s via %s: impact contained", inc.mention(who), mrkdwn.Line(req.Via)))
	case ActionResolve:
		inc.resolve(now, &who, req.Via)
	case ActionEscalate:
		inc.Escalation.Manual++
		inc.note(now, fmt.Sprintf("Escalated by hand by %s via %s", inc.mention(who), mrkdwn.Line(req.Via)))
	case ActionActionableYes, ActionActionableNo:
		yes := req.Action == ActionActionableYes
		inc.Summary.Actionable = &yes
		answer := "yes"
		if !yes {
			answer = "no, noise"
		}
		inc.note(now, fmt.Sprintf("Actionable? %s (answered by %s via %s)", answer, inc.mention(who), mrkdwn.Line(req.Via)))
	case ActionRCADone:
		inc.FollowUps.RCADone = true
		inc.note(now, fmt.Sprintf("RCA done, marked by %s via %s", inc.mention(who), mrkdwn.Line(req.Via)))
	case ActionNote:
		inc.note(now, fmt.Sprintf("Note from %s via %s: %s", inc.mention(who), mrkdwn.Line(req.Via), mrkdwn.Line(req.Note)))
		return ActionResult{State: inc.State, Message: inc.lastNote()}, nil
	}
	said := inc.lastNote()
	if req.Note != "" {
		inc.note(now, fmt.Sprintf("Note from %s: %s", inc.mention(who), mrkdwn.Line(req.Note)))
	}
	if inc.drill() && (req.Action == ActionAck || req.Action == ActionMitigate) {
		inc.drillAnswered(now, who)
	}
	return ActionResult{State: inc.State, Message: said}, nil
}

// actor is who a request names: a chat user, or a name, matched to the
// team person it is where the team file or chat says so.
func (inc *incident) actor(req ActionRequest) Actor {
	if req.ChatUser != "" {
		// The gateway found the chat user to be the person By.
		return Actor{ChatID: req.ChatUser, Person: req.By}
	}
	if req.Via == ViaChat {
		// From a gateway that predates ChatUser, By is the chat user:
		// the person is found from the team file or chat.
		by := req.By
		a := Actor{ChatID: by}
		for person, user := range inc.Responders.ChatIDs {
			if user == by {
				a.Person = person
			}
		}
		for _, p := range inc.team.People {
			if p.SlackID == by {
				a.Person = p.ID
			}
		}
		return a
	}
	a := Actor{Name: req.By}
	if _, ok := inc.team.Person(req.By); ok {
		a.Person = req.By
	}
	return a
}

func (inc *incident) acknowledge(now time.Time, who Actor, req ActionRequest) {
	inc.setState(StateAcknowledged)
	inc.AckedBy = &who
	inc.Summary.Acknowledged, inc.Summary.AcknowledgedBy = now, who.Label()
	// Only the memo's content changes for incidents already running:
	// replay compares commands, never memo values, so no version is due.
	inc.Summary.AcknowledgedVia = req.channel()
}

// resolve records the resolution; by is nil when the source resolved it.
func (inc *incident) resolve(now time.Time, by *Actor, via string) {
	if inc.AckedBy == nil && inc.State != StateHeld {
		inc.note(now, "Resolved before anyone acknowledged it")
	}
	inc.setState(StateResolved)
	inc.ResolvedBy = by
	inc.Summary.Resolved, inc.Summary.ResolvedBy = now, inc.resolvedBy()
	who := "the source"
	if by != nil {
		who = inc.mention(*by)
	}
	inc.note(now, fmt.Sprintf("Resolved by %s via %s", who, mrkdwn.Line(via)))
}

// resolvedBy names who resolved it, as the memo keeps it.
func (inc *incident) resolvedBy() string {
	if inc.ResolvedBy != nil {
		return inc.ResolvedBy.Label()
	}
	return summary.ResolvedBySource
}

// setState changes the state; leaving the unacknowledged page ends its
// escalation at once, SMS and calls in flight included.
func (inc *incident) setState(s State) {
	if inc.State == StateTriggered && s != StateTriggered && inc.stopRinging != nil {
		inc.stopRinging()
	}
	inc.State = s
	inc.touch(touchMemo | touchPageNow)
}

// drainAlerts takes every alert delivery waiting on the signal channel.
// A repeat updates the page's count in place; it adds a thread line at
// most once per the team's repeat interval, so a storm of repeats cannot
// crowd the channel's posting limit.
func (inc *incident) drainAlerts(ctx workflow.Context) {
	var sig AlertSignal
	for inc.alerts.ReceiveAsync(&sig) {
		now := workflow.Now(ctx)
		inc.Summary.Deliveries++
		inc.LastDelivery = now
		switch {
		case sig.Alert.Status == AlertResolved && (inc.State == StateResolved || inc.State == StateClosed):
			// Already resolved: nothing to add.
		case sig.Alert.Status == AlertResolved:
			inc.SourceResolved = true
			if inc.State == StateHeld {
				inc.Summary.ResolvedWhileHeld = true
			}
			inc.resolve(now, nil, sig.Alert.Source)
		case inc.State == StateResolved:
			inc.reopen(now)
		default:
			inc.touch(touchPage)
			if now.Sub(inc.LastRepeatNote) >= inc.team.RepeatNoteInterval() {
				inc.LastRepeatNote = now
				inc.note(now, fmt.Sprintf("Repeated by %s (delivery %d)", mrkdwn.Line(sig.Alert.Source), inc.Summary.Deliveries))
				inc.touch(touchMemo)
			}
		}
	}
}

// reopen starts a resolved incident over: a new page round, with its
// escalation and every follow-up as for a new incident.
func (inc *incident) reopen(now time.Time) {
	inc.note(now, fmt.Sprintf("Fired again after it was resolved: reopened (delivery %d)", inc.Summary.Deliveries))
	inc.setState(StateTriggered)
	inc.Summary.Resolved, inc.Summary.ResolvedBy = time.Time{}, ""
	inc.Summary.Acknowledged, inc.Summary.AcknowledgedBy, inc.Summary.Mitigated = time.Time{}, "", time.Time{}
	inc.AckedBy, inc.ResolvedBy = nil, nil
	inc.SourceResolved = false
	inc.FollowUps = FollowUps{}
	inc.Escalation.Round++
	inc.Escalation.Base, inc.Escalation.Next = now, 0
	inc.Escalation.Manual, inc.Escalation.ManualDone = 0, 0
	inc.armEscalation()
	if inc.holdOnReopen(now) {
		return
	}
	inc.queuePageDMs()
	inc.recordPage(now)
}

// note adds a timeline entry; the channel lane posts it in the thread.
// text is mrkdwn: what came from outside in it is escaped by the caller
// (mrkdwn.Line), and its mentions are built from IDs.
func (inc *incident) note(at time.Time, text string) {
	inc.Timeline = append(inc.Timeline, TimelineEntry{At: at, Text: text})
}

func (inc *incident) lastNote() string {
	return inc.Timeline[len(inc.Timeline)-1].Text
}

// key is an idempotency key for one of this incident's posts or
// notifications: the first run's ID keeps a recurrence's apart from the
// closed incident's, and what names the step (round, step, person).
func (inc *incident) key(what string) string {
	return fmt.Sprintf("%s/%s/%s", inc.id, inc.Run, what)
}

// roundKey is a key for something done once per page round.
func (inc *incident) roundKey(what string) string {
	if inc.Escalation.Round == 0 {
		return inc.key(what)
	}
	return inc.key(fmt.Sprintf("r%d/%s", inc.Escalation.Round, what))
}

func (inc *incident) count(kind string) {
	if inc.Summary.Notifications == nil {
		inc.Summary.Notifications = map[string]int{}
	}
	inc.Summary.Notifications[kind]++
	inc.touch(touchMemo)
}
