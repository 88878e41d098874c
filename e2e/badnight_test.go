package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/workflows"
)

// The bad night, end to end: a real Temporal server, Baton's worker, and
// fakes that behave like Slack, Twilio and Opsgenie, broken on purpose
// while an escalation timer is due.

const bobPhone = "+4915100000002"

// onTime is how late after its deadline a step may go and still count as
// on time in these tests. It stands for "waited on nothing else": a step
// that waited on a broken Slack would wait for ever or for its retries
// (30 s and more); a loaded 2-core machine under the race detector was
// seen to make a step 3 s late. How late steps are on a quiet machine is
// measured by BenchmarkPaging, not here.
const onTime = 10 * time.Second

// badNightTeam: alice holds the pager, bob is the secondary; the policy
// is given in seconds.
func badNightTeam(policy string) string {
	return fmt.Sprintf(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [alice], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}}
    people:
      - {id: alice, email: alice@example.com, phone: "%s"}
      - {id: bob, email: bob@example.com, phone: "%s"}
    incidents:
      secondary: bob
      escalation:
        default: %s
`, alicePhone, bobPhone, policy)
}

// timelineCount is how many of the incident's timeline lines hold any of
// the texts; 0 while the incident is too busy to answer. A ring's line is
// written once its activity is over, so a count of rings reached there is
// a definite point after which a further ring would be a wrong one.
func (s *incidentStack) timelineCount(id string, texts ...string) int {
	st, err := incidentclient.Status(context.Background(), s.client, id)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range st.Timeline {
		if slices.ContainsFunc(texts, func(text string) bool { return strings.Contains(e.Text, text) }) {
			n++
		}
	}
	return n
}

// scheduledBy waits until the instant at has passed, then adds a note to
// the incident and waits for it to be taken: the workflow takes the note
// after every timer that fell due before it, so the history then holds
// every activity that instant could have started. It returns how many
// activities of the type the history scheduled: a definite answer to
// "did the step ring", where counting the fake's calls after a sleep would
// pass on a machine too slow to have rung yet.
func (s *incidentStack) scheduledBy(t *testing.T, id string, at time.Time, activityType string) int {
	t.Helper()
	time.Sleep(time.Until(at))
	ctx := context.Background()
	if _, err := incidentclient.Act(ctx, s.client, id, workflows.ActionRequest{Action: workflows.ActionNote, By: "alice", Via: "cli", Note: "checkpoint"}); err != nil {
		t.Fatalf("note on %s: %v", id, err)
	}
	return s.events(t, id, func(e *historypb.HistoryEvent) bool {
		return e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == activityType
	})
}

// events counts the events of the incident's history, as it stands, that
// match.
func (s *incidentStack) events(t *testing.T, id string, match func(*historypb.HistoryEvent) bool) int {
	t.Helper()
	n := 0
	it := s.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if match(e) {
			n++
		}
	}
	return n
}

// timelineHas reports whether the incident's timeline has a line holding
// any of the texts.
func (s *incidentStack) timelineHas(id string, texts ...string) bool {
	return s.timelineCount(id, texts...) > 0
}

// status is the incident's status. A query waits for the workflow's task
// in progress: on a loaded machine a busy incident may not answer within
// the client's time, which is what Status says with ErrUnreachable; the
// test asks again, for a while.
func (s *incidentStack) status(t *testing.T, id string) workflows.IncidentStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := incidentclient.Status(context.Background(), s.client, id)
		switch {
		case err == nil:
			return st
		case !errors.Is(err, incidentclient.ErrUnreachable) || time.Now().After(deadline):
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// within checks that got came no earlier than planned, and less than
// `late` after it.
func within(t *testing.T, what string, got, planned time.Time, late time.Duration) {
	t.Helper()
	notBefore(t, what, got, planned)
	if d := got.Sub(planned); d > late {
		t.Errorf("%s at %s: %s after its deadline %s, want within %s", what, got.Format(time.StampMilli), d, planned.Format(time.StampMilli), late)
	}
}

// notBefore checks that got came no earlier than planned. A second's
// leeway: Slack's and Twilio's times are whole seconds.
func notBefore(t *testing.T, what string, got, planned time.Time) {
	t.Helper()
	if got.Before(planned.Add(-time.Second)) {
		t.Errorf("%s at %s: before its time %s", what, got.Format(time.StampMilli), planned.Format(time.StampMilli))
	}
}

func TestChatDownTheSMSAndTheCallGoOutOnTime(t *testing.T) {
	for name, tc := range map[string]struct {
		breakSlack func(*incidentStack)
		want       string
	}{
		"every Slack call answers 503": {func(s *incidentStack) { s.slack.Down(http.StatusServiceUnavailable) }, "503"},
		"the channel is not found":     {func(s *incidentStack) { s.slack.Break("chat.postMessage", "channel_not_found") }, "channel_not_found"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newIncidentStack(t, badNightTeam(`{steps: [{after: 3s, action: sms}, {after: 6s, action: call}]}`))
			tc.breakSlack(s)
			id := s.fireAlertmanager(t, "fp-chat-down")
			eventually(t, "the SMS and the call", 20*time.Second, func() bool {
				return len(s.twilio.Messages()) == 1 && len(s.twilio.Calls()) == 1
			})
			// The escalation counts from the instant the incident began.
			st := s.status(t, id)
			start := st.Summary.Triggered
			// Both went out while Slack was still broken, each on time.
			within(t, "the SMS", s.twilio.Messages()[0].DateCreated, start.Add(3*time.Second), onTime)
			within(t, "the call", s.twilio.Calls()[0].DateCreated, start.Add(6*time.Second), onTime)
			if _, posted := s.page(); posted {
				t.Error("a page was posted into a broken Slack")
			}
			if st.State != workflows.StateTriggered || !strings.Contains(st.Failing["chat"], tc.want) {
				t.Errorf("status: state %s, failing %v; want the incident open and chat failing with %s", st.State, st.Failing, tc.want)
			}

			// Slack comes back: the page and its thread catch up.
			s.slack.Up()
			eventually(t, "the page, once Slack answers", 90*time.Second, func() bool { _, ok := s.page(); return ok })
			eventually(t, "the thread, caught up", 30*time.Second, func() bool {
				return s.threadHas("SMS sent to alice (escalation step 1)") && s.threadHas("Chat (Slack) answers again")
			})
		})
	}
}

func TestPagerDownPagesWhomTheLastHandoverPutOnCall(t *testing.T) {
	og := fakeopsgenie.New(t)
	s := newIncidentStack(t, fmt.Sprintf(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager: {opsgenie_schedule: data_schedule}
    # No test page: the SMS this test counts is the incident's.
    handover: {${data_handover}, test_page: none}
    people:
      - {id: alice, email: alice@example.com, phone: "%s"}
      - {id: carol, email: carol@example.com, phone: "+4915100000003"}
    incidents:
      escalation:
        default: {steps: [{after: 2s, action: sms}]}
`, alicePhone), func(s *incidentStack) {
		s.cfg.OpsgenieAPIKey, s.cfg.OpsgenieAPIURL = fakeopsgenie.APIKey, og.Host()
	})
	s.slack.AddUser("UCAROL", "carol@example.com")
	shift := dataShift()
	og.AddSchedule("data_schedule", fakeopsgenie.Shift{From: shift, To: shift.AddDate(0, 0, 7), Emails: []string{"carol@example.com"}})

	// This week's handover, while Opsgenie answers, puts carol on call.
	tm, _ := s.teams.Team("data")
	run, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: contract.HandoverWorkflowID("data", shift), TaskQueue: contract.TaskQueue,
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: tm, ShiftStart: shift})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.HandoverResult
	if err := run.Get(context.Background(), &res); err != nil || len(res.OnCall) != 1 || res.OnCall[0] != "carol" {
		t.Fatalf("handover: %+v %v", res, err)
	}
	waitForVisibility(t, s.client, `WorkflowType = "Handover" AND BatonOnCall = "carol"`)

	// Then Opsgenie goes down, and an alert fires.
	og.FailNext(10000, http.StatusServiceUnavailable)
	id := s.fireAlertmanager(t, "fp-pager-down")
	eventually(t, "an SMS", 40*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	if to := s.twilio.Messages()[0].To; to != "+4915100000003" {
		t.Errorf("the SMS went to %s, want carol", to)
	}
	st := s.status(t, id)
	if st.State != workflows.StateTriggered || st.Failing["pager"] == "" || len(st.Summary.OnCall) != 1 || st.Summary.OnCall[0] != "carol" {
		t.Errorf("status: state %s, on call %v, failing %v", st.State, st.Summary.OnCall, st.Failing)
	}
}

