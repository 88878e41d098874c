// Benchmarks of the embedded server (issue #3): how fast alerts go from a
// webhook POST to the page in Slack, and, for comparison, the floor of the
// same server: a trivial workflow with one no-op activity.
//
//	go test ./deploy/devstack -run '^$' -bench 'Intake|Floor' -benchtime 200x
//
// BenchmarkIntake posts b.N distinct critical alerts to the generic webhook of
// a real gateway (worker.Start, over HTTP), from benchConcurrency goroutines,
// and waits for each incident's page to reach the fake Slack's team channel.
// Its latency is from the POST to the page's arrival (the fake stamps each
// message with the wall clock to the microsecond, as Slack does). alerts/s
// is b.N over the time from the first POST to the last page; accept-* is the
// gateway's answer time alone (the SignalWithStart).
//
// BenchmarkFloor starts b.N workflows of one no-op activity each with
// client.ExecuteWorkflow, from as many goroutines, on its own task queue and
// worker, and waits for each to complete (Get).
//
// Each benchmark starts its own in-memory server (once per call of the
// function, outside the timer) and sends one warm-up item before the timer
// starts. Incidents left running (their escalation is minutes away) are
// terminated after the timer stops.

package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/deploy/devstack"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

const (
	// benchConcurrency is how many alerts or workflow starts are in flight.
	benchConcurrency = 16
	benchToken       = "bench-token"
	benchChannel     = "C0DATA"
	// benchWait bounds the wait for the last page or completion.
	benchWait = 5 * time.Minute
)

// benchTeamYAML: alice alone holds the pager, the phone is the console, and
// the first escalation step is ten minutes away, well after the run.
const benchTeamYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [alice], shift: 1w, start: "2026-01-05T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, email: alice@example.com, phone: "+4915100000001"}
    incidents:
      escalation:
        default: {steps: [{after: 10m, action: sms}, {after: 20m, action: call}]}
