package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/workflows"
)

// An override starting in a few seconds points the group at the person
// covering then, and back at its end; a page meanwhile rings them.
func TestAnOverrideMovesTheGroupAndThePage(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1s, action: sms}]}`))
	s.slack.AddUser("UBOB", "bob@example.com")
	tm, _ := s.teams.Team("data")
	ctx := context.Background()

	start := time.Now().Add(4 * time.Second).Truncate(time.Second)
	end := start.Add(6 * time.Second)
	o, err := rosterclient.Add(ctx, s.client, tm, workflows.AddOverride{Person: "bob", From: start, To: end, Note: "alice at the dentist"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rosterclient.Add(ctx, s.client, tm, workflows.AddOverride{Person: "carol", From: start, To: end}); err == nil {
		t.Error("an override for someone not in the team was taken")
	}
	if _, err := rosterclient.Add(ctx, s.client, tm, workflows.AddOverride{Person: "alice", From: start.Add(time.Second), To: end.Add(time.Hour)}); err == nil {
		t.Error("an overlapping override was taken")
	}

	eventually(t, "the group at bob", 15*time.Second, func() bool { return slices.Equal(s.slack.GroupMembers("S0DATA"), []string{"UBOB"}) })
	within(t, "the group's change", time.Now(), start, onTime)
	eventually(t, "the channel told", 10*time.Second, func() bool {
		return s.channelHas("<@UBOB> covers *data* until") && s.channelHas("(alice at the dentist)")
	})
	// A page during the override rings bob.
	id := s.fireAlertmanager(t, "fp-override")
	eventually(t, "the SMS to bob", 15*time.Second, func() bool { return len(s.smsTo(bobPhone)) == 1 })
	if n := len(s.smsTo(alicePhone)); n != 0 {
		t.Errorf("alice, covered, got %d SMS", n)
	}
	if st := s.status(t, id); len(st.Summary.OnCall) != 1 || st.Summary.OnCall[0] != "bob" {
		t.Errorf("paged %v", st.Summary.OnCall)
	}

	eventually(t, "the group back at alice", 15*time.Second, func() bool { return slices.Equal(s.slack.GroupMembers("S0DATA"), []string{"UALICE"}) })
	within(t, "the group's change back", time.Now(), end, onTime)
	eventually(t, "the channel told of the end", 10*time.Second, func() bool { return s.channelHas("<@UALICE> is on call for *data* again") })
	list, err := rosterclient.List(ctx, s.client, "data")
	if err != nil || len(list) != 1 || list[0].ID != o.ID {
		t.Errorf("list: %v %v", list, err)
	}
	if _, err := rosterclient.Remove(ctx, s.client, "data", o.ID, "test"); err != nil {
		t.Error(err)
	}
	if list, _ := rosterclient.List(ctx, s.client, "data"); len(list) != 0 {
		t.Errorf("after remove: %v", list)
	}
}