func TestRepeatCyclesRingThreeTimes(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 2s, action: sms}, {after: 3s, action: call}], repeat: 2}`))
	id := s.fireAlertmanager(t, "fp-repeat")
	eventually(t, "three SMS and three calls", 30*time.Second, func() bool {
		return len(s.twilio.Messages()) >= 3 && len(s.twilio.Calls()) >= 3
	})
	eventually(t, "the three rounds recorded", 10*time.Second, func() bool {
		return s.timelineCount(id, "SMS sent to alice") >= 3 && s.timelineCount(id, "Called alice") >= 3
	})
	if m, c := len(s.twilio.Messages()), len(s.twilio.Calls()); m != 3 || c != 3 {
		t.Fatalf("%d SMS and %d calls, want 3 of each", m, c)
	}
	eventually(t, "the memo's count", 10*time.Second, func() bool {
		sum := s.status(t, id).Summary
		return sum.Notifications["sms"] == 3 && sum.Notifications["call"] == 3 && len(sum.Interruptions) == 7
	})
}

func TestTwoEscalatePressesPageTheSecondaryTwice(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 1h, action: sms}]}`))
	s.slack.AddUser("UBOB", "bob@example.com")
	id := s.fireAlertmanager(t, "fp-escalate")
	eventually(t, "the page", 10*time.Second, func() bool { _, ok := s.page(); return ok })
	for range 2 {
		if resp := s.press(t, workflows.ActionEscalate, id, "UALICE"); resp.StatusCode != http.StatusOK {
			t.Fatalf("press: %s", resp.Status)
		}
	}
	toBob := func() (sms, calls int) {
		for _, m := range s.twilio.Messages() {
			if m.To == bobPhone {
				sms++
			}
		}
		for _, c := range s.twilio.Calls() {
			if c.To == bobPhone {
				calls++
			}
		}
		return sms, calls
	}
	defer func() {
		if t.Failed() {
			t.Logf("responses: %v", s.slack.Responses())
			for _, e := range s.status(t, id).Timeline {
				t.Logf("timeline: %s", e.Text)
			}
		}
	}()
	eventually(t, "two SMS and two calls to bob", 20*time.Second, func() bool { m, c := toBob(); return m == 2 && c == 2 })
	eventually(t, "both rounds recorded", 10*time.Second, func() bool {
		return s.timelineCount(id, "SMS sent to bob") >= 2 && s.timelineCount(id, "Called bob") >= 2
	})
	if m, c := toBob(); m != 2 || c != 2 {
		t.Errorf("%d SMS and %d calls to bob, want 2 of each", m, c)
	}
}

