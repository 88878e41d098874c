package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
	"go.temporal.io/sdk/converter"
)

const (
	webhookToken  = "hook-token"
	signingSecret = "slack-signing-secret"
	fromNumber    = "+15005550006"
	alicePhone    = "+4915100000001"
)

// incidentTeamYAML: alice alone holds the pager, so who is on call does not
// depend on the day the test runs; the escalation is shortened to seconds.
func incidentTeamYAML(sms, call string) string {
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
    incidents:
      escalation:
        default: {steps: [{after: %s, action: sms}, {after: %s, action: call}]}
`, alicePhone, sms, call)
}

type incidentStack struct {
	client  client.Client
	slack   *fakeslack.Server
	twilio  *faketwilio.Server
	cfg     config.Config
	opts    worker.Options
	teams   *team.File
	gateway string
	// stop stops the current worker, as a crash would.
	stop func()
}

// newIncidentStack starts a Temporal server and a worker whose Slack and
// Twilio are fakes; options change the stack before the worker starts.
func newIncidentStack(t *testing.T, teamsYAML string, options ...func(*incidentStack)) *incidentStack {
	t.Helper()
	return startIncidentStack(t, testserver.New(t), teamsYAML, options...)
}

// startIncidentStack is newIncidentStack on a server of the test's own.
func startIncidentStack(t *testing.T, ts *temporaltest.TestServer, teamsYAML string, options ...func(*incidentStack)) *incidentStack {
	t.Helper()
	c := ts.GetDefaultClient()
	if _, err := temporaladmin.EnsureNamespace(context.Background(), c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	sl := fakeslack.New(t)
	sl.AddChannel("C0DATA", "data-team", "")
	sl.AddUserGroup("S0DATA", "data-oncall", "UALICE")
	sl.AddUser("UALICE", "alice@example.com")
	tw := faketwilio.New(t)
	teams, err := parseTeams(t, teamsYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := &incidentStack{client: c, slack: sl, twilio: tw, teams: teams, cfg: config.Config{
		SlackBotToken: fakeslack.Token, SlackAPIURL: sl.URL(), SlackSigningSecret: signingSecret,
		TwilioAccountSID: faketwilio.AccountSID, TwilioAuthToken: faketwilio.AuthToken,
		TwilioFromNumber: fromNumber, TwilioAPIURL: tw.URL(),
		WebhookToken: webhookToken, HTTPAddr: "127.0.0.1:0",
	}}
	for _, o := range options {
		o(s)
	}
	s.gateway = s.startWorker(t)
	return s
}

// startWorker starts a worker with its gateway and returns the gateway's
// address; the worker stops when the test ends (or earlier, by stop).
func (s *incidentStack) startWorker(t *testing.T) string {
	t.Helper()
	opts := s.opts
	opts.Out = os.Stdout
	w, err := worker.Start(s.cfg, s.client, s.teams, opts)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = w.Stop(context.Background())
		}
	})
	s.stop = func() { stopped = true; _ = w.Stop(context.Background()) }
	return "http://" + w.GatewayAddr
}

func (s *incidentStack) post(t *testing.T, path string, header http.Header, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.gateway+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// fireAlertmanager sends one firing alert, as Alertmanager's webhook does.
func (s *incidentStack) fireAlertmanager(t *testing.T, fingerprint string) string {
	t.Helper()
	body := fmt.Sprintf(`{"version":"4","groupKey":"{}:{alertname=\"DagFailed\"}","status":"firing","receiver":"baton",
"groupLabels":{"alertname":"DagFailed"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","truncatedAlerts":0,
"alerts":[{"status":"firing","labels":{"alertname":"DagFailed","team":"data","severity":"critical","service":"airflow"},
"annotations":{"summary":"orders_daily DAG failed","runbook_url":"https://wiki.example.com/rb"},
"startsAt":"2026-11-24T02:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"%s"}]}`, fingerprint)
	resp := s.sendAlerts(t, "/webhooks/alertmanager", []byte(body))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %s", resp.Status)
	}
	var res struct{ Incidents []string }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Incidents) != 1 {
		t.Fatalf("webhook answer %+v %v", res, err)
	}
	return res.Incidents[0]
}

// sendAlerts posts alerts to a webhook with the token. As Alertmanager
// and the other senders do, a 5xx is sent again, with a growing pause: a
// gateway whose Temporal did not answer in time asks for that (seen on a
// loaded CI machine, under the race detector).
func (s *incidentStack) sendAlerts(t *testing.T, path string, body []byte) *http.Response {
	t.Helper()
	header := http.Header{"Authorization": {"Bearer " + webhookToken}, "Content-Type": {"application/json"}}
	resp := s.post(t, path, header, body)
	for pause := time.Second; resp.StatusCode >= 500 && pause < time.Minute; pause *= 2 {
		t.Logf("webhook: %s; sent again in %s", resp.Status, pause)
		time.Sleep(pause)
		resp = s.post(t, path, header, body)
	}
	return resp
}

// press sends a signed block_actions payload, as Slack does for a button.
func (s *incidentStack) press(t *testing.T, action workflows.Action, incidentID, user string) *http.Response {
	t.Helper()
	return s.pressButton(t, workflows.ButtonActionID(action), incidentID, user)
}

// pressButton sends a signed block_actions payload for any of Baton's
// buttons: its action_id and value.
func (s *incidentStack) pressButton(t *testing.T, actionID, value, user string) *http.Response {
	t.Helper()
	return s.pressFrom(t, actionID, value, user, fakeslack.TeamID)
}

// patience is how many times the time a call site gives eventually it
// waits, up to patienceMost more: each call site gives how long its event
// takes on a quiet machine, and a 2-core CI machine running the suite
// under the race detector was seen to take over twice that. A passing test
// never waits the extra; a failing one must not wait so long that the
// package's time runs out before the failure is told. A test that asserts
// something happened in time checks the event's own time.
const (
	patience     = 3
	patienceMost = time.Minute
)

// eventually waits for cond, polling, and fails the test if it does not
// hold in time.
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	within = min(within*patience, within+patienceMost)
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// page is the incident's channel post, once it is there: the channel's
// only post outside threads.
func (s *incidentStack) page() (fakeslack.Message, bool) {
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == "" {
			return m, true
		}
	}
	return fakeslack.Message{}, false
}

func (s *incidentStack) threadHas(text string) bool {
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS != "" && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

func TestAlertPagesAndASignedAckStopsEscalation(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("6s", "8s"))
	id := s.fireAlertmanager(t, "fp-orders")
	if id != contract.IncidentWorkflowID("data", "fp-orders") {
		t.Fatalf("incident %s", id)
	}
	eventually(t, "the page in Slack", 10*time.Second, func() bool { _, ok := s.page(); return ok })
	// The page goes out at once; it names the person once the pager has.
	eventually(t, "the page naming alice", 10*time.Second, func() bool { p, _ := s.page(); return strings.Contains(p.Text, "<@UALICE>") })
	page, _ := s.page()
	for _, want := range []string{"[CRITICAL] orders_daily DAG failed", "<!subteam^S0DATA>", "<@UALICE>", "<https://wiki.example.com/rb|Runbook>"} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("page lacks %q:\n%s", want, page.Text)
		}
	}
	for _, button := range []string{"incident.ack", "incident.mitigate", "incident.resolve", "incident.escalate"} {
		if !strings.Contains(page.Blocks, `"action_id":"`+button+`"`) {
			t.Errorf("page lacks the %s button", button)
		}
	}
	// Alertmanager re-sends and retries: no second page.
	s.fireAlertmanager(t, "fp-orders")

	if resp := s.press(t, workflows.ActionAck, id, "UALICE"); resp.StatusCode != http.StatusOK {
		t.Fatalf("press: %s", resp.Status)
	}
	defer func() {
		if t.Failed() {
			for _, m := range s.slack.Messages("C0DATA") {
				t.Logf("slack: thread=%q %q", m.ThreadTS, m.Text)
			}
			t.Logf("responses: %v", s.slack.Responses())
			t.Logf("chat.update calls: %v", s.slack.Calls("chat.update"))
		}
	}()
	eventually(t, "the message updated to acknowledged", 10*time.Second, func() bool {
		p, _ := s.page()
		return strings.Contains(p.Text, "*State:* acknowledged") && !strings.Contains(p.Blocks, "incident.ack")
	})
	eventually(t, "the presser's ephemeral answer", 10*time.Second, func() bool {
		r := s.slack.Responses()
		return len(r) == 1 && r[0]["response_type"] == "ephemeral" && strings.Contains(fmt.Sprint(r[0]["text"]), "Acknowledged by <@UALICE> via slack")
	})
	eventually(t, "the ack in the thread", 10*time.Second, func() bool { return s.threadHas("Acknowledged by <@UALICE> via slack") })

	// Past the SMS's planned time: nothing went out.
	if n := s.scheduledBy(t, id, parseTS(t, page.TS).Add(9*time.Second), "SendSMS"); n != 0 {
		t.Fatalf("%d SMS scheduled after an ack", n)
	}
	if n := len(s.twilio.Messages()) + len(s.twilio.Calls()); n != 0 {
		t.Fatalf("%d SMS or calls after an ack", n)
	}
	var pages int
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == "" {
			pages++
		}
	}
	if pages != 1 {
		t.Errorf("%d channel posts, want the one page", pages)
	}
	if !s.threadHas("Repeated by alertmanager (delivery 2)") {
		t.Error("the repeat is not in the timeline")
	}

	// A second press of Acknowledge is refused, and says by whom. (Only
	// people of the team may press at all: see authz_test.go.)
	s.press(t, workflows.ActionAck, id, "UALICE")
	eventually(t, "the refusal", 10*time.Second, func() bool {
		r := s.slack.Responses()
		return len(r) == 2 && r[1]["text"] == "already acknowledged by alice"
	})

	// Resolve, answer the question and close the RCA: the workflow ends.
	for i, action := range []workflows.Action{workflows.ActionResolve, workflows.ActionActionableNo, workflows.ActionRCADone} {
		s.press(t, action, id, "UALICE")
		eventually(t, string(action)+" answered", 10*time.Second, func() bool { return len(s.slack.Responses()) == 3+i })
	}
	run := s.client.GetWorkflow(context.Background(), id, "")
	var sum workflows.IncidentSummary
	if err := run.Get(context.Background(), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Actionable == nil || *sum.Actionable || sum.Deliveries != 2 || sum.ResolvedBy != "alice" || sum.Closed.IsZero() {
		t.Errorf("summary %+v", sum)
	}
	if *record {
		saveHistory(t, s.client, run, filepath.Join("..", "workflows", "testdata", "incident.json"))
	}
}

