// Package metrics is what Baton exposes at GET /metrics, in Prometheus'
// text format: its own counters and histograms (alerts in, notifications
// out, how fast a page goes out, how late an escalation step rings, how
// fast Slack is answered) and the Temporal SDK's metrics (sdk.go).
//
// Every method is safe on a nil *Metrics, which records nothing: code
// under test needs no registry.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Notification outcomes.
const (
	Sent         = "sent"
	Failed       = "failed"
	Deduplicated = "deduplicated"
)

// Metrics holds Baton's metrics and the registry they are served from.
type Metrics struct {
	registry           *prometheus.Registry
	alertsReceived     *prometheus.CounterVec
	alertsRejected     *prometheus.CounterVec
	notifications      *prometheus.CounterVec
	pageLatency        prometheus.Histogram
	escalationLateness prometheus.Histogram
	slackInteraction   prometheus.Histogram
	checkUp            *prometheus.GaugeVec
	checkValue         *prometheus.GaugeVec
	checkAge           *prometheus.GaugeVec
	sdk                *sdkMetrics
}

// New makes a registry with Baton's metrics, the SDK's, and the Go
// runtime's and process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		alertsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_alerts_received_total",
			Help: "Alerts the gateway accepted, by source (alertmanager, opsgenie, generic, slack) and team.",
		}, []string{"source", "team"}),
		alertsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_alerts_rejected_total",
			Help: "Alerts the gateway refused, by source (alertmanager, opsgenie, generic) and reason (invalid, unknown_team, forbidden_team, too_large).",
		}, []string{"source", "reason"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baton_notifications_total",
			Help: "Notifications by kind (page, dm, sms, call), provider and outcome (sent, failed, deduplicated).",
		}, []string{"kind", "provider", "outcome"}),
		pageLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_page_latency_seconds",
			Help:    "From an alert's arrival to its page in the channel.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}),
		escalationLateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_escalation_lateness_seconds",
			Help:    "How long after its planned instant an escalation step's SMS or call went out.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}),
		slackInteraction: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "baton_slack_interaction_seconds",
			Help:    "How long the gateway took to answer a Slack button press or slash command (Slack allows 3 s).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 3, 5},
		}),
		checkUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "baton_check_up",
			Help: "1 when a check's last run on this worker passed, 0 when it failed or could not run, by team and check.",
		}, []string{"team", "check"}),
		checkValue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "baton_check_value",
			Help: "A query check's last number, or an http check's last status, by team and check.",
		}, []string{"team", "check"}),
		checkAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "baton_check_age_seconds",
			Help: "How old a freshness check's newest row was at its last run, by team and check.",
		}, []string{"team", "check"}),
		sdk: newSDKMetrics(),
	}
	m.registry.MustRegister(m.alertsReceived, m.alertsRejected, m.notifications, m.pageLatency, m.escalationLateness, m.slackInteraction,
		m.checkUp, m.checkValue, m.checkAge, m.sdk,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// AlertReceived counts an alert the gateway accepted.
func (m *Metrics) AlertReceived(source, team string) {
	if m != nil {
		m.alertsReceived.WithLabelValues(source, team).Inc()
	}
}

// AlertRejected counts an alert the gateway refused, by why: the other
// alerts of its request were still taken.
func (m *Metrics) AlertRejected(source, reason string) {
	if m != nil {
		m.alertsRejected.WithLabelValues(source, reason).Inc()
	}
}

// Notified counts a notification: kind is page, dm, sms or call.
func (m *Metrics) Notified(kind, provider, outcome string) {
	if m != nil {
		m.notifications.WithLabelValues(kind, provider, outcome).Inc()
	}
}

// PageLatency records how long an alert took to reach the channel.
func (m *Metrics) PageLatency(d time.Duration) {
	if m != nil {
		m.pageLatency.Observe(d.Seconds())
	}
}

// EscalationLateness records how late an escalation step went out; early
// (a clock a little ahead) counts as on time.
func (m *Metrics) EscalationLateness(d time.Duration) {
	if m != nil {
		m.escalationLateness.Observe(max(d, 0).Seconds())
	}
}

// SlackInteraction records how long Slack waited for its answer.
func (m *Metrics) SlackInteraction(d time.Duration) {
	if m != nil {
		m.slackInteraction.Observe(d.Seconds())
	}
}

// CheckRan records a check's run: whether it passed, and its value or age
// when it found one.
func (m *Metrics) CheckRan(team, check string, up bool, value *float64, age *time.Duration) {
	if m == nil {
		return
	}
	u := 0.0
	if up {
		u = 1
	}
	m.checkUp.WithLabelValues(team, check).Set(u)
	if value != nil {
		m.checkValue.WithLabelValues(team, check).Set(*value)
	}
	if age != nil {
		m.checkAge.WithLabelValues(team, check).Set(age.Seconds())
	}
}