`

// startBenchServer starts an in-memory embedded server with Baton's
// namespace setup, and a client of it; both stop when the benchmark ends.
func startBenchServer(b *testing.B) client.Client {
	b.Helper()
	ctx := context.Background()
	srv, err := devstack.Start(ctx, devstack.Options{InMemory: true, UIPort: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	c, err := client.Dial(client.Options{
		HostPort: srv.FrontendAddr, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	if _, err := temporaladmin.EnsureNamespace(ctx, c, "default"); err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkIntake(b *testing.B) {
	ctx := context.Background()
	c := startBenchServer(b)
	sl := fakeslack.New(b)
	sl.AddChannel(benchChannel, "data-team", "")
	sl.AddUser("UALICE", "alice@example.com")
	sl.AddUserGroup("S0DATA", "data-oncall", "UALICE")
	teams, err := team.Parse([]byte(benchTeamYAML))
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Config{
		SlackBotToken: fakeslack.Token, SlackAPIURL: sl.URL(),
		WebhookToken: benchToken, HTTPAddr: "127.0.0.1:0",
	}
	w, err := worker.Start(cfg, c, teams, worker.Local{Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = w.Stop(context.Background()) })
	transport := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	b.Cleanup(transport.CloseIdleConnections)
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	webhook := "http://" + w.GatewayAddr + "/webhooks/generic"

	// post sends one critical alert and returns its incident and how long
	// the gateway took to accept it.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	post := func(n int) (string, time.Duration, error) {
		body, _ := json.Marshal(map[string]string{
			"team": "data", "dedup_key": fmt.Sprintf("bench-%s-%d", run, n),
			"summary": fmt.Sprintf("bench alert %d", n), "severity": workflows.SeverityCritical,
		})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(body))
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("Authorization", "Bearer "+benchToken)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return "", 0, err
		}
		defer resp.Body.Close()
		took := time.Since(t0)
		var res struct{ Incidents []string }
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusAccepted || len(res.Incidents) != 1 {
			return "", 0, fmt.Errorf("webhook: %s %+v %v", resp.Status, res, err)
		}
		return res.Incidents[0], took, nil
	}
	// pages returns the arrival time of every incident's page in the
	// channel so far, by incident ID.
	pages := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, m := range sl.Messages(benchChannel) {
			key, _ := m.MetadataPayload["key"].(string)
			if m.ThreadTS != "" || !strings.HasSuffix(key, "/page") {
				continue
			}
			id, _, _ := strings.Cut(key, "/")
			out[id] = slackTime(b, m.TS)
		}
		return out
	}
	// awaitPages waits until every incident in want has its page.
	awaitPages := func(want []string) map[string]time.Time {
		deadline := time.Now().Add(benchWait)
		for {
			got := pages()
			missing := 0
			for _, id := range want {
				if _, ok := got[id]; !ok {
					missing++
				}
			}
			if missing == 0 {
				return got
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d pages not in Slack within %s", missing, len(want), benchWait)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Warm-up, outside the timer: worker pollers, connections, caches.
	warm, _, err := post(-1)
	if err != nil {
		b.Fatal(err)
	}
	awaitPages([]string{warm})

	ids := make([]string, b.N)
	posted := make([]time.Time, b.N)
	accepted := make([]time.Duration, b.N)
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	fanOut(b.N, benchConcurrency, func(i int) {
		posted[i] = time.Now()
		id, took, err := post(i)
		if err != nil {
			failed.Add(1)
			b.Error(err)
			return
		}
		ids[i], accepted[i] = id, took
	})
	if failed.Load() > 0 {
		b.FailNow()
	}
	// The pages carry their arrival times, so waiting for them after the
	// last POST is answered loses no precision.
	landed := awaitPages(ids)
	b.StopTimer()

	lat := make([]time.Duration, b.N)
	last := start
	for i, id := range ids {
		lat[i] = landed[id].Sub(posted[i])
		if landed[id].After(last) {
			last = landed[id]
		}
	}
	b.ReportMetric(float64(b.N)/last.Sub(start).Seconds(), "alerts/s")
	b.ReportMetric(ms(quantile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(quantile(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(quantile(accepted, 0.50)), "accept-p50-ms")
	b.ReportMetric(ms(quantile(accepted, 0.99)), "accept-p99-ms")

	// The incidents would otherwise wait for their escalation: end them.
	ids = append(ids, warm)
	fanOut(len(ids), benchConcurrency, func(i int) {
		_ = c.TerminateWorkflow(ctx, ids[i], "", "benchmark over")
	})
}

const floorQueue = "bench-floor"

func floorWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, "BenchNoopActivity").Get(ctx, nil)
}

func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	c := startBenchServer(b)
	w := sdkworker.New(c, floorQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: "BenchNoop"})
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "BenchNoopActivity"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)

	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	execute := func(n int) (time.Duration, error) {
		t0 := time.Now()
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-floor-%s-%d", run, n), TaskQueue: floorQueue,
		}, "BenchNoop")
		if err != nil {
			return 0, err
		}
		if err := r.Get(ctx, nil); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}

	// Warm-up, outside the timer.
	if _, err := execute(-1); err != nil {
		b.Fatal(err)
	}

	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	fanOut(b.N, benchConcurrency, func(i int) {
		d, err := execute(i)
		if err != nil {
			b.Error(err)
			return
		}
		lat[i] = d
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if b.Failed() {
		return
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "starts/s")
	b.ReportMetric(ms(quantile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(quantile(lat, 0.99)), "p99-ms")
}

// fanOut calls do(i) for every i in [0, n) from at most conc goroutines.
func fanOut(n, conc int, do func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, conc) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				do(i)
			}
		})
	}
	wg.Wait()
}

// quantile is the nearest-rank q-quantile of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(q*float64(len(s))))-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// slackTime reads a Slack timestamp ("1700000000.000100").
func slackTime(b *testing.B, ts string) time.Time {
	secs, frac, _ := strings.Cut(ts, ".")
	s, err1 := strconv.ParseInt(secs, 10, 64)
	us, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 6 {
		b.Fatalf("Slack timestamp %q", ts)
	}
	return time.Unix(s, us*1000)
}
