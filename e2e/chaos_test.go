package e2e

// The chaos run: incident lifecycles (page, an SMS and a call while nobody
// answers, an acknowledgement and a resolve from Slack) while Baton's
// worker, a process of its own built from cmd/worker, is killed with
// SIGKILL at random instants and started again. The Temporal server and a
// gateway-only Baton stay up, as they do when only a worker pod dies.
// Nothing may be lost or doubled: each incident has exactly one page in
// the channel, its person exactly one SMS and one call, each at most
// chaosLate (10 s) after its planned instant, and every incident ends
// resolved. The instants come from a seed, so a failure replays:
//
//	go test ./e2e -run TestChaos -chaos.lifecycles 100 -chaos.seed 7
//
// CI runs a short version (12 lifecycles) on its own, without the race
// detector (.ci/run): it asserts how late the steps may be, and a server
// under -race beside the other tests is no measure of that.

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

var (
	chaosLifecycles = flag.Int("chaos.lifecycles", 0, "incident lifecycles in the chaos run; 0 skips it")
	chaosSeed       = flag.Uint64("chaos.seed", 1, "seed of the chaos run's kill instants")
)

// chaosTeams: one team a lifecycle, each with a person of its own (so that
// no phone line bundles one incident's SMS with another's), an SMS 4 s and
// a call 8 s into the page.
func chaosTeams(n int) string {
	var b strings.Builder
	b.WriteString("teams:\n")
	for i := range n {
		fmt.Fprintf(&b, `  - name: chaos%d
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [p%d], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}, test_page: none}
    people:
      - {id: p%d, email: p%d@example.com, phone: "%s"}
    incidents:
      escalation:
        default: {steps: [{after: 4s, action: sms}, {after: 8s, action: call}]}
`, i, i, i, i, chaosPhone(i))
	}
	return b.String()
}

// chaosLate bounds how late a step may be. The worker runs with a 2 s
// sticky wait and a 3 s heartbeat on its phone steps (chaosSettings): with
// the SDK's defaults a workflow waits 5 s for a dead worker's sticky
// queue, and a phone step in flight on it 10 s for its start-to-close
// timeout, one after the other.
const chaosLate = 10 * time.Second

// chaosSettings are what the README tells a team that wants a dead
// worker's steps on time.
var chaosSettings = []string{"BATON_STICKY_WAIT=2s", "BATON_PHONE_HEARTBEAT=3s"}

func chaosPhone(i int) string { return fmt.Sprintf("+49151009%05d", i) }

// chaosWorker runs Baton's worker binary, --role worker, and kills it.
type chaosWorker struct {
	bin string
	env []string
	out *texttest.Log
	mu  sync.Mutex
	cmd *exec.Cmd
}

func (w *chaosWorker) start(t *testing.T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cmd := exec.Command(w.bin, "--role", "worker")
	cmd.Env, cmd.Stdout, cmd.Stderr = w.env, w.out, w.out
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return
	}
	w.cmd = cmd
}

func (w *chaosWorker) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd != nil {
		_ = w.cmd.Process.Kill()
		_ = w.cmd.Wait()
		w.cmd = nil
	}
}