func TestWorkerKilledMidActivityTheNextStepIsOnTime(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 5s, action: sms}, {after: 8s, action: call}]}`))
	// Slack is slow to come: its activities are in flight when the worker dies.
	s.slack.Down(http.StatusServiceUnavailable)
	id := s.fireAlertmanager(t, "fp-killed")
	start := s.status(t, id).Summary.Triggered
	eventually(t, "Slack being tried", 10*time.Second, func() bool { return len(s.slack.Calls("conversations.history")) > 0 })
	s.stop()
	s.gateway = s.startWorker(t)

	eventually(t, "the SMS and the call", 40*time.Second, func() bool {
		return len(s.twilio.Messages()) > 0 && len(s.twilio.Calls()) > 0
	})
	eventually(t, "both recorded", 10*time.Second, func() bool {
		return s.timelineHas(id, "SMS sent to alice") && s.timelineHas(id, "Called alice")
	})
	if n := len(s.twilio.Messages()); n != 1 {
		t.Errorf("%d SMS, want exactly one", n)
	}
	within(t, "the SMS", s.twilio.Messages()[0].DateCreated, start.Add(5*time.Second), 10*time.Second)
	within(t, "the call", s.twilio.Calls()[0].DateCreated, start.Add(8*time.Second), 10*time.Second)
}

func TestFlappingAlertIsOneIncidentContinuedAsNew(t *testing.T) {
	// The server suggests continue-as-new after 300 events instead of its
	// default 4,096, so that 1,500 deliveries (a few minutes of a flapping
	// alert) cross it several times in a test that runs under the race
	// detector; BenchmarkFlapping sends 20,000 at the default.
	const deliveries = 1500
	ts := testserver.New(t, temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
		dynamicconfig.HistoryCountSuggestContinueAsNew.Key():        []dynamicconfig.ConstrainedValue{{Value: 300}},
	})))
	s := startIncidentStack(t, ts, badNightTeam(`{steps: [{after: 1h, action: sms}]}`))
	id := s.fireAlertmanager(t, "fp-flap")
	tm, _ := s.teams.Team("data")
	alert := workflows.Alert{Team: "data", DedupKey: "fp-flap", Summary: "orders_daily DAG failed", Severity: workflows.SeverityCritical,
		Source: workflows.SourceAlertmanager, Status: workflows.AlertFiring}
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for sent.Add(1) < deliveries {
				got, err := incidentclient.Deliver(context.Background(), s.client, tm, alert)
				if err != nil || got != id {
					t.Errorf("delivery: %s %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()

	eventually(t, "every delivery counted", 120*time.Second, func() bool {
		st, err := incidentclient.Status(context.Background(), s.client, id)
		return err == nil && st.Summary.Deliveries == deliveries
	})
	runs, err := s.client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = %q", id)})
	if err != nil {
		t.Fatal(err)
	}
	var continued int
	for _, r := range runs.GetExecutions() {
		if r.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
			continued++
		}
	}
	if continued < 2 {
		t.Errorf("%d runs, %d continued as new; want several for %d deliveries", len(runs.GetExecutions()), continued, deliveries)
	}
	var pages, lines int
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == "" {
			pages++
		} else {
			lines++
		}
	}
	if pages != 1 || lines > 10 {
		t.Errorf("%d pages and %d thread posts for one flapping alert, want 1 page and a few lines", pages, lines)
	}
}