func TestUnansweredPageEscalatesBySMSThenCall(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("1s", "2s"))
	id := s.fireAlertmanager(t, "fp-late")
	eventually(t, "the SMS and the call", 20*time.Second, func() bool {
		return len(s.twilio.Messages()) == 1 && len(s.twilio.Calls()) == 1
	})
	sms, call := s.twilio.Messages()[0], s.twilio.Calls()[0]
	if sms.To != alicePhone || sms.From != fromNumber || !strings.Contains(sms.Body, "orders_daily DAG failed") {
		t.Errorf("sms %+v", sms)
	}
	if call.To != alicePhone || len(call.Say) == 0 || !strings.Contains(call.Say[0], "orders_daily DAG failed") {
		t.Errorf("call %+v", call)
	}
	// Each goes at its own step's time, waiting on nothing else: a second
	// apart, a loaded machine may deliver them in either order.
	start := s.status(t, id).Summary.Triggered
	notBefore(t, "the SMS", sms.DateCreated, start.Add(time.Second))
	notBefore(t, "the call", call.DateCreated, start.Add(2*time.Second))
	eventually(t, "the timeline", 10*time.Second, func() bool {
		return s.threadHas("SMS sent to alice (escalation step 1)") && s.threadHas("Called alice (escalation step 2)")
	})
}

