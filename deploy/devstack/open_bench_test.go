// What many open incidents cost the worker (issue #17): each is a
// long-lived workflow, waiting on its escalation's timer, that the SDK
// keeps in its sticky cache.
//
//	go test ./deploy/devstack -run '^$' -bench OpenIncidents -benchtime 1x -timeout 1h
//	go test ./deploy/devstack -run '^$' -bench Floor -benchtime 200x
//
// BenchmarkOpenIncidents opens -open.incidents incidents (10,000) across
// 1,000 teams, each with an SMS due an hour after it fired, on Baton's
// production worker binary (cmd/worker) run as a process of its own
// against the embedded server, so that the memory measured is the
// worker's alone. Once every page is posted and the threads have settled,
// it reports the worker's resident memory (VmRSS) and its peak (VmHWM),
// then sends 100 new alerts at 10 a second and reports their
// webhook-to-page p50 and p99 at that load. Run it once (1x: each run
// opens its own incidents), and the floor beside it. The worker's settings
// (BATON_WORKFLOW_CACHE and the like) come from the benchmark's own
// environment.

package devstack_test

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/internal/texttest"
)

var openIncidents = flag.Int("open.incidents", 10000, "incidents BenchmarkOpenIncidents keeps open")

func BenchmarkOpenIncidents(b *testing.B) {
	const teams, probes = 1000, 100
	c, frontend := startBenchServerAt(b)
	s := newLoadFakes(b, c, teams, "1h")
	pid := startWorkerProcess(b, s, frontend)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	open := make([]string, *openIncidents)
	fanOut(len(open), benchConcurrency, func(i int) {
		id, err := s.deliver(fmt.Sprintf("t%d", i%teams), fmt.Sprintf("open-%s-%d", run, i))
		if err != nil {
			b.Error(err)
			return
		}
		open[i] = id
	})
	if b.Failed() {
		return
	}
	opened := time.Now()
	s.waitForPages(b, teams, len(open))
	b.Logf("%d incidents paged %s after the last was opened", len(open), time.Since(opened).Round(time.Second))
	// The threads (the SMS plan, the responders) follow the pages at
	// Slack's pace of a post a second per channel.
	s.waitForQuiet(b, teams, 10*time.Second)
	rss, peak := residentMB(b, pid)

	// New alerts at 10 a second, each to a team of its own, the page of
	// each timed.
	b.ResetTimer()
	posted := make([]time.Time, probes)
	ids := make([]string, probes)
	tick := time.NewTicker(time.Second / 10)
	var sent sync.WaitGroup
	for i := range probes {
		<-tick.C
		sent.Go(func() {
			posted[i] = time.Now()
			id, err := s.deliver(fmt.Sprintf("t%d", i*teams/probes), fmt.Sprintf("probe-%s-%d", run, i))
			if err != nil {
				b.Error(err)
				return
			}
			ids[i] = id
		})
	}
	tick.Stop()
	sent.Wait()
	pages := s.waitForPages(b, teams, len(open)+probes)
	b.StopTimer()
	var lat []time.Duration
	for i, id := range ids {
		if at, ok := pages[id]; ok {
			lat = append(lat, at.Sub(posted[i]))
		}
	}
	after, _ := residentMB(b, pid)
	b.ReportMetric(float64(len(open)), "open-incidents")
	b.ReportMetric(rss, "worker-rss-MB")
	b.ReportMetric(after, "worker-rss-after-MB")
	b.ReportMetric(peak, "worker-peak-rss-MB")
	b.ReportMetric(ms(quantile(lat, 0.50)), "page-p50-ms")
	b.ReportMetric(ms(quantile(lat, 0.99)), "page-p99-ms")
	s.terminate(append(open, ids...))
}

// startWorkerProcess builds cmd/worker and runs it on the stack's fakes
// and team file against the server at frontend; it returns its pid once
// its gateway is ready, and sets the stack's webhook to it.
func startWorkerProcess(b *testing.B, s *loadStack, frontend string) int {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "worker")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/baton-oncall/baton/cmd/worker").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	teamsFile := filepath.Join(dir, "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte(s.teamsYAML), 0o600); err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gateway := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+frontend, "TEMPORAL_NAMESPACE=default",
		"BATON_TEAMS_FILE="+teamsFile, "BATON_WEBHOOK_TOKEN="+benchToken, "BATON_HTTP_ADDR="+gateway,
		"BATON_LOG_LEVEL=warn",
		"SLACK_BOT_TOKEN="+fakeslack.Token, "SLACK_API_URL="+s.slack.URL(),
		"TWILIO_ACCOUNT_SID="+faketwilio.AccountSID, "TWILIO_AUTH_TOKEN="+faketwilio.AuthToken,
		"TWILIO_FROM_NUMBER=+15005550006", "TWILIO_API_URL="+s.twilio.URL())
	out := &texttest.Log{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if b.Failed() {
			b.Logf("the worker said:\n%s", out)
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + gateway + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the worker was not ready within a minute; it said:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.webhook = "http://" + gateway + "/webhooks/generic"
	return cmd.Process.Pid
}

// waitForPages waits until want incidents have their page posted, and
// returns when each was.
func (s *loadStack) waitForPages(b *testing.B, teams, want int) map[string]time.Time {
	b.Helper()
	deadline := time.Now().Add(benchWait + time.Duration(want)*150*time.Millisecond)
	for {
		pages, _ := s.posts(teams)
		if len(pages) >= want {
			return pages
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d incidents paged", len(pages), want)
		}
		time.Sleep(time.Second)
	}
}

// waitForQuiet waits until no post has come for quiet.
func (s *loadStack) waitForQuiet(b *testing.B, teams int, quiet time.Duration) {
	b.Helper()
	count := func() int {
		_, all := s.posts(teams)
		n := 0
		for _, k := range all {
			n += k
		}
		return n
	}
	last, since := count(), time.Now()
	for time.Since(since) < quiet {
		time.Sleep(time.Second)
		if n := count(); n != last {
			last, since = n, time.Now()
		}
	}
}

// residentMB reads the process's resident memory and its peak, in MB,
// from /proc (Linux).
func residentMB(b *testing.B, pid int) (rss, peak float64) {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	if rss == 0 || peak == 0 {
		b.Fatalf("no VmRSS or VmHWM in /proc/%d/status", pid)
	}
	return rss, peak
}
