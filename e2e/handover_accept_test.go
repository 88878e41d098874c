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

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentview"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/workflows"
)

const leadPhone = "+4915100000009"

// acceptTeam: alice held the pager last week and hands it to bob in the
// shift under way; lead is the fallback. The rotation starts a week before
// that shift by the test's own clock.
func acceptTeam(acceptWithin string) string {
	return fmt.Sprintf(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [alice, bob], shift: 1w, start: "%s"}
    handover: {${data_handover}, accept_within: %s}
    fallback: lead
    people:
      - {id: alice, email: alice@example.com, phone: "%s"}
      - {id: bob, email: bob@example.com, phone: "%s"}
      - {id: lead, email: lead@example.com, phone: "%s"}
`, dataShift().AddDate(0, 0, -7).Format("2006-01-02T15:04"), acceptWithin, alicePhone, bobPhone, leadPhone)
}

// startHandover starts the shift's handover and returns its run at once:
// it waits for the acceptance in the background.
func (s *incidentStack) startHandover(t *testing.T) client.WorkflowRun {
	t.Helper()
	s.slack.AddUser("UBOB", "bob@example.com")
	s.slack.AddUser("ULEAD", "lead@example.com")
	tm, _ := s.teams.Team("data")
	run, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID:                    contract.HandoverWorkflowID("data", dataShift()),
		TaskQueue:             contract.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet("data")),
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: tm, ShiftStart: dataShift()})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func (s *incidentStack) smsTo(number string) []string {
	var out []string
	for _, m := range s.twilio.Messages() {
		if m.To == number {
			out = append(out, m.Body)
		}
	}
	return out
}

func (s *incidentStack) channelHas(text string) bool {
	return slices.ContainsFunc(s.slack.Messages("C0DATA"), func(m fakeslack.Message) bool { return strings.Contains(m.Text, text) })
}

func groupIs(s *incidentStack, members ...string) func() bool {
	return func() bool { return slices.Equal(s.slack.GroupMembers("S0DATA"), members) }
}

func TestHandoverTestPageAcceptedBySMSReply(t *testing.T) {
	s := newIncidentStack(t, acceptTeam("2m"), func(s *incidentStack) { s.cfg.PublicURL = publicURL })
	run := s.startHandover(t)
	id := run.GetID()

	eventually(t, "the test SMS to bob", 20*time.Second, func() bool { return len(s.smsTo(bobPhone)) == 1 })
	if body := s.smsTo(bobPhone)[0]; !strings.Contains(body, "you are on call for data from now until") ||
		!strings.Contains(body, "Reply 1 to accept ("+incidentview.ShortCode(id)+").") {
		t.Errorf("test SMS: %q", body)
	}
	// Until bob accepts, alice stays reachable through the group.
	eventually(t, "the group with both", 10*time.Second, groupIs(s, "UBOB", "UALICE"))

	if _, answer := s.replySMS(t, alicePhone, "1"); !strings.Contains(answer, "no open page") {
		t.Errorf("alice, who is not asked, answered: %s", answer)
	}
	code, answer := s.replySMS(t, bobPhone, "1")
	if code != http.StatusOK || !strings.Contains(answer, "Accepted: you are on call for data until") || !strings.Contains(answer, id) {
		t.Fatalf("bob's reply: %d %s", code, answer)
	}
	var res workflows.HandoverResult
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Acceptance != workflows.AcceptanceAccepted || res.AcceptedBy != "bob" || res.AcceptedVia != "phone" || res.AcceptedAt.IsZero() {
		t.Errorf("result: %+v", res.HandoverAcceptance)
	}
	if *record {
		saveHistory(t, s.client, run, filepath.Join("..", "workflows", "testdata", "handover-accept.json"))
	}
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UBOB"}) {
		t.Errorf("group after the acceptance: %v, want bob alone", got)
	}
	if !s.channelHas("<@UBOB> accepted the handover of *data*") {
		t.Errorf("the channel was not told: %v", s.slack.Messages("C0DATA"))
	}
	if n := len(s.smsTo(leadPhone)); n != 0 {
		t.Errorf("the fallback was paged %d times though bob accepted", n)
	}
	// The memo says so too, for the Web UI and the weekly summary.
	desc, err := s.client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[contract.HandoverAcceptanceMemoKey]; !ok {
		t.Error("no acceptance in the memo")
	}

	// A rerun of the shift keeps the acceptance: no second test page, and
	// the group stays bob's alone.
	rerun := s.startHandover(t)
	var again workflows.HandoverResult
	if err := rerun.Get(ctx, &again); err != nil {
		t.Fatal(err)
	}
	if again.AcceptedBy != "bob" || len(s.smsTo(bobPhone)) != 1 || !slices.Equal(s.slack.GroupMembers("S0DATA"), []string{"UBOB"}) {
		t.Errorf("rerun: %+v, %d SMS to bob, group %v", again.HandoverAcceptance, len(s.smsTo(bobPhone)), s.slack.GroupMembers("S0DATA"))
	}
}

func TestHandoverNotAcceptedPagesTheFallbackThenALateAcceptNarrowsTheGroup(t *testing.T) {
	s := newIncidentStack(t, acceptTeam("3s"), func(s *incidentStack) { s.cfg.PublicURL = publicURL })
	run := s.startHandover(t)

	eventually(t, "the fallback's page", 30*time.Second, func() bool { return len(s.smsTo(leadPhone)) == 1 })
	if body := s.smsTo(leadPhone)[0]; !strings.Contains(body, "bob has not accepted the data handover") {
		t.Errorf("fallback SMS: %q", body)
	}
	eventually(t, "the channel told", 10*time.Second, func() bool {
		return s.channelHas("<@UBOB> has not accepted the handover of *data*") && s.channelHas("keeps alice beside them")
	})
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UBOB", "UALICE"}) {
		t.Errorf("group past the deadline: %v, want both", got)
	}

	// bob presses Accept in his DM, late.
	if resp := s.pressButton(t, contract.HandoverAcceptAction, run.GetID(), "UBOB"); resp.StatusCode != http.StatusOK {
		t.Fatalf("press: %s", resp.Status)
	}
	var res workflows.HandoverResult
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Acceptance != workflows.AcceptanceLate || res.AcceptedBy != "bob" || res.AcceptedVia != "slack" {
		t.Errorf("result: %+v", res.HandoverAcceptance)
	}
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UBOB"}) {
		t.Errorf("group after the late acceptance: %v, want bob alone", got)
	}
	if !s.channelHas("after the deadline; @S0DATA now reaches them alone") {
		t.Errorf("the channel was not told of the late acceptance: %v", s.slack.Messages("C0DATA"))
	}
}

func TestHandoverTestPageGoesOutWhileSlackIsDown(t *testing.T) {
	s := newIncidentStack(t, acceptTeam("2m"), func(s *incidentStack) { s.cfg.PublicURL = publicURL })
	s.slack.Down(http.StatusServiceUnavailable)
	started := time.Now()
	run := s.startHandover(t)

	// The test page waits on nothing in chat, and can be answered at once.
	eventually(t, "the test SMS while Slack is down", 20*time.Second, func() bool { return len(s.smsTo(bobPhone)) == 1 })
	within(t, "the test SMS", s.twilio.Messages()[0].DateCreated, started, onTime)
	if _, answer := s.replySMS(t, bobPhone, "1"); !strings.Contains(answer, "Accepted") {
		t.Fatalf("bob's reply while Slack is down: %s", answer)
	}
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UALICE"}) {
		t.Fatalf("the group changed while Slack was down: %v", got)
	}

	// Slack comes back: the handover catches up, and ends with bob alone.
	s.slack.Up()
	var res workflows.HandoverResult
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Acceptance != workflows.AcceptanceAccepted || !res.MessagePosted {
		t.Errorf("result: %+v", res)
	}
	if got := s.slack.GroupMembers("S0DATA"); !slices.Equal(got, []string{"UBOB"}) {
		t.Errorf("group: %v, want bob alone", got)
	}
}
