package team

import (
	"slices"
	"testing"
	"time"
)

func TestDefaultPolicy(t *testing.T) {
	var tm Team
	if !tm.Pages("critical") || !tm.Pages("high") || tm.Pages("medium") || tm.Pages("low") {
		t.Error("by default critical and high page, medium and low do not")
	}
	if tm.AckReminderAfter() != time.Hour {
		t.Errorf("ack reminder %s", tm.AckReminderAfter())
	}
	plan, err := tm.EscalationFor("high").Plan()
	if err != nil {
		t.Fatal(err)
	}
	want := []EscalationAt{
		{10 * time.Minute, ActionSMS, 0}, {15 * time.Minute, ActionCall, 0},
		{20 * time.Minute, ActionSMSSecondary, 0}, {20 * time.Minute, ActionCallSecondary, 0},
		{30 * time.Minute, ActionSMS, 1}, {35 * time.Minute, ActionCall, 1},
		{40 * time.Minute, ActionSMSSecondary, 1}, {40 * time.Minute, ActionCallSecondary, 1},
		{50 * time.Minute, ActionSMS, 2}, {55 * time.Minute, ActionCall, 2},
		{60 * time.Minute, ActionSMSSecondary, 2}, {60 * time.Minute, ActionCallSecondary, 2},
	}
	if len(plan) != len(want) {
		t.Fatalf("plan %v", plan)
	}
	for i := range want {
		if plan[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i, plan[i], want[i])
		}
	}
}

func TestPlanOrdersStepsGivenOutOfOrder(t *testing.T) {
	plan, err := Escalation{Steps: []EscalationStep{{After: "9m", Action: ActionCall}, {After: "3m", Action: ActionSMS}}}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if plan[0].Action != ActionSMS || plan[0].Offset != 3*time.Minute || plan[1].Offset != 9*time.Minute {
		t.Errorf("plan %v", plan)
	}
	if _, err := (Escalation{Steps: []EscalationStep{{After: "0s", Action: ActionSMS}}}).Plan(); err == nil {
		t.Error("a zero delay must be refused")
	}
}

func TestSecondary(t *testing.T) {
	alice, bob, lead := Person{ID: "alice"}, Person{ID: "bob"}, Person{ID: "lead"}
	rotation := Team{People: []Person{alice, bob, lead}}
	withFallback := rotation
	withFallback.Fallback = "lead"
	named := withFallback
	named.Incidents.Secondary = "bob"
	for _, tc := range []struct {
		name          string
		t             Team
		onCall, next  []Person
		wantSecondary string
	}{
		{"the pager's next person", rotation, []Person{alice}, []Person{bob}, "bob"},
		{"nobody when the next is the same", rotation, []Person{alice}, []Person{alice}, ""},
		{"the fallback when the pager names no second", withFallback, []Person{alice}, []Person{alice}, "lead"},
		{"not the fallback when it is on call", withFallback, []Person{lead}, []Person{lead}, ""},
		{"the team's own secondary before the pager's", named, []Person{alice}, []Person{lead}, "bob"},
	} {
		got := IDs(tc.t.Secondary(tc.onCall, PagerSecond(tc.onCall, tc.next)))
		if want := []string{tc.wantSecondary}; tc.wantSecondary == "" && len(got) != 0 || tc.wantSecondary != "" && !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %q", tc.name, got, tc.wantSecondary)
		}
	}
}

func TestStepKind(t *testing.T) {
	for action, want := range map[string]struct {
		kind      string
		secondary bool
	}{
		ActionSMS: {"sms", false}, ActionCall: {"call", false},
		ActionSMSSecondary: {"sms", true}, ActionCallSecondary: {"call", true},
	} {
		if kind, secondary := StepKind(action); kind != want.kind || secondary != want.secondary {
			t.Errorf("%s: %s %v, want %s %v", action, kind, secondary, want.kind, want.secondary)
		}
	}
}
