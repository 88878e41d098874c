package workflows

import (
	"cmp"
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// State is where an incident is in its life.
type State string

// Incident states.
const (
	StateTriggered    State = contract.StateTriggered
	StateHeld         State = contract.StateHeld // low severity, waiting for the working morning
	StateAcknowledged State = contract.StateAcknowledged
	StateMitigated    State = contract.StateMitigated
	StateResolved     State = contract.StateResolved
	StateClosed       State = contract.StateClosed
)

// Action is what a person does to an incident.
type Action string

// Actions on an incident; the Slack buttons' action IDs are these with the
// "incident." prefix (see ButtonActionID).
const (
	ActionAck           Action = "ack"
	ActionMitigate      Action = "mitigate"
	ActionResolve       Action = "resolve"
	ActionEscalate      Action = "escalate"
	ActionActionableYes Action = "actionable_yes"
	ActionActionableNo  Action = "actionable_no"
	ActionRCADone       Action = "rca_done"
	// ActionNote adds a note to the timeline (Opsgenie's AddNote).
	ActionNote Action = "note"
)

// ButtonActionID is the Slack action_id of an action's button.
func ButtonActionID(action Action) string { return contract.IncidentButtonID(string(action)) }

// IncidentInput starts an incident. The alert itself arrives as the first
// contract.IncidentAlertSignal.
type IncidentInput struct {
	// Team is the team's configuration when the alert arrived: a running
	// incident keeps the policy it started with.
	Team team.Team `json:"team"`
	// Resume is the state of the run this one continues as new; nil for a
	// new incident.
	Resume *IncidentState `json:"resume,omitempty"`
}

// AlertSignal is an alert delivery from a source.
type AlertSignal struct {
	Alert Alert `json:"alert"`
}

// ActionRequest is a person acting on an incident.
type ActionRequest struct {
	Action Action `json:"action"`
	// By names who acted: a team person's ID, or the name the source gave
	// (Opsgenie, the CLI). From chat, it is the person the gateway found
	// the chat user to be (a gateway from before ChatUser put the chat
	// user's ID here).
	By string `json:"by"`
	// ChatUser is the chat user who acted, when it came from chat.
	ChatUser string `json:"chat_user,omitempty"`
	// Via is where it came from: slack, opsgenie, phone, cli.
	Via  string `json:"via"`
	Note string `json:"note,omitempty"`
	// Round, when set, is the page round the action answers (a key
	// pressed during a call of that round): in another round it changes
	// nothing.
	Round *int `json:"round,omitempty"`
	// Phone, for Via "phone", says which: summary.AckViaSMS for an SMS
	// reply, summary.AckViaCall for a key pressed during a call. A
	// gateway from before it leaves it empty.
	Phone string `json:"phone,omitempty"`
}

// channel is how the request came, as the summary and the trail record
// it: for the phone, an SMS reply or a key press.
func (req ActionRequest) channel() string { return cmp.Or(req.Phone, req.Via) }

// ViaChat is the Via of an action taken in chat.
const ViaChat = "slack"

// FromChat is an action that the chat user took in chat (a button, or
// /baton), who the gateway found to be person.
func FromChat(action Action, user, person string) ActionRequest {
	return ActionRequest{Action: action, By: person, ChatUser: user, Via: ViaChat}
}

// ActionResult answers an action.
type ActionResult struct {
	State   State  `json:"state"`
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
	State      State           `json:"state"`
	Alert      Alert           `json:"alert"`
	Summary    IncidentSummary `json:"summary"`
	Timeline   []TimelineEntry `json:"timeline"`
	// Failing is what is failing now, by vendor; empty when all is well.
	Failing map[string]string `json:"failing,omitempty"`
	// SMSWith maps a person to the incident whose SMS carried this one's
	// page to them in a storm: a reply to that SMS answers both.
	SMSWith map[string]string `json:"sms_with,omitempty"`
	// Why is the incident's decision trail, for explain; nil from runs
	// of the first incident version.
	Why *Why `json:"why,omitempty"`
}

// Incident walks one incident from alert to close: page, escalate until
// someone acknowledges, mitigate, resolve, RCA. One workflow serialises
// every action on it, so there are no races between buttons.
func Incident(ctx workflow.Context, in IncidentInput) (IncidentSummary, error) {
	// Runs started before contract.IncidentV2Change go on as they began
	// (incident_v1.go); a resumed run is always v2, as v1 never continued
	// as new.
	if in.Resume == nil && workflow.GetVersion(ctx, contract.IncidentV2Change, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		inc, err := setupIncidentV1(ctx, in)
		if err != nil {
			return IncidentSummary{}, err
		}
		return inc.run(ctx)
	}
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