func TestChaosWorkerKilledAtRandom(t *testing.T) {
	n := *chaosLifecycles
	if n == 0 {
		t.Skip("the chaos run asks for -chaos.lifecycles N; .ci/run runs it on its own, without -race")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "worker")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/worker").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ts := testserver.New(t)
	c := ts.GetDefaultClient()
	if _, err := temporaladmin.EnsureNamespace(context.Background(), c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	sl := fakeslack.New(t)
	sl.AddChannel("C0DATA", "data-team", "")
	sl.AddUserGroup("S0DATA", "data-oncall", "UP0")
	for i := range n {
		sl.AddUser(fmt.Sprintf("UP%d", i), fmt.Sprintf("p%d@example.com", i))
	}
	tw := faketwilio.New(t)
	yaml := chaosTeams(n)
	teams, err := parseTeams(t, yaml)
	if err != nil {
		t.Fatal(err)
	}
	teamsFile := filepath.Join(dir, "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte(teamsOnTheTestsClock(yaml)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{
		SlackBotToken: fakeslack.Token, SlackAPIURL: sl.URL(), SlackSigningSecret: signingSecret,
		TwilioAccountSID: faketwilio.AccountSID, TwilioAuthToken: faketwilio.AuthToken,
		TwilioFromNumber: fromNumber, TwilioAPIURL: tw.URL(),
		WebhookToken: webhookToken, HTTPAddr: "127.0.0.1:0",
	}
	s := &incidentStack{client: c, slack: sl, twilio: tw, teams: teams, cfg: cfg, opts: worker.Options{Role: worker.RoleGateway}}
	s.gateway = s.startWorker(t)

	w := &chaosWorker{bin: bin, out: &texttest.Log{}, env: append(os.Environ(),
		"TEMPORAL_ADDRESS="+ts.GetFrontendHostPort(), "TEMPORAL_NAMESPACE="+ts.GetDefaultNamespace(),
		"BATON_TEAMS_FILE="+teamsFile, "BATON_HTTP_ADDR=127.0.0.1:0", "BATON_WEBHOOK_TOKEN="+webhookToken,
		"SLACK_BOT_TOKEN="+fakeslack.Token, "SLACK_API_URL="+sl.URL(), "SLACK_SIGNING_SECRET="+signingSecret,
		"TWILIO_ACCOUNT_SID="+faketwilio.AccountSID, "TWILIO_AUTH_TOKEN="+faketwilio.AuthToken,
		"TWILIO_FROM_NUMBER="+fromNumber, "TWILIO_API_URL="+tw.URL(),
		"OPSGENIE_API_KEY=", "PAGERDUTY_API_TOKEN=", "JIRA_URL=", "BATON_PUBLIC_URL=", "BATON_LOG_LEVEL=warn")}
	w.env = append(w.env, chaosSettings...)
	w.start(t)
	t.Cleanup(w.kill)

	// Kill the worker at random instants until every lifecycle is done.
	rng := rand.New(rand.NewPCG(*chaosSeed, 0))
	done := make(chan struct{})
	var kills int
	chaos := make(chan struct{})
	go func() {
		defer close(chaos)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(5000+rng.IntN(10000)) * time.Millisecond):
			}
			w.kill()
			kills++
			time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
			w.start(t)
		}
	}()

	// One alert a second; then each incident, once its call has rung, is
	// acknowledged and resolved.
	ids := make([]string, n)
	for i := range n {
		time.Sleep(time.Second)
		resp := s.post(t, "/webhooks/generic", http.Header{"Authorization": {"Bearer " + webhookToken}},
			fmt.Appendf(nil, `{"team":"chaos%d","dedup_key":"chaos-%d","summary":"chaos alert %03d","severity":"critical"}`, i, i, i))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("alert %d: %s", i, resp.Status)
		}
		ids[i] = fmt.Sprintf("incident:chaos%d:chaos-%d", i, i)
	}
	for i, id := range ids {
		user := fmt.Sprintf("UP%d", i)
		eventually(t, id+"'s call", 40*time.Second, func() bool { return len(callsTo(tw, chaosPhone(i))) > 0 })
		s.press(t, workflows.ActionAck, id, user)
		eventually(t, id+" acknowledged", 40*time.Second, func() bool { return s.status(t, id).State == workflows.StateAcknowledged })
		s.press(t, workflows.ActionResolve, id, user)
		eventually(t, id+" resolved", 40*time.Second, func() bool { return s.status(t, id).State == workflows.StateResolved })
	}
	close(done)
	<-chaos
	t.Logf("%d lifecycles, the worker killed %d times (seed %d)", n, kills, *chaosSeed)

	var worst time.Duration
	for i, id := range ids {
		phone := chaosPhone(i)
		eventually(t, id+"'s steps recorded", 20*time.Second, func() bool {
			return s.timelineHas(id, "SMS sent to p") && s.timelineHas(id, "Called p")
		})
		pages := 0
		for _, m := range sl.Messages("C0DATA") {
			if m.ThreadTS == "" && strings.Contains(m.Text, fmt.Sprintf("chaos alert %03d", i)) {
				pages++
			}
		}
		if pages != 1 {
			t.Errorf("%s: %d pages in the channel, want 1", id, pages)
		}
		sms, calls := smsTo(tw, phone), callsTo(tw, phone)
		if len(sms) != 1 || len(calls) != 1 {
			t.Errorf("%s: %d SMS and %d calls, want one of each", id, len(sms), len(calls))
			continue
		}
		triggered := s.status(t, id).Summary.Triggered
		within(t, id+"'s SMS", sms[0].DateCreated, triggered.Add(4*time.Second), chaosLate)
		within(t, id+"'s call", calls[0].DateCreated, triggered.Add(8*time.Second), chaosLate)
		worst = max(worst, sms[0].DateCreated.Sub(triggered.Add(4*time.Second)), calls[0].DateCreated.Sub(triggered.Add(8*time.Second)))
	}
	t.Logf("the latest step: %s after its instant", worst.Round(10*time.Millisecond))
	if t.Failed() {
		t.Logf("the worker said:\n%s", w.out)
	}
}

func smsTo(tw *faketwilio.Server, phone string) []faketwilio.Message {
	return sentTo(tw.Messages(), func(m faketwilio.Message) string { return m.To }, phone)
}

func callsTo(tw *faketwilio.Server, phone string) []faketwilio.Call {
	return sentTo(tw.Calls(), func(c faketwilio.Call) string { return c.To }, phone)
}

// sentTo keeps what went to phone.
func sentTo[T any](all []T, to func(T) string, phone string) []T {
	var out []T
	for _, x := range all {
		if to(x) == phone {
			out = append(out, x)
		}
	}
	return out
}
