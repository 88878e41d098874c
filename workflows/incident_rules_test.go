package workflows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/team"
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

// Each state waits for its own timed steps, and only a resolved incident
// whose follow-ups are done may close: the table's rows, read through the
// loop's steps and readyToClose.
func TestStateRulesTimedStepsAndClosing(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	inc := &incident{team: incidentTeam(), loc: time.UTC}
	inc.Summary.Paged = true
	inc.Summary.Acknowledged, inc.Summary.Resolved = t0, t0
	inc.HoldUntil = t0.Add(18 * time.Hour)
	inc.Escalation = Escalation{Base: t0, Plan: []team.EscalationAt{{Offset: 10 * time.Minute, Action: "sms"}}, Manual: 1}
	inc.FollowUps.NextRCAReminder = t0.Add(20 * time.Hour)
	want := map[State][]string{
		StateHeld:         {"Hold until the working morning"},
		StateTriggered:    {"Escalate by hand", "Escalation step 1: sms"},
		StateAcknowledged: {"Remind the responder to mitigate"},
		StateMitigated:    nil,
		StateResolved:     {"RCA reminder"},
		StateClosed:       nil,
	}
	for state, summaries := range want {
		inc.State = state
		var got []string
		for _, s := range inc.steps() {
			got = append(got, s.summary)
		}
		if !slices.Equal(got, summaries) {
			t.Errorf("%s waits for %q, want %q", state, got, summaries)
		}
		if state != StateResolved && inc.readyToClose(t0.Add(30*24*time.Hour)) {
			t.Errorf("%s may close", state)
		}
	}

	inc.State = StateResolved
	if inc.readyToClose(t0.Add(30 * 24 * time.Hour)) {
		t.Error("closes before its RCA is done")
	}
	inc.FollowUps.RCADone = true
	if !inc.readyToClose(t0) {
		t.Error("does not close once its RCA is done")
	}
	if len(inc.steps()) != 0 {
		t.Errorf("waits for %d steps once its RCA is done", len(inc.steps()))
	}
}
