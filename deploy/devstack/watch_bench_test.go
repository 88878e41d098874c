// What heartbeats and checks cost the worker (issue #18): 1,000
// heartbeats pinged every minute and 200 checks run every minute.
//
//	go test ./deploy/devstack -run '^$' -bench Watches -benchtime 1x -timeout 30m
//
// BenchmarkWatches runs Baton's production worker binary (cmd/worker) as
// a process of its own against the embedded server, twice for the same
// -watch.window: first with the team's plain file (the floor: an idle
// worker's own cost), then with the heartbeats and checks, while the
// benchmark pings every heartbeat once a minute, spread evenly, and a
// local endpoint answers the http checks. It reports each run's CPU (as a
// share of one core, from /proc's utime and stime), the watched worker's
// resident memory, the pings taken and the check runs made per minute.

package devstack_test

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

var watchWindow = flag.Duration("watch.window", 2*time.Minute, "how long BenchmarkWatches measures each worker")

func BenchmarkWatches(b *testing.B) {
	const heartbeats, checks = 1000, 200
	c, frontend := startBenchServerAt(b)
	s := newLoadFakes(b, c, 1, "1h")

	// The floor: the worker with the plain team file, idle.
	pid := startWorkerProcess(b, s, frontend)
	floor := cpuShare(b, pid, *watchWindow)
	killWorkerProcess(b, pid)

	var runs atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		runs.Add(1)
		_, _ = w.Write([]byte("ok"))
	}))
	b.Cleanup(up.Close)
	var yaml strings.Builder
	yaml.WriteString(s.teamsYAML + "    heartbeats:\n")
	for i := range heartbeats {
		fmt.Fprintf(&yaml, "      - {name: hb%d, every: 1m, grace: 5m}\n", i)
	}
	yaml.WriteString("    checks:\n")
	for i := range checks {
		fmt.Fprintf(&yaml, "      - {name: api%d, kind: http, url: %q, every: 1m, expect_body: ok}\n", i, up.URL)
	}
	tf, err := team.Parse([]byte(yaml.String()))
	if err != nil {
		b.Fatal(err)
	}
	s.teams, s.teamsYAML = tf, yaml.String()
	pid = startWorkerProcess(b, s, frontend)

	// Pings, spread evenly over each minute, as 1,000 jobs would send them.
	stop := make(chan struct{})
	done := make(chan struct{})
	var pinged, failed atomic.Int64
	gateway := strings.TrimSuffix(s.webhook, "/webhooks/generic")
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Minute / heartbeats)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			go func(i int) {
				req, _ := http.NewRequest(http.MethodPost, gateway+contract.HeartbeatID{Team: "t0", Name: "hb" + strconv.Itoa(i%heartbeats)}.Path(), nil)
				req.Header.Set("Authorization", "Bearer "+benchToken)
				resp, err := s.hc.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusAccepted {
					failed.Add(1)
					return
				}
				pinged.Add(1)
			}(i)
		}
	}()
	// The first minute starts every monitor and schedule: measured after.
	time.Sleep(time.Minute)
	runs.Store(0)
	pinged.Store(0)
	b.ResetTimer()
	watched := cpuShare(b, pid, *watchWindow)
	b.StopTimer()
	close(stop)
	<-done
	rss, peak := residentMB(b, pid)
	minutes := watchWindow.Minutes()
	b.ReportMetric(100*floor, "floor-cpu-%")
	b.ReportMetric(100*watched, "worker-cpu-%")
	b.ReportMetric(rss, "rss-MB")
	b.ReportMetric(peak, "peak-rss-MB")
	b.ReportMetric(float64(pinged.Load())/minutes, "pings/min")
	b.ReportMetric(float64(runs.Load())/minutes, "check-runs/min")
	b.ReportMetric(float64(failed.Load()), "pings-refused")
}

// cpuShare measures the process's CPU over window, as a share of one
// core, from /proc/<pid>/stat's utime and stime (Linux, 100 ticks a
// second).
func cpuShare(b *testing.B, pid int, window time.Duration) float64 {
	b.Helper()
	ticks := func() float64 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Fatal(err)
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th of them.
		rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
		f := strings.Fields(rest)
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		return utime + stime
	}
	start, t0 := ticks(), time.Now()
	time.Sleep(window)
	return (ticks() - start) / 100 / time.Since(t0).Seconds()
}

// killWorkerProcess ends a worker started by startWorkerProcess before the
// benchmark ends, and waits until it is gone.
func killWorkerProcess(b *testing.B, pid int) {
	b.Helper()
	p, err := os.FindProcess(pid)
	if err != nil {
		b.Fatal(err)
	}
	_ = p.Kill()
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
			return
		}
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if strings.Contains(string(data), ") Z ") {
			return // a zombie until its cleanup waits for it
		}
		time.Sleep(100 * time.Millisecond)
	}
}
