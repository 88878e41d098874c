package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// Names the gateway, the starter and the tests use to talk to an incident.
const (
	// IncidentAlertSignal carries an AlertSignal: the first alert (intake
	// starts the workflow with it, by SignalWithStart), a repeat of it, or
	// its resolution by the source.
	IncidentAlertSignal = "incident.alert"
	// IncidentActionUpdate carries an ActionRequest and answers an
	// ActionResult: acknowledge, mitigate, resolve, escalate... An action
	// that does not fit the incident's state is rejected and changes
	// nothing.
	IncidentActionUpdate = "incident.action"
	// IncidentStatusQuery returns the IncidentStatus.
	IncidentStatusQuery = "incident.status"
	// IncidentMemoKey holds the IncidentSummary in the workflow's memo, so
	// that the Web UI and the weekly summary read it without a replay.
	IncidentMemoKey = "incident"
	// IncidentSummaryMemoKey holds the one-line summary, for lists.
	IncidentSummaryMemoKey = "summary"
)

// Incident states.
const (
	StateTriggered    = "triggered"
	StateHeld         = "held" // low severity, waiting for the working morning
	StateAcknowledged = "acknowledged"
	StateMitigated    = "mitigated"
	StateResolved     = "resolved"
	StateClosed       = "closed"
)

// Actions on an incident; the Slack buttons' action IDs are these with the
// "incident." prefix (see ButtonActionID).
const (
	ActionAck           = "ack"
	ActionMitigate      = "mitigate"
	ActionResolve       = "resolve"
	ActionEscalate      = "escalate"
	ActionActionableYes = "actionable_yes"
	ActionActionableNo  = "actionable_no"
	ActionRCADone       = "rca_done"
	// ActionNote adds a note to the timeline (Opsgenie's AddNote).
	ActionNote = "note"
)

// ButtonActionID is the Slack action_id of an action's button.
func ButtonActionID(action string) string { return "incident." + action }

// IncidentInput starts an incident. The alert itself arrives as the first
// IncidentAlertSignal.
type IncidentInput struct {
	// Team is the team's configuration when the alert arrived: a running
	// incident keeps the policy it started with.
	Team team.Team `json:"team"`
}

// AlertSignal is an alert delivery from a source.
type AlertSignal struct {
	Alert Alert `json:"alert"`
}

// ActionRequest is a person acting on an incident.
type ActionRequest struct {
	Action string `json:"action"`
	// By identifies who acted: a chat user ID when it came from chat, else
	// a name.
	By string `json:"by"`
	// Via is where it came from: slack, opsgenie, cli.
	Via  string `json:"via"`
	Note string `json:"note,omitempty"`
}

// ActionResult answers an action.
type ActionResult struct {
	State   string `json:"state"`
	Message string `json:"message"`
}

// IncidentSummary is what the memo keeps; the weekly summary reads it.
type IncidentSummary = summary.Incident

// TimelineEntry is one event of an incident.
type TimelineEntry struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// IncidentStatus is what the status query answers.
type IncidentStatus struct {
	WorkflowID string          `json:"workflow_id"`
	State      string          `json:"state"`
	Alert      Alert           `json:"alert"`
	Summary    IncidentSummary `json:"summary"`
	Timeline   []TimelineEntry `json:"timeline"`
}

// Incident walks one incident from alert to close: page, escalate until
// someone acknowledges, mitigate, resolve, RCA. One workflow serialises
// every action on it, so there are no races between buttons.
func Incident(ctx workflow.Context, in IncidentInput) (IncidentSummary, error) {
	inc, err := setupIncident(ctx, in)
	if err != nil {
		return IncidentSummary{}, err
	}
	return inc.run(ctx)
}

// firstAlertWait bounds the wait for the first alert of a workflow started
// without one.
const firstAlertWait = time.Minute

// errNoAlert: the workflow was started without its first alert signal.
var errNoAlert = errors.New("an incident starts with an alert: start it with SignalWithStart and the incident.alert signal")

