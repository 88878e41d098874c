package workflows

import (
	"fmt"
	"strings"
	"testing"
)

// Every state against every action, as the rules were written before the
// table: the table must answer the same.
func TestStateRulesAnswerEveryAction(t *testing.T) {
	const ok = ""
	resolvedBy, ackedBy := "already resolved by rita", "already acknowledged by al"
	escalate := func(s State) string {
		return "only an unacknowledged page can be escalated; the incident is " + string(s)
	}
	answer := func(s State) string { return "answer once the incident is resolved; it is " + string(s) }
	rca := func(s State) string { return "the RCA follows the resolution; the incident is " + string(s) }
	want := map[State]map[Action]string{
		StateHeld: {ActionAck: ok, ActionMitigate: ok, ActionResolve: ok, ActionEscalate: escalate(StateHeld),
			ActionActionableYes: answer(StateHeld), ActionRCADone: rca(StateHeld)},
		StateTriggered: {ActionAck: ok, ActionMitigate: ok, ActionResolve: ok, ActionEscalate: ok,
			ActionActionableYes: answer(StateTriggered), ActionRCADone: rca(StateTriggered)},
		StateAcknowledged: {ActionAck: ackedBy, ActionMitigate: ok, ActionResolve: ok, ActionEscalate: escalate(StateAcknowledged),
			ActionActionableNo: answer(StateAcknowledged), ActionRCADone: rca(StateAcknowledged)},
		StateMitigated: {ActionAck: ackedBy, ActionMitigate: "already mitigated", ActionResolve: ok, ActionEscalate: escalate(StateMitigated),
			ActionActionableYes: answer(StateMitigated), ActionRCADone: rca(StateMitigated)},
		StateResolved: {ActionAck: resolvedBy, ActionMitigate: resolvedBy, ActionResolve: resolvedBy, ActionEscalate: escalate(StateResolved),
			ActionActionableYes: ok, ActionActionableNo: ok, ActionRCADone: ok},
		StateClosed: {ActionAck: resolvedBy, ActionMitigate: resolvedBy, ActionResolve: resolvedBy, ActionEscalate: escalate(StateClosed),
			ActionActionableYes: ok, ActionRCADone: rca(StateClosed)},
	}
	for state, actions := range want {
		actions[ActionNote] = ok
		actions["reboot"] = `unknown action "reboot"`
		for action, w := range actions {
			err := checkAction(ActionRequest{Action: action, By: "someone", Note: "text"}, state, true, "al", "rita")
			if got := fmt.Sprint(err); (w == ok && err != nil) || (w != ok && got != w) {
				t.Errorf("%s in %s: %v, want %q", action, state, err, w)
			}
		}
	}
	if err := checkAction(ActionRequest{Action: ActionEscalate, By: "someone"}, StateTriggered, false, "", ""); err == nil {
		t.Error("escalated an incident that paged nobody")
	}
	if err := checkAction(ActionRequest{Action: ActionNote, By: "someone"}, StateTriggered, true, "", ""); err == nil {
		t.Error("took a note without text")
	}
	if err := checkAction(ActionRequest{Action: ActionAck}, StateTriggered, true, "", ""); err == nil {
		t.Error("took an action that says nobody acted")
	}
}

func TestPageButtonsFitTheState(t *testing.T) {
	for _, tc := range []struct {
		state State
		paged bool
		want  string
	}{
		{StateTriggered, true, "incident.ack:primary incident.mitigate: incident.resolve: incident.escalate:danger"},
		{StateTriggered, false, "incident.ack:primary incident.mitigate: incident.resolve:"},
		{StateAcknowledged, true, "incident.mitigate:primary incident.resolve:"},
		{StateMitigated, true, "incident.resolve:primary"},
		{StateHeld, true, ""},
		{StateResolved, true, ""},
		{StateClosed, true, ""},
	} {
		var got []string
		for _, b := range pageButtons("incident:data:fp1", tc.state, tc.paged) {
			got = append(got, b.ActionID+":"+b.Style)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s (paged %v): %q, want %q", tc.state, tc.paged, strings.Join(got, " "), tc.want)
		}
	}
}
