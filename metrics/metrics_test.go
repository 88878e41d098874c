package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, body)
	}
	return string(body)
}

func TestBatonMetricsAreServed(t *testing.T) {
	m := New()
	m.AlertReceived("alertmanager", "data")
	m.AlertReceived("alertmanager", "data")
	m.AlertRejected("alertmanager", "unknown_team")
	m.Notified("sms", "twilio", Sent)
	m.Notified("sms", "twilio", Deduplicated)
	m.PageLatency(300 * time.Millisecond)
	m.EscalationLateness(-time.Second) // a clock ahead: on time
	m.SlackInteraction(20 * time.Millisecond)
	value, age := 0.0, 26*time.Hour
	m.CheckRan("data", "running", false, &value, nil)
	m.CheckRan("data", "orders_fresh", true, nil, &age)
	text := scrape(t, m)
	for _, want := range []string{
		`baton_alerts_received_total{source="alertmanager",team="data"} 2`,
		`baton_alerts_rejected_total{reason="unknown_team",source="alertmanager"} 1`,
		`baton_notifications_total{kind="sms",outcome="sent",provider="twilio"} 1`,
		`baton_notifications_total{kind="sms",outcome="deduplicated",provider="twilio"} 1`,
		`baton_page_latency_seconds_bucket{le="0.5"} 1`,
		`baton_escalation_lateness_seconds_bucket{le="0.1"} 1`,
		`baton_slack_interaction_seconds_count 1`,
		`baton_check_up{check="running",team="data"} 0`,
		`baton_check_value{check="running",team="data"} 0`,
		`baton_check_up{check="orders_fresh",team="data"} 1`,
		`baton_check_age_seconds{check="orders_fresh",team="data"} 93600`,
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
}

func TestSDKMetricsWithDifferingTagsAreAllServed(t *testing.T) {
	m := New()
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default"})
	h.WithTags(map[string]string{"task_queue": "baton"}).Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"task_queue": "baton"}).Counter("temporal_request").Inc(1)
	// The same name with another tag set, as the SDK does.
	h.WithTags(map[string]string{"operation": "PollWorkflowTaskQueue"}).Counter("temporal_request").Inc(5)
	h.Gauge("temporal_worker_task_slots_available").Update(7)
	timer := h.Timer("temporal_activity_execution_latency")
	timer.Record(30 * time.Millisecond)
	timer.Record(3 * time.Minute) // past the last bucket: +Inf only
	text := scrape(t, m)
	for _, want := range []string{
		`temporal_request_total{namespace="default",task_queue="baton"} 3`,
		`temporal_request_total{namespace="default",operation="PollWorkflowTaskQueue"} 5`,
		`temporal_worker_task_slots_available{namespace="default"} 7`,
		`temporal_activity_execution_latency_seconds_bucket{namespace="default",le="0.05"} 1`,
		`temporal_activity_execution_latency_seconds_bucket{namespace="default",le="60"} 1`,
		`temporal_activity_execution_latency_seconds_bucket{namespace="default",le="+Inf"} 2`,
		`temporal_activity_execution_latency_seconds_count{namespace="default"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
}

func TestANilMetricsRecordsNothing(t *testing.T) {
	var m *Metrics
	m.AlertReceived("generic", "data")
	m.AlertRejected("generic", "invalid")
	m.Notified("page", "slack", Sent)
	m.PageLatency(time.Second)
	m.CheckRan("data", "x", true, nil, nil)
	m.SDKHandler().Counter("x").Inc(1)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 404 {
		t.Errorf("a nil registry served %d", rec.Code)
	}
}
