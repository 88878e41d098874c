package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// supportTeamYAML: data asks in C0HELP with the default reaction; alice
// holds the pager, bob is of the team too; the handover tests no phone.
const supportTeamYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA, support_channel: C0HELP}
    pager:
      rotation: {members: [alice], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}, test_page: none}
    people:
      - {id: alice, email: alice@example.com}
      - {id: bob, email: bob@example.com}
`

// newSupportStack is the incident stack with the support channel and bob.
func newSupportStack(t *testing.T) (*incidentStack, *fakeslack.Events) {
	t.Helper()
	s := newIncidentStack(t, supportTeamYAML, func(s *incidentStack) {
		s.slack.AddChannel("C0HELP", "data-help", "")
		s.slack.AddUser("UBOB", "bob@example.com")
	})
	ev := fakeslack.NewEvents(s.gateway+"/slack/events", signingSecret)
	// Slack's retries come at once, after a minute and after five: here
	// after a moment, so that a test that needs them does not wait.
	ev.Pauses = [3]time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}
	return s, ev
}

// requestPost is the request's post in the thread of ts in channel, once
// it is there, and how many there are.
func (s *incidentStack) requestPost(channel, ts string) (fakeslack.Message, int) {
	var post fakeslack.Message
	n := 0
	for _, m := range s.slack.Messages(channel) {
		if m.ThreadTS == ts && strings.Contains(m.Text, "*Support request*") {
			post, n = m, n+1
		}
	}
	return post, n
}

// runsOf counts the runs of a workflow ID, open or closed.
func runsOf(t *testing.T, c client.Client, id string) int64 {
	t.Helper()
	resp, err := c.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = %q", id)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCount()
}

// shortcut uses "Ask on-call" on the message ts of channel, as user.
func (s *incidentStack) shortcut(t *testing.T, user, channel, channelName, ts, author, text string) *http.Response {
	t.Helper()
	body := fakeslack.InteractionForm(fakeslack.MessageAction(fakeslack.Shortcut{
		CallbackID: contract.SupportShortcutCallbackID, User: user, Channel: channel, ChannelName: channelName,
		TS: ts, Author: author, Text: text, ResponseURL: s.slack.ResponseURL(pressHook),
	}))
	h := fakeslack.Sign(signingSecret, body, time.Now())
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.post(t, "/slack/interactions", h, body)
}

// The support reaction on a message of the support channel, and the
// shortcut on a message of the team's channel, each open one request:
// a second reaction on the same message, and Slack delivering the event
// again, open nothing more. Take and Done, pressed by people of the team,
// change the request and its post.
func TestSupportReactionAndShortcutEachOpenOneRequest(t *testing.T) {
	s, ev := newSupportStack(t)
	defer func() {
		if t.Failed() {
			for _, ch := range []string{"C0HELP", "C0DATA"} {
				for _, m := range s.slack.Messages(ch) {
					t.Logf("slack %s: ts=%s thread=%q %q", ch, m.TS, m.ThreadTS, m.Text)
				}
			}
			t.Logf("responses: %q; deliveries: %+v", s.responseTexts(), ev.Deliveries())
		}
	}()
	if ok, d := ev.VerifyURL(); !ok {
		t.Fatalf("url_verification: %+v", d)
	}

	// The reaction, then Slack delivering it again, then a second person's.
	asked := s.slack.AddMessage("C0HELP", "UASKER", "is the orders table late? &lt;urgent&gt;")
	id := contract.SupportMessageID("data", "C0HELP", asked)
	first := ev.EventCallback(fakeslack.ReactionAdded("UBOB", "ticket", "UASKER", "C0HELP", asked))
	// A loaded machine may answer the first try 503 (not handled within
	// Slack's 3 s); Slack then retries it, as the fake does, and the retry
	// is taken: what counts is the last try, and one request in the end.
	if ds := ev.Deliver(first); len(ds) == 0 || !ds[len(ds)-1].OK() {
		t.Fatalf("the reaction's delivery: %+v", ds)
	}
	if d := ev.DeliverAgain(first, 1, fakeslack.RetryHTTPTimeout); !d.OK() {
		t.Fatalf("the reaction delivered again: %+v", d)
	}
	if ds := ev.Deliver(ev.EventCallback(fakeslack.ReactionAdded("UALICE", "ticket", "UASKER", "C0HELP", asked))); !ds[0].OK() {
		t.Fatalf("a second reaction: %+v", ds)
	}
	eventually(t, "the request's post in the message's thread", 10*time.Second, func() bool { _, n := s.requestPost("C0HELP", asked); return n > 0 })
	post, _ := s.requestPost("C0HELP", asked)
	for _, want := range []string{"<!subteam^S0DATA> *Support request* from <@UASKER>", "> is the orders table late? &lt;urgent&gt;", "🔴 *New*"} {
		if !strings.Contains(post.Text, want) {
			t.Errorf("the request's post lacks %q:\n%s", want, post.Text)
		}
	}
	for _, b := range []string{contract.SupportTakeAction, contract.SupportDoneAction} {
		if !strings.Contains(post.Blocks, `"action_id":"`+b+`"`) || !strings.Contains(post.Blocks, id) {
			t.Errorf("the post lacks its %s button for %s: %s", b, id, post.Blocks)
		}
	}
	// An event of another emoji opens nothing either.
	if ds := ev.Deliver(ev.EventCallback(fakeslack.ReactionAdded("UBOB", "eyes", "UASKER", "C0HELP", asked))); !ds[0].OK() {
		t.Fatalf("another emoji: %+v", ds)
	}
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q", id))
	if n := runsOf(t, s.client, id); n != 1 {
		t.Errorf("%d runs of %s, want one", n, id)
	}

	// Take by alice, Done by bob: the post follows.
	if resp := s.pressButton(t, contract.SupportTakeAction, id, "UALICE"); resp.StatusCode != http.StatusOK {
		t.Fatalf("Take: %s", resp.Status)
	}
	eventually(t, "the post taken by alice", 10*time.Second, func() bool {
		p, _ := s.requestPost("C0HELP", asked)
		return strings.Contains(p.Text, "🟡 *Taken* by <@UALICE>") && !strings.Contains(p.Blocks, contract.SupportTakeAction)
	})
	// bob's Take is refused: alice has it.
	s.pressButton(t, contract.SupportTakeAction, id, "UBOB")
	eventually(t, "bob told alice has it", 10*time.Second, func() bool {
		return strings.Contains(strings.Join(s.responseTexts(), "\n"), "Nothing changed: already taken by <@UALICE>")
	})
	s.pressButton(t, contract.SupportDoneAction, id, "UBOB")
	eventually(t, "the post done by bob", 10*time.Second, func() bool {
		p, _ := s.requestPost("C0HELP", asked)
		return strings.Contains(p.Text, "🟢 *Done* by <@UBOB>") && strings.Contains(p.Text, "(taken by <@UALICE>") && !strings.Contains(p.Blocks, "support.")
	})
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND ExecutionStatus = 'Completed' AND BatonState = 'done'", id))
	// Its run has ended: a second post, were one made, would be there.
	if _, n := s.requestPost("C0HELP", asked); n != 1 {
		t.Errorf("%d request posts in the thread, want one", n)
	}
	// Slack delivering the first reaction once more, after Done: nothing.
	if d := ev.DeliverAgain(first, 2, fakeslack.RetryHTTPError); !d.OK() || !strings.Contains(string(d.Body), "asked before") {
		t.Errorf("the reaction again after Done: %+v %s", d, d.Body)
	}
	if n := runsOf(t, s.client, id); n != 1 {
		t.Errorf("%d runs of %s after Done, want one", n, id)
	}

	// The shortcut, on a message of the team's channel, twice.
	other := s.slack.AddMessage("C0DATA", "UASKER", "can someone rerun the revenue DAG?")
	otherID := contract.SupportMessageID("data", "C0DATA", other)
	for range 2 {
		if resp := s.shortcut(t, "UBOB", "C0DATA", "data-team", other, "UASKER", "can someone rerun the revenue DAG?"); resp.StatusCode != http.StatusOK {
			t.Fatalf("shortcut: %s", resp.Status)
		}
	}
	eventually(t, "the shortcut's request in its thread", 10*time.Second, func() bool {
		p, _ := s.requestPost("C0DATA", other)
		return strings.Contains(p.Text, "sent by <@UBOB> with Ask on-call") && strings.Contains(p.Text, "> can someone rerun the revenue DAG?")
	})
	eventually(t, "the shortcut's answers", 10*time.Second, func() bool {
		return strings.Count(strings.Join(s.responseTexts(), "\n"), "Asked data's person on call") == 2
	})
	// Both answers are in, so both starts were asked for: a second run, the
	// only thing that could post again, would be there now.
	if _, n := s.requestPost("C0DATA", other); n != 1 {
		t.Errorf("%d request posts for the shortcut's message, want one", n)
	}
	if n := runsOf(t, s.client, otherID); n != 1 {
		t.Errorf("%d runs of %s, want one", n, otherID)
	}
}

// A request open at the handover is listed in the handover message and
// the incoming person's checklist; once answered, the week's summary
// counts it, who asked, and how soon it was answered.
func TestSupportOpenAtTheHandoverIsHandedOverAndCounted(t *testing.T) {
	s, ev := newSupportStack(t)
	asked := s.slack.AddMessage("C0HELP", "UASKER", "is the orders table late?")
	id := contract.SupportMessageID("data", "C0HELP", asked)
	if ds := ev.Deliver(ev.EventCallback(fakeslack.ReactionAdded("UBOB", "ticket", "UASKER", "C0HELP", asked))); !ds[0].OK() {
		t.Fatalf("the reaction: %+v", ds)
	}
	eventually(t, "the request's post", 10*time.Second, func() bool { _, n := s.requestPost("C0HELP", asked); return n == 1 })
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND BatonState = 'new'", id))
	// Its record carries the text and the link once the request has read
	// the message and posted; visibility's copy may lag that, which the
	// handover does not wait for.
	eventually(t, "the request's record with its text and link", 15*time.Second, func() bool {
		d, err := s.client.DescribeWorkflowExecution(context.Background(), id, "")
		if err != nil {
			return false
		}
		r := activities.SupportRecord(id, time.Time{}, d.GetWorkflowExecutionInfo().GetMemo().GetFields()[contract.SupportMemoKey])
		return r.Text != "" && r.Link != ""
	})

	tm, _ := s.teams.Team("data")
	ctx, cancel := context.WithTimeout(context.Background(), min(60*time.Second*patience, 60*time.Second+patienceMost))
	defer cancel()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: contract.HandoverWorkflowID("data", dataShift()), TaskQueue: contract.TaskQueue,
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: tm, ShiftStart: dataShift()})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.HandoverResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.OpenRequests != 1 {
		t.Errorf("the handover found %d open requests, want 1: %+v", res.OpenRequests, res)
	}
	var handover, checklist string
	for _, m := range s.slack.Messages("C0DATA") {
		if strings.Contains(m.Text, "On-call handover for data") {
			handover = m.Text
		}
	}
	for _, m := range s.slack.Messages("DUALICE") {
		if strings.Contains(m.Text, "You are on call for *data*") {
			checklist = m.Text
		}
	}
	for what, text := range map[string]string{"handover message": handover, "checklist": checklist} {
		if !strings.Contains(text, "Open support requests (1), now yours:\n• 🔴 <https://fake.slack.com/archives/C0HELP/") ||
			!strings.Contains(text, "|is the orders table late?> from <@UASKER>") {
			t.Errorf("the %s does not hand the request over:\n%s", what, text)
		}
	}

	// Answered: the summary of the shift counts it.
	s.pressButton(t, contract.SupportTakeAction, id, "UALICE")
	s.pressButton(t, contract.SupportDoneAction, id, "UALICE")
	waitForVisibility(t, s.client, fmt.Sprintf("WorkflowId = %q AND BatonState = 'done' AND ExecutionStatus = 'Completed'", id))
	in := shiftUnderWay(t, tm)
	acts := &activities.Activities{Temporal: s.client}
	var sum activities.SummaryResult
	eventually(t, "the summary counting the answered request", 20*time.Second, func() bool {
		sum, err = acts.ComputeSummary(ctx, in)
		return err == nil && sum.Report.Support.Done == 1
	})
	st := sum.Report.Support
	if st.Requests != 1 || st.TimeToFirstResponse.Count != 1 || st.TimeToDone.Count != 1 || len(st.TopAskers) != 1 || st.TopAskers[0].User != "UASKER" {
		t.Errorf("support in the summary: %+v", st)
	}
	if text := sum.Report.Text(); !strings.Contains(text, "Support requests: 1, 1 done, 0 open; first response median") || !strings.Contains(text, "asked most: UASKER 1") {
		t.Errorf("the summary's text:\n%s", text)
	}
	if support.StateDone != "done" {
		t.Fatal("unreachable")
	}
}

// shiftUnderWay is the summary request of the team's shift under way,
// which ends at its next handover.
func shiftUnderWay(t *testing.T, tm team.Team) activities.SummaryInput {
	t.Helper()
	loc, err := tm.Location()
	if err != nil {
		t.Fatal(err)
	}
	end, err := tm.Handover.Next(loc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	in, err := workflows.SummaryRequest(tm, end)
	if err != nil {
		t.Fatal(err)
	}
	return in
}