func TestWorkerCrashMidEscalationSendsTheSMSOnce(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("5s", "1h"))
	id := s.fireAlertmanager(t, "fp-crash")
	// Once the page is out and its timeline posted, the workflow waits on
	// the SMS's timer: the worker dies then, and another one takes over.
	eventually(t, "the page and its timeline", 10*time.Second, func() bool { return s.threadHas("Paged <!subteam^S0DATA>") })
	page, _ := s.page()
	s.stop()
	s.gateway = s.startWorker(t)

	eventually(t, "the SMS", 30*time.Second, func() bool { return len(s.twilio.Messages()) > 0 })
	eventually(t, "the SMS recorded", 10*time.Second, func() bool { return s.timelineHas(id, "SMS sent to alice") })
	msgs := s.twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d SMS, want exactly one", len(msgs))
	}
	planned := parseTS(t, page.TS).Add(5 * time.Second).Truncate(time.Second)
	if msgs[0].DateCreated.Before(planned.Add(-time.Second)) {
		t.Errorf("the SMS went at %s, before its planned %s", msgs[0].DateCreated, planned)
	}
}

func parseTS(t *testing.T, ts string) time.Time {
	t.Helper()
	sec, frac, _ := strings.Cut(ts, ".")
	s, err1 := strconv.ParseInt(sec, 10, 64)
	us, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad Slack ts %q", ts)
	}
	return time.Unix(s, us*1000)
}

