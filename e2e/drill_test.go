package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/explain"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/workflows"
)

// A drill pages through the real path, marked DRILL: the page, then the
// SMS at its step, answered by an SMS reply through Twilio. That ends it
// before its call; the weekly summary lists it as a drill and counts only
// the real incident beside it.
func TestADrillIsAnsweredFromThePhoneAndIsOnlyADrillInTheSummary(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 2s, action: sms}, {after: 60s, action: call}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	ctx := context.Background()
	tm, _ := s.teams.Team("data")
	drill, err := incidentclient.Deliver(ctx, s.client, tm, workflows.DrillAlert("data", time.Now(), workflows.DrillSeverity, "", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := contract.ParseIncidentID(drill); err != nil || !id.Drill() {
		t.Fatalf("the drill's ID %q: %v", drill, err)
	}
	eventually(t, "the page marked DRILL", 20*time.Second, func() bool {
		m, ok := s.page()
		return ok && strings.Contains(m.Text, "[DRILL] [CRITICAL]")
	})
	eventually(t, "the SMS", 20*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	if body := s.twilio.Messages()[0].Body; !strings.Contains(body, "Baton: [DRILL] [CRITICAL]") {
		t.Errorf("the SMS does not say it is a drill: %q", body)
	}
	code, answer := s.replySMS(t, alicePhone, "1")
	if code != http.StatusOK || !strings.Contains(answer, "Acknowledged by alice via phone ("+drill+")") {
		t.Fatalf("reply: %d %s", code, answer)
	}
	// The answer ends the drill: once it is closed, no call can follow.
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed'", drill))
	if n := len(s.twilio.Calls()); n != 0 {
		t.Errorf("%d calls after the drill was answered", n)
	}
	if !s.timelineHas(drill, "Drill over: answered by") {
		t.Errorf("the timeline does not say the drill is over:\n%s", timelineOf(s.status(t, drill)))
	}
	if *record {
		saveHistory(t, s.client, s.client.GetWorkflow(ctx, drill, ""), filepath.Join("..", "workflows", "testdata", "drill.json"))
	}
	// Explained as a drill, answered by SMS, its call not needed.
	if x := explain.Of(s.status(t, drill)); !x.Alert.Drill || !strings.HasPrefix(x.Policy, "a drill: sms after 2s, call after 1m00s (one cycle of the team's default policy)") ||
		len(x.Acts) != 1 || x.Acts[0].Via != summary.AckViaSMS || !strings.Contains(x.Text(), ": a DRILL, ") {
		t.Errorf("the drill explained:\n%s", x.Text())
	}

	// A real incident of the same shift, answered and resolved once its
	// page is recorded: the resolve publishes the record with the page.
	real := s.fireAlertmanager(t, "fp-real")
	eventually(t, "the real page recorded", 20*time.Second, func() bool { return len(s.status(t, real).Summary.Interruptions) > 0 })
	for _, action := range []workflows.Action{workflows.ActionAck, workflows.ActionResolve} {
		if _, err := incidentclient.Act(ctx, s.client, real, workflows.ActionRequest{Action: action, By: "alice", Via: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND BatonState = 'resolved'", real))

	in := shiftUnderWay(t, tm)
	acts := &activities.Activities{Temporal: s.client}
	var r summary.Report
	// Visibility follows the memos a moment later: the summary is read
	// until it holds at least the real incident's interruptions (with the
	// drill's, it would hold more).
	realRecord := s.status(t, real).Summary
	eventually(t, "the summary with the drill and the incident", 20*time.Second, func() bool {
		sum, err := acts.ComputeSummary(ctx, in)
		r = sum.Report
		return err == nil && len(r.Drills) == 1 && r.Drills[0].AcknowledgedBy != "" && r.Incidents.Total == 1 &&
			r.Interruptions.Totals.Total >= len(realRecord.Interruptions)
	})
	d := r.Drills[0]
	if d.WorkflowID != drill || d.AcknowledgedBy != "alice" || d.AcknowledgedVia != summary.AckViaSMS ||
		!slices.Equal(d.Reached, []string{"sms"}) || !slices.Equal(d.NotNeeded, []string{"call"}) {
		t.Errorf("the drill in the summary: %+v", d)
	}
	// Every figure is the real incident's alone.
	if r.Incidents.Paged != 1 || r.Interruptions.Totals.Total != len(realRecord.Interruptions) || r.TimeToAcknowledge.Count != 1 || r.RCAs.NeededThisShift != 1 {
		t.Errorf("the drill counted among the incidents: incidents %+v, interruptions %+v (the incident's %d), acks %+v, RCAs %+v",
			r.Incidents, r.Interruptions.Totals, len(realRecord.Interruptions), r.TimeToAcknowledge, r.RCAs)
	}
	text := r.Text()
	if !strings.Contains(text, "Drills: 1, apart from the incidents") || !strings.Contains(text, "alice acknowledged by SMS reply after ") ||
		!strings.Contains(text, "; the call was not needed") {
		t.Errorf("the summary's text:\n%s", text)
	}
}
