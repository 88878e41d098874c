package team

import (
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