func setupIncident(ctx workflow.Context, in IncidentInput) (*incident, error) {
	if err := in.Team.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
	}
	loc, err := in.Team.Location()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
	}
	inc := &incident{
		team:    in.Team,
		loc:     loc,
		id:      workflow.GetInfo(ctx).WorkflowExecution.ID,
		alerts:  workflow.GetSignalChannel(ctx, IncidentAlertSignal),
		state:   StateTriggered,
		chatIDs: map[string]string{},
	}
	if err := workflow.SetQueryHandler(ctx, IncidentStatusQuery, inc.status); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, IncidentActionUpdate, inc.act,
		workflow.UpdateHandlerOptions{Validator: inc.validate}); err != nil {
		return nil, err
	}
	// SignalWithStart delivers the first alert with the start, so it is
	// there at once and no timer is needed; a start without it is a
	// mistake, given a minute to put right.
	ok := inc.alerts.Len() > 0
	if !ok {
		var err error
		if ok, err = workflow.AwaitWithTimeout(ctx, firstAlertWait, func() bool { return inc.alerts.Len() > 0 }); err != nil {
			return nil, err
		}
	}
	var first AlertSignal
	if !ok || !inc.alerts.ReceiveAsync(&first) {
		return nil, temporal.NewNonRetryableApplicationError(errNoAlert.Error(), "NoAlert", nil)
	}
	now := workflow.Now(ctx)
	inc.alert = first.Alert
	inc.sum = IncidentSummary{
		Team: in.Team.Name, Severity: first.Alert.Severity, Service: first.Alert.Service,
		AlertName: first.Alert.AlertName, Summary: first.Alert.Summary,
		Triggered: now, Deliveries: 1, Notifications: map[string]int{},
	}
	inc.logger = log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "incident", inc.id)
	inc.note(now, fmt.Sprintf("Triggered by %s: %s", first.Alert.Source, first.Alert.Summary))
	if first.Alert.Status == AlertResolved {
		// An alert that arrives already resolved has nothing to page about.
		inc.sourceResolved = true
	}
	if err := inc.publish(ctx); err != nil {
		return nil, err
	}
	return inc, nil
}

func (inc *incident) status() (IncidentStatus, error) {
	return IncidentStatus{WorkflowID: inc.id, State: inc.state, Alert: inc.alert, Summary: inc.sum, Timeline: inc.timeline}, nil
}

// publish writes the search attributes and the memo, so that the Web UI
// and visibility queries see the incident as it is now.
func (inc *incident) publish(ctx workflow.Context) error {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		TeamKey.ValueSet(inc.team.Name),
		SeverityKey.ValueSet(inc.alert.Severity),
		ServiceKey.ValueSet(inc.alert.Service),
		StateKey.ValueSet(inc.state),
		AlertNameKey.ValueSet(inc.alert.AlertName),
		OnCallKey.ValueSet(strings.Join(ids(inc.onCall), ",")),
	)
	if err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]any{IncidentMemoKey: inc.sum, IncidentSummaryMemoKey: inc.alert.Summary})
}

// validate rejects, before anything is recorded, an action that does not
// fit the incident's state: an ack after resolve changes nothing and is
// answered with who resolved it.
func (inc *incident) validate(req ActionRequest) error {
	done := func(what, by string) error {
		return fmt.Errorf("already %s by %s", what, by)
	}
	switch req.Action {
	case ActionAck:
		switch inc.state {
		case StateAcknowledged, StateMitigated:
			return done("acknowledged", inc.sum.AcknowledgedBy)
		case StateResolved, StateClosed:
			return done("resolved", inc.resolvedBy())
		}
	case ActionMitigate:
		switch inc.state {
		case StateMitigated:
			return fmt.Errorf("already mitigated")
		case StateResolved, StateClosed:
			return done("resolved", inc.resolvedBy())
		}
	case ActionResolve:
		if inc.state == StateResolved || inc.state == StateClosed {
			return done("resolved", inc.resolvedBy())
		}
	case ActionEscalate:
		if inc.state != StateTriggered || !inc.sum.Paged {
			return fmt.Errorf("only an unacknowledged page can be escalated; the incident is %s", inc.state)
		}
	case ActionActionableYes, ActionActionableNo:
		if inc.state != StateResolved && inc.state != StateClosed {
			return fmt.Errorf("answer once the incident is resolved; it is %s", inc.state)
		}
	case ActionRCADone:
		if inc.state != StateResolved {
			return fmt.Errorf("the RCA follows the resolution; the incident is %s", inc.state)
		}
	case ActionNote:
		if req.Note == "" {
			return fmt.Errorf("a note needs text")
		}
	default:
		return fmt.Errorf("unknown action %q", req.Action)
	}
	if req.By == "" {
		return fmt.Errorf("an action needs to say who acted")
	}
	return nil
}

