// The floor of the embedded server, for comparison with the paging
// benchmarks (storm_bench_test.go): a trivial workflow with one no-op
// activity.
//
//	go test ./deploy/devstack -run '^$' -bench Floor -benchtime 200x
//
// BenchmarkFloor starts b.N workflows of one no-op activity each with
// client.ExecuteWorkflow, from benchConcurrency goroutines, on its own task
// queue and worker, and waits for each to complete (Get). It starts its
// own in-memory server, outside the timer, and runs one warm-up item
// before the timer starts.

package devstack_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
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

	"github.com/baton-oncall/baton/deploy/devstack"
	"github.com/baton-oncall/baton/temporaladmin"
)

const (
	// benchConcurrency is how many alerts or workflow starts are in flight.
	benchConcurrency = 16
	benchToken       = "bench-token"
	// benchWait bounds the wait for the last page or completion.
	benchWait = 5 * time.Minute
)

// startBenchServer starts an in-memory embedded server with Baton's
// namespace setup, and a client of it; both stop when the benchmark ends.
func startBenchServer(b *testing.B) client.Client {
	c, _ := startBenchServerAt(b)
	return c
}

// startBenchServerAt is startBenchServer that also gives the server's
// frontend address, for a worker of its own process.
func startBenchServerAt(b *testing.B) (client.Client, string) {
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
	return c, srv.FrontendAddr
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

	timed(b, "starts/s", execute)
}

// timed runs do for b.N items from benchConcurrency goroutines, under the
// timer, and reports the rate (per unit) and each item's p50 and p99.
func timed(b *testing.B, unit string, do func(i int) (time.Duration, error)) {
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	fanOut(b.N, benchConcurrency, func(i int) {
		d, err := do(i)
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
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
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

// slackTime reads a Slack timestamp ("1700000000.000100"); the fake's are
// always well formed, so a bad one reads as the zero time.
func slackTime(ts string) time.Time {
	secs, frac, _ := strings.Cut(ts, ".")
	s, err1 := strconv.ParseInt(secs, 10, 64)
	us, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 6 {
		return time.Time{}
	}
	return time.Unix(s, us*1000)
}
