package main

// The whole local stack killed and started again on the same data: the
// escalation step that fell due while it was down goes out within seconds
// of the restart, not once the dead run's cluster membership has expired
// (devstack.forgetMembership). The stack runs as the binary a user runs,
// killed with SIGKILL.

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/internal/texttest"
)

// restartTeam: alice alone holds the pager, so the page is hers whatever
// the day; the SMS is due 12 s into the page.
const restartTeam = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: "#data-team", user_group: data-oncall}
    pager:
      rotation: {members: [alice], shift: 1w, start: "2026-01-05T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, email: alice@example.com, phone: "+4915100000001"}
    incidents:
      escalation:
        default: {steps: [{after: 12s, action: sms}]}
`

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestTheStackKilledAndRestartedSendsWhatFellDueWithinSeconds(t *testing.T) {
	if os.Getenv("BATON_PROCESS_TESTS") == "" {
		// It builds the binary and times the step: beside the race
		// detector's run of every package it would only slow those down.
		t.Skip("set BATON_PROCESS_TESTS=1 (.ci/run runs it after the test command)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dev")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	teamsFile := filepath.Join(dir, "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte(restartTeam), 0o600); err != nil {
		t.Fatal(err)
	}
	tw := faketwilio.New(t)
	const token = "restart-token"
	gateway := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	frontend := freePort(t)
	env := append(os.Environ(),
		"BATON_TEAMS_FILE="+teamsFile, "BATON_WEBHOOK_TOKEN="+token, "BATON_HTTP_ADDR="+gateway,
		"TWILIO_ACCOUNT_SID="+faketwilio.AccountSID, "TWILIO_AUTH_TOKEN="+faketwilio.AuthToken,
		"TWILIO_FROM_NUMBER=+15005550006", "TWILIO_API_URL="+tw.URL(),
		"SLACK_BOT_TOKEN=", "OPSGENIE_API_KEY=", "PAGERDUTY_API_TOKEN=", "JIRA_URL=", "BATON_PUBLIC_URL=")
	start := func() (*exec.Cmd, *texttest.Log) {
		t.Helper()
		out := &texttest.Log{}
		cmd := exec.Command(bin, "-data-dir", filepath.Join(dir, "data"), "-port", fmt.Sprint(frontend), "-ui-port", "-1")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		waitFor(t, "the stack to say it runs", 60*time.Second, func() bool { return strings.Contains(out.String(), "Baton is running.") }, out)
		return cmd, out
	}

	first, console := start()
	body := `{"team":"data","dedup_key":"restart-1","summary":"Disk almost full","severity":"critical"}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+gateway+"/webhooks/generic", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %s", resp.Status)
	}
	fired := time.Now()
	waitFor(t, "the page on the console", 30*time.Second, func() bool { return strings.Contains(console.String(), "Paged @data-oncall (on call: alice") }, console)

	// The whole stack dies before the SMS is due, and stays down past it.
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if n := len(tw.Messages()); n != 0 {
		t.Fatalf("%d SMS before the step was due", n)
	}
	time.Sleep(time.Until(fired.Add(15 * time.Second)))

	restarted := time.Now()
	_, console = start()
	waitFor(t, "the SMS that fell due", 60*time.Second, func() bool { return len(tw.Messages()) > 0 }, console)
	sent := tw.Messages()[0].DateCreated
	if late := sent.Sub(restarted); late > 10*time.Second {
		t.Errorf("the SMS went out %s after the restart, want within 10 s; the stack said:\n%s", late.Round(time.Millisecond), console)
	} else {
		t.Logf("the SMS went out %s after the restart", late.Round(time.Millisecond))
	}
	waitFor(t, "the SMS recorded once", 10*time.Second, func() bool { return strings.Contains(console.String(), "SMS sent to alice") }, console)
	if n := len(tw.Messages()); n != 1 {
		t.Errorf("%d SMS, want 1", n)
	}
}

// waitFor polls cond until it holds, for at most within; the console is
// shown when it does not.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool, console *texttest.Log) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; the stack said:\n%s", what, within, console)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