func (inc *incident) resolvedBy() string {
	if inc.sum.ResolvedBy != "" {
		return inc.sum.ResolvedBy
	}
	return "the source"
}

// act applies a validated action. It only changes state and notes the
// timeline; the main loop does the side effects (posts, updates), so that
// they happen in one place and in order.
func (inc *incident) act(ctx workflow.Context, req ActionRequest) (ActionResult, error) {
	now := workflow.Now(ctx)
	who := inc.display(req.By)
	switch req.Action {
	case ActionAck:
		inc.setState(StateAcknowledged)
		inc.sum.Acknowledged, inc.sum.AcknowledgedBy = now, who
		inc.note(now, fmt.Sprintf("Acknowledged by %s via %s", who, req.Via))
	case ActionMitigate:
		if inc.sum.Acknowledged.IsZero() {
			inc.sum.Acknowledged, inc.sum.AcknowledgedBy = now, who
		}
		inc.setState(StateMitigated)
		inc.sum.Mitigated = now
		inc.note(now, fmt.Sprintf("Mitigated by %s: impact contained", who))
	case ActionResolve:
		inc.resolve(now, who, req.Via)
	case ActionEscalate:
		inc.escalateNow = true
		inc.note(now, fmt.Sprintf("Escalated by hand by %s", who))
	case ActionActionableYes, ActionActionableNo:
		yes := req.Action == ActionActionableYes
		inc.sum.Actionable = &yes
		answer := "yes"
		if !yes {
			answer = "no, noise"
		}
		inc.note(now, fmt.Sprintf("Actionable? %s (answered by %s)", answer, who))
	case ActionRCADone:
		inc.rcaDone = true
		inc.note(now, fmt.Sprintf("RCA done, marked by %s", who))
	case ActionNote:
		inc.note(now, fmt.Sprintf("Note from %s via %s: %s", who, req.Via, req.Note))
		return ActionResult{State: inc.state, Message: inc.timeline[len(inc.timeline)-1].Text}, nil
	}
	said := inc.timeline[len(inc.timeline)-1].Text
	if req.Note != "" {
		inc.note(now, fmt.Sprintf("Note from %s: %s", who, req.Note))
	}
	inc.dirty = true
	return ActionResult{State: inc.state, Message: said}, nil
}

func (inc *incident) resolve(now time.Time, who, via string) {
	if inc.sum.Acknowledged.IsZero() && inc.state != StateHeld {
		inc.note(now, "Resolved before anyone acknowledged it")
	}
	inc.setState(StateResolved)
	inc.sum.Resolved, inc.sum.ResolvedBy = now, who
	inc.note(now, fmt.Sprintf("Resolved by %s via %s", who, via))
}

func (inc *incident) setState(s string) {
	inc.state = s
	inc.dirty = true
}

// note adds a timeline entry; the main loop posts it in the thread.
func (inc *incident) note(at time.Time, text string) {
	inc.timeline = append(inc.timeline, TimelineEntry{At: at, Text: text})
}

// display is how a person is named in messages: a chat mention for a chat
// user ID, the name otherwise.
func (inc *incident) display(by string) string {
	if isChatUserID(by) {
		return "<@" + by + ">"
	}
	return by
}

func isChatUserID(s string) bool {
	return len(s) > 1 && (s[0] == 'U' || s[0] == 'W') && !slices.ContainsFunc([]byte(s[1:]), func(c byte) bool {
		return !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
	})
}
