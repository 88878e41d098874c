package metrics

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// The Temporal SDK reports its metrics (requests, polls, task latencies,
// workflow and activity outcomes) to a client.MetricsHandler, each with
// tags of its own (namespace, task_queue, workflow_type, ...). The same
// name may come with different tags, which Prometheus' typed vectors
// refuse, so the SDK's series are kept here by name and tags and handed
// to Prometheus as they stand at each scrape. Counters are exposed as
// <name>_total, gauges as <name>, timers as <name>_seconds histograms:
// the names Temporal's SDK dashboards query.

// sdkBuckets are the timers' histogram buckets, in seconds.
var sdkBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

type sdkMetrics struct {
	mu     sync.Mutex
	series map[string]*sdkSeries
}

type sdkSeries struct {
	kind   prometheus.ValueType // CounterValue, GaugeValue, or UntypedValue for a timer
	desc   *prometheus.Desc
	values []string
	value  float64
	// A timer's histogram: per bucket counts (not cumulative), sum, count.
	buckets []uint64
	sum     float64
	count   uint64
}

func newSDKMetrics() *sdkMetrics { return &sdkMetrics{series: map[string]*sdkSeries{}} }

// Describe sends nothing: the series are not known ahead (an unchecked
// collector).
func (s *sdkMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series as it stands.
func (s *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, se := range s.series {
		if se.kind != prometheus.UntypedValue {
			ch <- prometheus.MustNewConstMetric(se.desc, se.kind, se.value, se.values...)
			continue
		}
		cumulative := map[float64]uint64{}
		var running uint64
		for i, le := range sdkBuckets {
			running += se.buckets[i]
			cumulative[le] = running
		}
		ch <- prometheus.MustNewConstHistogram(se.desc, se.count, se.sum, cumulative, se.values...)
	}
}

// get returns the series of a name and tags, made on first use.
func (s *sdkMetrics) get(kind prometheus.ValueType, name string, tags map[string]string) *sdkSeries {
	keys := slices.Sorted(maps.Keys(tags))
	values := make([]string, len(keys))
	labels := make([]string, len(keys))
	for i, k := range keys {
		labels[i], values[i] = promName(k), tags[k]
	}
	id := name + "\x00" + strings.Join(labels, "\x00") + "\x00" + strings.Join(values, "\x00")
	s.mu.Lock()
	defer s.mu.Unlock()
	if se, ok := s.series[id]; ok {
		return se
	}
	full := promName(name)
	switch kind {
	case prometheus.CounterValue:
		full += "_total"
	case prometheus.UntypedValue:
		full += "_seconds"
	}
	se := &sdkSeries{kind: kind, values: values, desc: prometheus.NewDesc(full, "Temporal SDK metric "+name+".", labels, nil)}
	if kind == prometheus.UntypedValue {
		se.buckets = make([]uint64, len(sdkBuckets))
	}
	s.series[id] = se
	return se
}

var notPromName = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func promName(s string) string { return notPromName.ReplaceAllString(s, "_") }

// SDKHandler is the handler to give the Temporal client (client.Options'
// MetricsHandler).
func (m *Metrics) SDKHandler() client.MetricsHandler {
	if m == nil {
		return client.MetricsNopHandler
	}
	return sdkHandler{m: m.sdk}
}

type sdkHandler struct {
	m    *sdkMetrics
	tags map[string]string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return sdkHandler{m: h.m, tags: merged}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	se := h.m.get(prometheus.CounterValue, name, h.tags)
	return counterFunc(func(d int64) {
		h.m.mu.Lock()
		se.value += float64(d)
		h.m.mu.Unlock()
	})
}

func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	se := h.m.get(prometheus.GaugeValue, name, h.tags)
	return gaugeFunc(func(v float64) {
		h.m.mu.Lock()
		se.value = v
		h.m.mu.Unlock()
	})
}

func (h sdkHandler) Timer(name string) client.MetricsTimer {
	se := h.m.get(prometheus.UntypedValue, name, h.tags)
	return timerFunc(func(d time.Duration) {
		secs := d.Seconds()
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		se.sum += secs
		se.count++
		if i, found := slices.BinarySearch(sdkBuckets, secs); found || i < len(sdkBuckets) {
			se.buckets[i]++
		}
	})
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(d int64)          { f(d) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }
