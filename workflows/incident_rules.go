package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
)

// The incident's rules, state by state: what a person may do, whether the
// page offers it as buttons, which timed steps wait, and whether the
// incident may close. Both versions of the workflow read the actions and
// the buttons; the steps and the closing are the current version's
// (incident_run.go). Notes are taken in every state.
type stateRule struct {
	actions []Action
	// onPage: the page shows the actions that have a button (a held
	// incident has no page yet).
	onPage bool
	// steps arms the state's timed steps; nil: none wait.
	steps func(*incident, armStep)
	// mayClose says whether the incident may close now; nil: never in
	// this state.
	mayClose func(*incident, time.Time) bool
}

var stateRules = map[State]stateRule{
	StateHeld: {actions: []Action{ActionAck, ActionMitigate, ActionResolve},
		steps: (*incident).heldSteps},
	StateTriggered: {actions: []Action{ActionAck, ActionMitigate, ActionResolve, ActionEscalate}, onPage: true,
		steps: (*incident).triggeredSteps},
	StateAcknowledged: {actions: []Action{ActionMitigate, ActionResolve}, onPage: true,
		steps: (*incident).acknowledgedSteps},
	StateMitigated: {actions: []Action{ActionResolve}, onPage: true},
	StateResolved: {actions: []Action{ActionActionableYes, ActionActionableNo, ActionRCADone},
		steps: (*incident).resolvedSteps, mayClose: (*incident).resolvedMayClose},
	StateClosed: {actions: []Action{ActionActionableYes, ActionActionableNo}},
}

// known reports whether any state takes the action.
func known(action Action) bool {
	for _, r := range stateRules {
		if slices.Contains(r.actions, action) {
			return true
		}
	}
	return action == ActionNote
}

// pageButton is how the page shows an action; actions without one are
// answered elsewhere (the DM asking whether the page was actionable).
type pageButton struct {
	text string
	// danger: styled so, wherever it stands; otherwise the state's first
	// button is the primary one.
	danger bool
}

var pageButtonOf = map[Action]pageButton{
	ActionAck:      {text: "Acknowledge"},
	ActionMitigate: {text: "Mitigated"},
	ActionResolve:  {text: "Resolve"},
	ActionEscalate: {text: "Escalate", danger: true},
}

// allows reports whether the action fits the state; escalating needs a
// page to escalate.
func allows(state State, action Action, paged bool) bool {
	if action == ActionEscalate && !paged {
		return false
	}
	return action == ActionNote || slices.Contains(stateRules[state].actions, action)
}

// checkAction is the rule of which action fits which state, with the
// answer to one that does not; ackedBy and resolvedBy name who did.
func checkAction(req ActionRequest, state State, paged bool, ackedBy, resolvedBy string) error {
	if !known(req.Action) {
		return fmt.Errorf("unknown action %q", req.Action)
	}
	if !allows(state, req.Action, paged) {
		return refusal(req.Action, state, ackedBy, resolvedBy)
	}
	if req.Action == ActionNote && req.Note == "" {
		return fmt.Errorf("a note needs text")
	}
	if req.By == "" {
		return fmt.Errorf("an action needs to say who acted")
	}
	return nil
}

// refusal says why an action does not fit the state: for what is done
// already, who did it.
func refusal(action Action, state State, ackedBy, resolvedBy string) error {
	resolved := state == StateResolved || state == StateClosed
	switch {
	case resolved && (action == ActionAck || action == ActionMitigate || action == ActionResolve):
		return fmt.Errorf("already resolved by %s", resolvedBy)
	case action == ActionAck:
		return fmt.Errorf("already acknowledged by %s", ackedBy)
	case action == ActionMitigate:
		return fmt.Errorf("already mitigated")
	case action == ActionEscalate:
		return fmt.Errorf("only an unacknowledged page can be escalated; the incident is %s", state)
	case action == ActionRCADone:
		return fmt.Errorf("the RCA follows the resolution; the incident is %s", state)
	default:
		return fmt.Errorf("answer once the incident is resolved; it is %s", state)
	}
}

// pageButtons are the buttons of an incident's page in its state.
func pageButtons(id string, state State, paged bool) []chat.Button {
	rule := stateRules[state]
	if !rule.onPage {
		return nil
	}
	var bs []chat.Button
	for _, action := range rule.actions {
		b, ok := pageButtonOf[action]
		if !ok || !allows(state, action, paged) {
			continue
		}
		style := ""
		switch {
		case b.danger:
			style = "danger"
		case len(bs) == 0:
			style = "primary"
		}
		bs = append(bs, actionButton(id, action, b.text, style))
	}
	return bs
}

// actionButton is a button that acts on the incident id: its value carries
// the incident, so a press needs no lookup; the console shows the command
// instead.
func actionButton(id string, action Action, text, style string) chat.Button {
	return chat.Button{
		ActionID: ButtonActionID(action), Text: text, Value: id, Style: style,
		Command: fmt.Sprintf("starter incident %s %s", action, id),
	}
}