// An acknowledgement sent the moment the alert was taken, before any
// worker ran the incident's first task, reaches the incident in that task
// with the start: it is judged on the triggered incident, not refused as
// if the incident had no state yet (seen on a loaded CI machine).
func TestAnAckThatComesWithTheStartIsTaken(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("1h", "2h"))
	s.stop() // no worker: the start, the alert and the ack wait in Temporal together
	tm, _ := s.teams.Team("data")
	ctx := context.Background()
	id, err := incidentclient.Deliver(ctx, s.client, tm, workflows.Alert{
		Team: "data", DedupKey: "fp-early-ack", Summary: "orders late", Severity: workflows.SeverityCritical,
		Source: workflows.SourceGeneric, Status: workflows.AlertFiring,
	})
	if err != nil {
		t.Fatal(err)
	}
	acked := make(chan error, 1)
	go func() {
		_, err := incidentclient.Act(ctx, s.client, id, workflows.ActionRequest{Action: workflows.ActionAck, By: "alice", Via: "cli"})
		acked <- err
	}()
	// The ack reaches Temporal, which holds it for the incident's first
	// task: the history below proves it came with that task.
	time.Sleep(3 * time.Second)
	s.gateway = s.startWorker(t)
	select {
	case err := <-acked:
		if err != nil {
			t.Fatalf("the ack that came with the start: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the ack that came with the start was not answered within 60 s")
	}
	if st := s.status(t, id); st.State != workflows.StateAcknowledged || st.Summary.AcknowledgedBy != "alice" {
		t.Errorf("state %s, acknowledged by %q; want acknowledged by alice", st.State, st.Summary.AcknowledgedBy)
	}
	tasks := 0
	it := s.client.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			tasks++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			if tasks != 1 {
				t.Errorf("the ack was taken in task %d, not with the start: this test did not make the race it is for", tasks)
			}
			return
		}
	}
	t.Error("no accepted update in the history")
}

// A page Slack takes only after the incident was acknowledged (a slow
// Slack on a bad night) is recorded as the interruption it was, and is in
// the incident's memo at once, where the weekly summary reads it: it does
// not wait in the state for the incident's next wake (the ack reminder's
// hour).
func TestAPageRecordedAfterTheAckIsPublished(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("60s", "90s"))
	// The page and its DM wait 3 s for Slack: the ack comes before.
	s.slack.On("chat.postMessage").RateLimitNext(2, 3*time.Second)
	id := s.fireAlertmanager(t, "fp-late-post")
	ctx := context.Background()
	if _, err := incidentclient.Act(ctx, s.client, id, workflows.ActionRequest{Action: workflows.ActionAck, By: "alice", Via: "cli"}); err != nil {
		t.Fatal(err)
	}
	pages := func(sum workflows.IncidentSummary) int {
		n := 0
		for _, i := range sum.Interruptions {
			if i.Kind == summary.KindPage {
				n++
			}
		}
		return n
	}
	eventually(t, "the page recorded, after the ack", 20*time.Second, func() bool {
		st := s.status(t, id)
		return pages(st.Summary) == 1 && st.State == workflows.StateAcknowledged
	})
	if st := s.status(t, id); st.Summary.Interruptions[0].At.Before(st.Summary.Acknowledged) {
		t.Fatalf("the page was posted at %s, before the ack at %s: nothing was late", st.Summary.Interruptions[0].At, st.Summary.Acknowledged)
	}
	eventually(t, "the page in the memo", 10*time.Second, func() bool {
		desc, err := s.client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return false
		}
		var sum workflows.IncidentSummary
		p, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[contract.IncidentMemoKey]
		return ok && converter.GetDefaultDataConverter().FromPayload(p, &sum) == nil && pages(sum) == 1
	})
}
