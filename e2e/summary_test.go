package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/fakejira"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/workflows"
)

// summaryTeamYAML: alice alone on call, an SMS 3 seconds into an
// unanswered page, and a Jira project for RCAs and the retrospective. Its
// handover tests no phone: the test page has tests of its own
// (handover_accept_test.go), and this one waits for the handover's end.
const summaryTeamYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [alice], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}, test_page: none}
    people:
      - {id: alice, email: alice@example.com, phone: "+4915100000001"}
    incidents:
      jira_project: DATA
      escalation:
        default: {steps: [{after: 3s, action: sms}]}
`

// A handful of incidents run to their end, then the weekly summary: its
// post counts them as they happened, its chart is a real PNG, the
// outgoing person's notes go into the retrospective ticket, and the next
// handover links the summary.
func TestWeeklySummaryEndToEnd(t *testing.T) {
	jira := fakejira.New(t)
	jira.AddProject("DATA")
	s := newIncidentStack(t, summaryTeamYAML, func(s *incidentStack) {
		s.cfg.JiraURL, s.cfg.JiraUser, s.cfg.JiraAPIToken = jira.URL(), fakejira.User, fakejira.APIToken
	})
	ctx := context.Background()
	act := func(id string, actions ...workflows.Action) {
		t.Helper()
		for _, a := range actions {
			if _, err := incidentclient.Act(ctx, s.client, id, workflows.ActionRequest{Action: a, By: "alice", Via: "cli"}); err != nil {
				t.Fatalf("%s %s: %v", a, id, err)
			}
		}
	}
	// Noise, answered at once; real, answered after the SMS; and one
	// whose RCA stays open.
	noise := s.fireAlertmanager(t, "fp-noise")
	real := s.fireAlertmanager(t, "fp-real")
	open := s.fireAlertmanager(t, "fp-open")
	act(noise, workflows.ActionAck, workflows.ActionResolve, workflows.ActionActionableNo, workflows.ActionRCADone)
	act(open, workflows.ActionAck, workflows.ActionResolve)
	// real is answered once its SMS is on its timeline: sent and counted.
	// When a loaded machine took the acks of the other two after their own
	// SMS step, alice's phone line holds real's SMS until a minute after
	// theirs (one SMS a minute per person), as it should: the wait allows
	// for that minute (seen in CI: held 1m0s, and 20 s scaled was 60 s).
	eventually(t, "the SMS of the unanswered page", 20*time.Second+time.Minute, func() bool { return s.timelineHas(real, "SMS sent to alice") })
	act(real, workflows.ActionAck, workflows.ActionResolve, workflows.ActionActionableYes, workflows.ActionRCADone)
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed'", real))
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed'", noise))
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND BatonState = 'resolved'", open))
	// The summary counts the SMS the incidents recorded, from their memos
	// in visibility, which follows the workflows a moment later: wait until
	// it shows what the workflows hold. (An SMS whose step was called off
	// by an acknowledgement while Twilio was taking it reaches the phone
	// uncounted: see the README's "What is not done yet".)
	var smsSent int
	for _, id := range []string{noise, real, open} {
		smsSent += len(slices.DeleteFunc(s.status(t, id).Summary.Interruptions, func(i summary.Interruption) bool { return i.Kind != summary.KindSMS }))
	}
	if smsSent == 0 {
		t.Fatalf("no incident recorded an SMS; the fake took %d", len(s.twilio.Messages()))
	}
	eventually(t, "the incidents' SMS in visibility", 20*time.Second, func() bool { return visibleSMS(t, s.client) == smsSent })

	// The summary of the shift under way: it ends at the next handover.
	tm, _ := s.teams.Team("data")
	loc, _ := tm.Location()
	end, err := tm.Handover.Next(loc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: contract.SummaryWorkflowID("data", end), TaskQueue: contract.TaskQueue,
	}, contract.SummaryWorkflowName, workflows.SummaryInput{Team: tm, ShiftEnd: end, NotesWait: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	var post string
	var postTS string
	eventually(t, "the summary post", 20*time.Second, func() bool {
		for _, m := range s.slack.Messages("C0DATA") {
			if m.ThreadTS == "" && strings.Contains(m.Text, "On-call summary: data") {
				post, postTS = m.Text, m.TS
				return true
			}
		}
		return false
	})
	for _, want := range []string{
		"*Incidents:* 3, 3 paged (critical 3)",
		fmt.Sprintf("*Interruptions:* %d (pages 3, SMS %d, calls 0)", 3+smsSent, smsSent),
		"Actionable: 1 of 2 answered (50%), 1 noise",
		"*RCAs:* 1 open, 0 overdue; 3 needed for this shift's incidents",
		"Time to acknowledge: median",
	} {
		if !strings.Contains(post, want) {
			t.Errorf("summary post lacks %q:\n%s", want, post)
		}
	}
	// The chart is a reply in the summary's thread: it yields to posts in
	// the channel, where the incidents' timelines may still be going out.
	eventually(t, "the chart", 60*time.Second, func() bool { return len(s.slack.Files()) == 1 })
	f := s.slack.Files()[0]
	if f.Channel != "C0DATA" || f.ThreadTS != postTS || !bytes.HasPrefix(f.Data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("chart %s in %s/%s, header % x", f.Name, f.Channel, f.ThreadTS, f.Data[:min(8, len(f.Data))])
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(f.Data)); err != nil || cfg.Width != 1000 || cfg.Height != 420 {
		t.Errorf("chart: %+v %v", cfg, err)
	}

	// Alice is asked for notes and answers in the DM's thread.
	var ask string
	eventually(t, "the request for notes", 10*time.Second, func() bool {
		for _, m := range s.slack.Messages("DUALICE") {
			if strings.Contains(m.Text, "Reply in this thread") {
				ask = m.TS
				return true
			}
		}
		return false
	})
	s.slack.AddReply("DUALICE", ask, "UALICE", "fp-noise paged me for nothing: raise its threshold")

	var res workflows.SummaryResult
	// The notes' wait is 6 s; what follows (the replies read, the ticket
	// filed) took over 30 s once on a loaded CI machine.
	waitCtx, cancel := context.WithTimeout(ctx, min(30*time.Second*patience, 30*time.Second+patienceMost))
	defer cancel()
	if err := run.Get(waitCtx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Notes != 1 || res.Report.Incidents.Total != 3 || res.Retrospective.Key == "" {
		t.Fatalf("result: notes %d, incidents %d, ticket %+v", res.Notes, res.Report.Incidents.Total, res.Retrospective)
	}
	// The open RCA's ticket reached the memo, and so the summary.
	if l := res.Report.RCAs.List; len(l) != 1 || l[0].WorkflowID != open || !strings.HasPrefix(l[0].Ticket, "DATA-") {
		t.Errorf("open RCAs: %+v", l)
	}
	var retro, rcas int
	for _, issue := range jira.Issues() {
		switch {
		case strings.HasPrefix(issue.Summary, "On-call retrospective of data"):
			retro++
			text := issue.DescriptionText()
			if !strings.Contains(text, "alice: fp-noise paged me for nothing: raise its threshold") || !strings.Contains(text, "Incidents: 3, 3 paged") {
				t.Errorf("retrospective:\n%s", text)
			}
		case strings.HasPrefix(issue.Summary, "RCA: [CRITICAL]"):
			rcas++
		}
	}
	if retro != 1 || rcas != 3 {
		t.Errorf("%d retrospectives and %d RCA tickets, want 1 and 3", retro, rcas)
	}
	if !s.threadHasIn(postTS, "Retrospective filed: "+res.Retrospective.URL) {
		t.Error("the summary's thread does not say where the retrospective is")
	}

	// The handover at the end of the shift links the summary.
	hrun, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: contract.HandoverWorkflowID("data", end), TaskQueue: contract.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: tm, ShiftStart: end})
	if err != nil {
		t.Fatal(err)
	}
	if err := hrun.Get(waitCtx, nil); err != nil {
		t.Fatal(err)
	}
	var linked bool
	for _, m := range s.slack.Messages("C0DATA") {
		linked = linked || strings.Contains(m.Text, "On-call handover") && strings.Contains(m.Text, "The last shift in numbers: "+res.Link)
	}
	if !linked || res.Link == "" {
		t.Errorf("the handover message does not link the summary %q", res.Link)
	}
	if *record {
		saveHistory(t, s.client, run, filepath.Join("..", "workflows", "testdata", "summary.json"))
		saveHistory(t, s.client, s.client.GetWorkflow(ctx, real, ""), filepath.Join("..", "workflows", "testdata", "incident-rca-ticket.json"))
	}
}

func (s *incidentStack) threadHasIn(threadTS, text string) bool {
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == threadTS && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// visibleSMS counts the SMS interruptions in the memos of the incidents
// visibility lists, as the summary reads them.
func visibleSMS(t *testing.T, c client.Client) int {
	t.Helper()
	resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = %q", contract.IncidentWorkflowName),
	})
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range resp.GetExecutions() {
		var inc summary.Incident
		if converter.GetDefaultDataConverter().FromPayload(e.GetMemo().GetFields()[contract.IncidentMemoKey], &inc) != nil {
			return -1
		}
		for _, i := range inc.Interruptions {
			if i.Kind == summary.KindSMS {
				n++
			}
		}
	}
	return n
}
