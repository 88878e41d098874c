package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sample is the value of one series in a scrape; -1 when it is absent.
func sample(text, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// A page, its SMS and its call show in /metrics as Baton's own series,
// and the SDK's metrics beside them.
func TestMetricsCountThePageAndTheEscalation(t *testing.T) {
	ts := testserver.New(t)
	m := metrics.New()
	s := startIncidentStack(t, ts, incidentTeamYAML("1s", "2s"), func(s *incidentStack) {
		c, err := client.Dial(testserver.Patient(client.Options{HostPort: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(), MetricsHandler: m.SDKHandler()}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		s.client, s.opts.Metrics = c, m
	})
	s.fireAlertmanager(t, "fp-metrics")
	eventually(t, "the call", 20*time.Second, func() bool { return len(s.twilio.Calls()) == 1 })

	var text string
	// The SMS and the call go out side by side, in either order.
	eventually(t, "the series", 10*time.Second, func() bool {
		_, text = get(t, s.gateway+"/metrics")
		return sample(text, `baton_notifications_total{kind="call",outcome="sent",provider="twilio"}`) == 1 &&
			sample(text, `baton_notifications_total{kind="sms",outcome="sent",provider="twilio"}`) == 1
	})
	for series, want := range map[string]float64{
		`baton_alerts_received_total{source="alertmanager",team="data"}`:         1,
		`baton_notifications_total{kind="page",outcome="sent",provider="slack"}`: 1,
		`baton_notifications_total{kind="sms",outcome="sent",provider="twilio"}`: 1,
		`baton_page_latency_seconds_count`:                                       1,
		`baton_escalation_lateness_seconds_count`:                                2,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(text, "temporal_request_total{") || !strings.Contains(text, `temporal_activity_execution_latency_seconds_bucket{`) {
		t.Errorf("no SDK metrics in /metrics:\n%s", text)
	}
	if code, body := get(t, s.gateway+"/livez"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/livez: %d %q", code, body)
	}
	if code, _ := get(t, s.gateway+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}
}

// A worker-only process takes no webhooks; a gateway-only one runs no
// workflows; both answer the probes.
func TestRolesSplitTheWorkerAndTheGateway(t *testing.T) {
	ts := testserver.New(t)
	gw := startIncidentStack(t, ts, incidentTeamYAML("1s", "30s"), func(s *incidentStack) { s.opts.Role = worker.RoleGateway })
	// With no worker yet, an alert is taken, and nothing runs it: nobody
	// polls Baton's task queues, and the incident's first task waits.
	id := gw.fireAlertmanager(t, "fp-roles")
	ctx := context.Background()
	for _, q := range []string{contract.TaskQueue, contract.PhoneTaskQueue} {
		tq, err := gw.client.DescribeTaskQueue(ctx, q, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil || len(tq.GetPollers()) != 0 {
			t.Fatalf("a gateway-only process polls %s: %v %v", q, tq.GetPollers(), err)
		}
	}
	if n := gw.events(t, id, func(e *historypb.HistoryEvent) bool {
		return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
	}); n != 0 {
		t.Fatal("a gateway-only process ran the incident")
	}
	wk := startIncidentStack(t, ts, incidentTeamYAML("1s", "30s"), func(s *incidentStack) {
		s.opts.Role = worker.RoleWorker
		s.slack = gw.slack
		s.cfg.SlackAPIURL = gw.slack.URL()
	})
	if code, _ := get(t, wk.gateway+"/webhooks/generic"); code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
		t.Errorf("a worker-only process serves webhooks: %d", code)
	}
	for _, u := range []string{wk.gateway, gw.gateway} {
		if code, _ := get(t, u+"/readyz"); code != http.StatusOK {
			t.Errorf("%s/readyz: %d", u, code)
		}
	}
	// The worker process picks the incident up and pages.
	eventually(t, "the page, once a worker runs", 20*time.Second, func() bool { _, ok := gw.page(); return ok })
	if st := gw.status(t, id); st.State != "triggered" {
		t.Errorf("state %s", st.State)
	}
}

// With SLACK_APP_TOKEN, a button press comes over Socket Mode: the worker
// connects to Slack, the press is acknowledged, and the incident with it.
func TestAPressOverSocketModeAcknowledges(t *testing.T) {
	const appToken = "xapp-1-A0BATON-1-test"
	s := newIncidentStack(t, incidentTeamYAML("30s", "60s"), func(s *incidentStack) {
		s.slack.EnableSocketMode(appToken)
		s.cfg.SlackAppToken = appToken
	})
	if !s.slack.WaitSocketConnections(1, 20*time.Second) {
		t.Fatal("the worker did not connect over Socket Mode")
	}
	id := s.fireAlertmanager(t, "fp-socket")
	eventually(t, "the page", 20*time.Second, func() bool { _, ok := s.page(); return ok })

	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "UALICE", "username": "alice"},
		"team": map[string]any{"id": "T0BATON"}, "channel": map[string]any{"id": "C0DATA"},
		"container":    map[string]any{"type": "message", "message_ts": "1.0", "channel_id": "C0DATA"},
		"response_url": s.slack.ResponseURL("socket-1"), "trigger_id": "1.2.3",
		"actions": []map[string]any{{"type": "button", "action_id": workflows.ButtonActionID(workflows.ActionAck), "value": id, "block_id": "baton_actions", "action_ts": "1.1"}},
	})
	envelope, ack := s.slack.PushInteraction(payload)
	select {
	case a := <-ack:
		if a.EnvelopeID != envelope {
			t.Errorf("acked %q, want %q", a.EnvelopeID, envelope)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the press was not acknowledged within Slack's 3 s")
	}
	eventually(t, "the acknowledgement", 10*time.Second, func() bool {
		st := s.status(t, id)
		return st.State == workflows.StateAcknowledged && st.Summary.AcknowledgedBy == "alice"
	})
}
