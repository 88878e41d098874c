package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/internal/localphone"
	"github.com/baton-oncall/baton/internal/testclock"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/supportclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

type harness struct {
	t       *testing.T
	cfg     config.Config
	console *texttest.Log
	now     time.Time
	// devDir is where the worker's console phone left its gateway, as the
	// dev stack does, for `starter phone`.
	devDir string
}

// newHarness runs a Temporal server and Baton's worker on the console, with
// the team file the dev stack ships.
func newHarness(t *testing.T, teamsFile string) *harness {
	ts := testserver.New(t)
	c := ts.GetDefaultClient()
	if _, err := temporaladmin.EnsureNamespace(context.Background(), c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	teams, err := team.Load(teamsFile)
	if err != nil {
		t.Fatal(err)
	}
	out := &texttest.Log{}
	cfg := config.Config{
		TemporalAddress:   ts.GetFrontendHostPort(),
		TemporalNamespace: ts.GetDefaultNamespace(),
		TeamsFile:         teamsFile,
		HTTPAddr:          "127.0.0.1:0",
	}
	const token = "local-phone-token"
	w, err := worker.Start(cfg, c, teams, worker.Options{Out: out, PhoneToken: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop(context.Background()) })
	devDir := t.TempDir()
	if _, err := localphone.Write(devDir, localphone.Gateway{URL: "http://" + w.GatewayAddr, Token: token}); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, cfg: cfg, console: out, now: time.Now(), devDir: devDir}
}

// starter runs the CLI and returns its exit code, stdout and stderr.
func (h *harness) starter(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	a := &app{
		stdout: &stdout, stderr: &stderr, cfg: h.cfg,
		now: func() time.Time { return h.now },
		dial: func() (client.Client, error) {
			return client.Dial(testserver.Patient(client.Options{HostPort: h.cfg.TemporalAddress, Namespace: h.cfg.TemporalNamespace}))
		},
	}
	code := a.run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

var devTeams = filepath.Join("..", "deploy", "dev", "teams.yaml")

// devWeek is the dev team's weekly handover in these tests: half a week
// from when they start (testclock.MidWeek), so that none falls while they
// run, whatever the day.
var devWeek = testclock.MidWeek(testclock.MustLoad("Europe/Berlin"), time.Now())

// devHandover is devWeek as the starter shows it: "thursday 14:00".
func devHandover() string {
	return fmt.Sprintf("%s %02d:00", strings.ToLower(devWeek.Weekday.String()), devWeek.Hour)
}

// devTeamsFrom writes a copy of devTeams whose handover is devWeek's and
// whose rotation (alice, bob, carol) starts `weeks` weeks after the shift
// under way (before it, when negative), so that the test's own clock, not
// the calendar, says who is on call.
func devTeamsFrom(t *testing.T, weeks int) string {
	t.Helper()
	data, err := os.ReadFile(devTeams)
	if err != nil {
		t.Fatal(err)
	}
	start := devWeek.Start(time.Now()).AddDate(0, 0, 7*weeks)
	for _, r := range [][2]string{
		{`start: "2026-11-02T09:00"`, `start: "` + start.Format("2006-01-02T15:04") + `"`},
		{"weekday: monday\n      time: \"09:00\"", fmt.Sprintf("weekday: %s\n      time: \"%02d:00\"", strings.ToLower(devWeek.Weekday.String()), devWeek.Hour)},
	} {
		if !bytes.Contains(data, []byte(r[0])) {
			t.Fatalf("%s no longer has %s", devTeams, r[0])
		}
		data = bytes.Replace(data, []byte(r[0]), []byte(r[1]), 1)
	}
	file := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestHandoverCommand(t *testing.T) {
	// The fourth week of the rotation: carol hands over to alice, bob is next.
	h := newHarness(t, devTeamsFrom(t, -3))
	shift := devWeek.Start(h.now)
	shiftID := "handover-data-" + shift.UTC().Format(time.RFC3339)
	const when = "Mon 2 Jan 15:04 MST"

	code, out, errOut := h.starter("handover", "--team", "data")
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Handover of data: handed-over",
		"shift:          " + shift.Format(when) + " to " + shift.AddDate(0, 0, 7).Format(when),
		"outgoing:       carol", "on call:        alice", "next:           bob",
		"user group set: yes", "workflow:       " + shiftID,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := h.console.String(); !strings.Contains(got, "[chat] user group @data-oncall now reaches: @alice") ||
		!strings.Contains(got, "@carol hands the pager to @alice") {
		t.Errorf("console chat:\n%s", got)
	}

	// The incoming alice's phone is tested: the console phone shows the
	// SMS with the command that answers it, and the run waits for her.
	// (The deadline is 30 minutes from the run, which is now, mid-shift.)
	if !strings.Contains(out, "acceptance:     waiting for alice until ") || !strings.Contains(out, " (test page: sms)") {
		t.Errorf("output does not say the run waits for the acceptance:\n%s", out)
	}
	reply := "go run ./starter phone reply --from alice 1"
	waitFor(t, func() bool { return strings.Contains(h.console.String(), reply) })
	if !strings.Contains(h.console.String(), "[chat] user group @data-oncall now reaches: @alice, @carol") {
		t.Errorf("until alice accepts, carol should stay in the group:\n%s", h.console.String())
	}

	// Run again while it waits: the same run is joined, nothing is done twice.
	printed := h.console.String()
	code, out, errOut = h.starter("handover", "--team", "data", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res["workflow_id"] != shiftID || res["status"] != "handed-over" || res["acceptance"] != "waiting" {
		t.Errorf("json = %v", res)
	}
	if h.console.String() != printed {
		t.Errorf("the rerun printed more chat:\n%s", strings.TrimPrefix(h.console.String(), printed))
	}

	// alice answers the console phone as the console said, and the group
	// narrows to her.
	code, out, errOut = h.starter("phone", "reply", "--dev-dir", h.devDir, "--from", "alice", "1")
	if code != exitOK || !strings.Contains(out, "Accepted: you are on call for data until") {
		t.Fatalf("phone reply: exit %d %q %q", code, out, errOut)
	}
	waitFor(t, func() bool {
		return strings.Contains(h.console.String(), "[chat] user group @data-oncall now reaches: @alice\n")
	})
	code, _, errOut = h.starter("handover", "accept", "--team", "data", "--as", "alice")
	if code != exitFailed || !strings.Contains(errOut, "the handover "+shiftID+" is over") {
		t.Errorf("second acceptance: exit %d %q", code, errOut)
	}

	// Once it is over, a rerun is a new run that changes nothing and keeps
	// the acceptance.
	printed = h.console.String()
	code, out, errOut = h.starter("handover", "--team", "data", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res = map[string]any{}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"group_changed", "topic_changed", "message_posted", "checklist_sent"} {
		if res[key] != false {
			t.Errorf("%s = %v on a rerun", key, res[key])
		}
	}
	if res["acceptance"] != "accepted" || res["accepted_by"] != "alice" || res["accepted_at"] == nil {
		t.Errorf("json = %v", res)
	}
	if h.console.String() != printed {
		t.Errorf("the rerun printed more chat:\n%s", strings.TrimPrefix(h.console.String(), printed))
	}
}

func TestHandoverCommandErrors(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"handover"}, exitUsage, "--team is required (the worker has: data)"},
		{[]string{"handover", "--team", "ops"}, exitFailed, `the worker has no team "ops"`},
		{[]string{"handover", "--team", "data", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"handover", "--tem", "data"}, exitUsage, "flag provided but not defined: -tem"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"schedules"}, exitUsage, "say apply, list or delete"},
		{[]string{"schedules", "delete"}, exitUsage, "give --team NAME or --all"},
		{nil, exitUsage, "BATON_TEAMS_FILE"},
	}
	for _, tc := range tests {
		code, _, errOut := h.starter(tc.args...)
		if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("starter %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.wantCode, tc.wantErr)
		}
	}
}

// The starter reads the team file where it lives, from the worker: it is
// given no file of its own.
func TestTeamsComeFromTheWorker(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))
	h.cfg.TeamsFile = filepath.Join(t.TempDir(), "absent.yaml")
	code, out, errOut := h.starter("teams")
	if code != exitOK || !strings.Contains(out, "data  (Europe/Berlin)  channel #data-team  handover "+devHandover()+"  pager: rotation of alice, bob, carol every 1w") {
		t.Fatalf("teams: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = h.starter("teams", "--json")
	if code != exitOK || !strings.Contains(out, `"name": "data"`) {
		t.Errorf("teams --json: %d %s", code, out)
	}
}

func TestTheStarterSaysWhenNoWorkerAnswers(t *testing.T) {
	ts := testserver.New(t)
	if _, err := temporaladmin.EnsureNamespace(context.Background(), ts.GetDefaultClient(), ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cfg: config.Config{TemporalAddress: ts.GetFrontendHostPort(), TemporalNamespace: ts.GetDefaultNamespace()}, now: time.Now()}
	code, _, errOut := h.starter("handover", "--team", "data")
	if code != exitFailed || !strings.Contains(errOut, `no worker answered on task queue "baton" within 15s: start one`) {
		t.Errorf("exit %d %q", code, errOut)
	}
}

func TestHandoverCommandWarnsWhenNobodyIsOnCall(t *testing.T) {
	// A rotation that begins in five weeks: nobody holds the pager yet.
	h := newHarness(t, devTeamsFrom(t, 5))
	code, out, _ := h.starter("handover", "--team", "data")
	if code != exitWarnings || !strings.Contains(out, "Handover of data: nobody-on-call") || !strings.Contains(out, "warning:") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(h.console.String(), "user group @data-oncall now reaches") {
		t.Error("the user group was changed with nobody on call")
	}
}

func TestSchedulesCommands(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))

	code, out, errOut := h.starter("schedules", "apply")
	if code != exitOK || strings.TrimSpace(out) != "created handover-data\ncreated summary-data\nwatched heartbeat:data:nightly_orders" {
		t.Fatalf("apply: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = h.starter("schedules", "apply")
	if code != exitOK || strings.TrimSpace(out) != "updated handover-data\nupdated summary-data\nwatched heartbeat:data:nightly_orders" {
		t.Fatalf("second apply: exit %d %q", code, out)
	}

	code, out, errOut = h.starter("schedules", "list", "--json")
	if code != exitOK {
		t.Fatalf("list: exit %d %s", code, errOut)
	}
	var list []scheduleInfo
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	slices.SortFunc(list, func(x, y scheduleInfo) int { return strings.Compare(x.ScheduleID, y.ScheduleID) })
	if len(list) != 2 || list[0].ScheduleID != "handover-data" || list[0].Workflow != "Handover" ||
		list[1].ScheduleID != "summary-data" || list[1].Workflow != "WeeklySummary" {
		t.Fatalf("applying twice must leave the two schedules: %+v", list)
	}
	// The server computes the next runs from its own clock: each is at the
	// handover's weekday and hour in Berlin, whatever the DST offset.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, s := range list {
		if !strings.Contains(s.When, devHandover()+" (Europe/Berlin)") {
			t.Errorf("%s: when = %q", s.ScheduleID, s.When)
		}
		if len(s.NextRuns) == 0 {
			t.Fatalf("%s: no next runs", s.ScheduleID)
		}
		for _, next := range s.NextRuns {
			local := next.In(berlin)
			if local.Weekday() != devWeek.Weekday || local.Hour() != devWeek.Hour || local.Minute() != 0 {
				t.Errorf("%s: next run %s is not %s in Berlin", s.ScheduleID, local, devHandover())
			}
		}
	}

	code, out, _ = h.starter("schedules", "delete", "--team", "data")
	if code != exitOK || strings.TrimSpace(out) != "deleted handover-data\ndeleted summary-data" {
		t.Fatalf("delete: exit %d %q", code, out)
	}
	// Deletion reaches the list through visibility, a moment later.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out, _ = h.starter("schedules", "list")
		if strings.Contains(out, "no schedules") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule still listed after delete:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestIncidentCommands(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))

	code, out, errOut := h.starter("incident", "open", "--team", "data", "--summary", "orders_daily DAG failed",
		"--severity", "P1", "--service", "airflow", "--key", "orders", "--by", "carol")
	if code != exitOK || strings.TrimSpace(out) != "incident:data:orders" {
		t.Fatalf("open: exit %d %q %q", code, out, errOut)
	}
	// The page reaches the console with the commands that answer it.
	waitFor(t, func() bool {
		return strings.Contains(h.console.String(), "[Acknowledge] starter incident ack incident:data:orders")
	})

	code, out, errOut = h.starter("incident", "ack", "incident:data:orders", "--by", "alice")
	if code != exitOK || !strings.Contains(out, "acknowledged: Acknowledged by alice via cli") {
		t.Fatalf("ack: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = h.starter("incident", "ack", "incident:data:orders", "--by", "bob")
	if code != exitFailed || !strings.Contains(errOut, "already acknowledged by alice") {
		t.Fatalf("second ack: exit %d %q", code, errOut)
	}
	// Every incident here has a colon ID: nothing holds the legacy look-up.
	if code, out, errOut = h.starter("incident", "legacy"); code != exitOK || !strings.Contains(out, "no incident is open under the old IDs") {
		t.Fatalf("legacy: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = h.starter("incident", "resolve", "incident:data:nope")
	if code != exitFailed || !strings.Contains(errOut, "no such incident") {
		t.Fatalf("unknown incident: exit %d %q", code, errOut)
	}

	code, out, _ = h.starter("incident", "show", "incident:data:orders", "--json")
	if code != exitOK {
		t.Fatalf("show: exit %d", code)
	}
	var st struct {
		State string `json:"state"`
		Alert struct {
			Details map[string]string `json:"details"`
		} `json:"alert"`
		Timeline []struct {
			Text string `json:"text"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "acknowledged" || len(st.Timeline) < 3 || st.Timeline[0].Text != "Triggered by manual: orders_daily DAG failed" ||
		st.Alert.Details["declared_by"] != "carol" {
		t.Errorf("show: %+v", st)
	}

	// For people: no Go syntax, times in the team's zone (Berlin).
	code, out, _ = h.starter("incident", "show", "incident:data:orders")
	if code != exitOK || strings.Contains(out, "map[") || !regexp.MustCompile(`notifications: (\d+ \w+, )*1 page`).MatchString(out) ||
		!strings.Contains(out, "service: airflow") || !regexp.MustCompile(` (CET|CEST)  Triggered by manual`).MatchString(out) {
		t.Errorf("show:\n%s", out)
	}

	waitFor(t, func() bool {
		_, out, _ := h.starter("incident", "list", "--team", "data", "--state", "acknowledged", "--json")
		return strings.Contains(out, `"workflow_id": "incident:data:orders"`) && strings.Contains(out, `"severity": "critical"`)
	})
	code, _, errOut = h.starter("incident", "open", "--team", "data", "--summary", "x", "--severity", "urgent")
	if code != exitUsage || !strings.Contains(errOut, `"urgent" is not one of`) {
		t.Errorf("bad severity: exit %d %q", code, errOut)
	}
	// Text from outside is shown as it was typed: the timeline keeps it
	// escaped for Slack, the terminal shows it plain.
	code, _, errOut = h.starter("incident", "open", "--team", "data", "--summary", "a <b> & c\x1b[31m", "--severity", "low", "--key", "typed")
	if code != exitOK {
		t.Fatalf("open: exit %d %q", code, errOut)
	}
	code, out, _ = h.starter("incident", "show", "incident:data:typed")
	if code != exitOK || !strings.Contains(out, "[LOW] a <b> & c[31m\n") || !strings.Contains(out, "Triggered by manual: a <b> & c[31m") || strings.Contains(out, "&lt;") || strings.Contains(out, "\x1b") {
		t.Errorf("show of typed text:\n%q", out)
	}
	// Why it did what it did, from what it recorded.
	code, out, errOut = h.starter("explain", "incident:data:orders")
	if code != exitOK || !strings.Contains(out, "Why: severity critical pages: it is one of the team's page_severities (critical, high).\n") ||
		!regexp.MustCompile(`\nOn call: \w+, from the pager: the team's rotation: \w+'s shift, `).MatchString(out) ||
		!strings.Contains(out, "\nSteps 1 to 12, planned from ") ||
		!regexp.MustCompile(`\nAcknowledged by alice via cli at .* \(\+\w+\)\.\n`).MatchString(out) {
		t.Errorf("explain: exit %d %q\n%s", code, errOut, out)
	}
	code, out, _ = h.starter("explain", "incident:data:orders", "--json")
	var x struct {
		Recorded bool `json:"recorded"`
		Steps    []struct {
			Action  string `json:"action"`
			Outcome string `json:"outcome"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &x); code != exitOK || err != nil || !x.Recorded || len(x.Steps) == 0 || x.Steps[0].Outcome != "not needed: acknowledged before" {
		t.Errorf("explain --json: exit %d %v %s", code, err, out)
	}
	code, out, _ = h.starter("explain", "incident:data:typed")
	if code != exitOK || !strings.Contains(out, `"a <b> & c[31m"`) || strings.Contains(out, "\x1b") {
		t.Errorf("explain of typed text:\n%q", out)
	}
	if code, _, errOut = h.starter("explain", "incident:data:nope"); code != exitFailed || !strings.Contains(errOut, "no such incident") {
		t.Errorf("explain of an unknown incident: exit %d %q", code, errOut)
	}
	if code, _, errOut = h.starter("explain"); code != exitUsage || !strings.Contains(errOut, "give the incident ID") {
		t.Errorf("explain without an ID: exit %d %q", code, errOut)
	}
	// The starter names who acts; nobody is no one.
	code, _, errOut = h.starter("incident", "resolve", "incident:data:orders", "--by", " ")
	if code != exitUsage || !strings.Contains(errOut, "--by names who acts") {
		t.Errorf("an empty --by: exit %d %q", code, errOut)
	}
	code, _, errOut = h.starter("incident", "open", "--team", "data", "--summary", "x", "--severity", "low", "--by", "")
	if code != exitUsage || !strings.Contains(errOut, "--by names who declares it") {
		t.Errorf("an empty --by: exit %d %q", code, errOut)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The summary of the shift under way, computed on demand from what the
// incident workflows recorded: two critical incidents, both acknowledged
// and resolved, their RCAs open.
func TestSummaryCommand(t *testing.T) {
	file := devTeamsFrom(t, 0)
	h := newHarness(t, file)
	teams, err := team.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := teams.Team("data")
	loc, _ := tm.Location()
	// "The shift that just ended" is the one under way at the next handover.
	end, err := tm.Handover.Next(loc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.now = end.Add(time.Minute)

	for _, key := range []string{"disk", "dag"} {
		code, out, errOut := h.starter("incident", "open", "--team", "data", "--summary", key+" broke", "--severity", "critical", "--service", key, "--key", key)
		if code != exitOK {
			t.Fatalf("open: exit %d %q %q", code, out, errOut)
		}
		id := strings.TrimSpace(out)
		waitFor(t, func() bool { return strings.Contains(h.console.String(), "starter incident ack "+id) })
		for _, action := range []string{"ack", "resolve"} {
			if code, _, errOut := h.starter("incident", action, id, "--by", "alice"); code != exitOK {
				t.Fatalf("%s %s: exit %d %s", action, id, code, errOut)
			}
		}
	}

	var rep summary.Report
	waitFor(t, func() bool {
		code, out, _ := h.starter("summary", "--team", "data", "--json")
		if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
			return false
		}
		return rep.Incidents.Total == 2 && rep.TimeToResolve.Count == 2 && rep.RCAs.Open == 2
	})
	if rep.Team != "data" || !rep.Shift.End.Equal(end) || rep.Shift.Week != summary.WeekOf(end.AddDate(0, 0, -7), loc) {
		t.Errorf("shift: %+v", rep.Shift)
	}
	if rep.Incidents.Paged != 2 || rep.Incidents.BySeverity["critical"] != 2 || rep.Incidents.ByService["disk"] != 1 || len(rep.Incidents.Major) != 2 {
		t.Errorf("incidents: %+v", rep.Incidents)
	}
	if rep.TimeToAcknowledge.Count != 2 || rep.Interruptions.Totals.Pages != 2 {
		t.Errorf("ack %+v, interruptions %+v", rep.TimeToAcknowledge, rep.Interruptions.Totals)
	}
	if rep.RetentionWarning != "" {
		t.Errorf("a shift inside the 30-day retention got a warning: %s", rep.RetentionWarning)
	}

	// The same as text, for a person.
	code, out, _ := h.starter("summary", "--team", "data")
	if code != exitOK || !strings.Contains(out, "Incidents: 2, 2 paged (critical 2)") || !strings.Contains(out, "RCAs: 2 open") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	// A week past the namespace's 30-day retention: the runs that closed
	// may be gone, and the summary says so.
	code, out, _ = h.starter("summary", "--team", "data", "--week", summary.WeekOf(time.Now().AddDate(0, 0, -60), loc), "--json")
	var old summary.Report
	if code != exitOK || json.Unmarshal([]byte(out), &old) != nil || !strings.Contains(old.RetentionWarning, "keeps closed runs for 720h0m0s only") {
		t.Errorf("a week 60 days ago: exit %d, warning %q", code, old.RetentionWarning)
	}
	for _, bad := range [][]string{{"summary"}, {"summary", "--team", "data", "--week", "2026-47"}} {
		if code, _, _ := h.starter(bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, exitUsage)
		}
	}
}

func TestOverrideAndOncallCommands(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, -3)) // alice holds this week's pager
	h.now = time.Now()
	code, out, errOut := h.starter("override", "add", "--team", "data", "--who", "carol", "--for", "2h", "--note", "alice is sick")
	if code != exitOK || !strings.HasPrefix(out, "o1: carol holds the pager of data from ") {
		t.Fatalf("add: exit %d %q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--who", "bob", "--for", "1h"}, "overlaps override o1 (carol"},
		{[]string{"--who", "mallory", "--from", "2030-01-01T10:00", "--to", "2030-01-01T12:00"}, `"mallory" is not a person of team "data"`},
		{[]string{"--who", "bob", "--from", "2030-01-01T12:00", "--to", "2030-01-01T10:00"}, "ends before it starts"},
		{[]string{"--who", "bob", "--from", "tomorrow", "--to", "2030-01-01T10:00"}, `--from "tomorrow": want the team's local time`},
	} {
		code, _, errOut := h.starter(append([]string{"override", "add", "--team", "data"}, tc.args...)...)
		if code == exitOK || !strings.Contains(errOut, tc.want) {
			t.Errorf("add %v: exit %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	code, out, _ = h.starter("oncall", "--team", "data", "--weeks", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) < 2 || !strings.HasSuffix(lines[0], "carol  (override o1)") || !strings.HasSuffix(lines[1], "alice") {
		t.Errorf("oncall: exit %d\n%s", code, out)
	}
	code, out, _ = h.starter("override", "list", "--team", "data", "--json")
	if code != exitOK || !strings.Contains(out, `"person": "carol"`) || !strings.Contains(out, `"note": "alice is sick"`) {
		t.Errorf("list: %d %s", code, out)
	}
	if code, out, _ = h.starter("override", "remove", "--team", "data", "o1"); code != exitOK || out != "removed o1 (carol)\n" {
		t.Errorf("remove: %d %q", code, out)
	}
	if code, _, errOut = h.starter("override", "remove", "--team", "data", "o1"); code != exitFailed || !strings.Contains(errOut, `no override "o1"`) {
		t.Errorf("remove again: %d %q", code, errOut)
	}
}

// The worker watches the team file's heartbeats from its start: the
// starter lists each one's state, and its JSON the deadline, a day and the
// grace after the watch began.
func TestHeartbeatListCommand(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))
	deadline := time.Now().Add(30 * time.Second)
	var out string
	for {
		code, o, errOut := h.starter("heartbeat", "list")
		if code != exitOK {
			t.Fatalf("list: exit %d %q %q", code, o, errOut)
		}
		if strings.HasPrefix(o, "waiting ") {
			out = o
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker does not watch the heartbeat:\n%s", o)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{"data/nightly_orders  every 1d, grace 2h", "last ping: never", "deadline:  "} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut := h.starter("heartbeat", "list", "--team", "data", "--json")
	var list []heartbeatclient.Listed
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 1 {
		t.Fatalf("json: exit %d %v %q %q", code, err, out, errOut)
	}
	if got := list[0].Deadline.Sub(list[0].Since); got != 26*time.Hour || list[0].State != "waiting" {
		t.Errorf("%+v: want waiting, due 26h after the watch began", list[0])
	}
	if code, _, errOut := h.starter("heartbeat", "list", "--team", "nope"); code == exitOK || !strings.Contains(errOut, `the worker has no team "nope"`) {
		t.Errorf("unknown team: exit %d %q", code, errOut)
	}
}

// A check of the worker's team file runs on its schedule from the worker's
// start; the starter lists what its last run found, and `schedules apply`
// keeps its schedule.
func TestCheckListCommand(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	file := devTeamsFrom(t, 0)
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "    checks:\n      - {name: api_up, kind: http, url: %q, every: 1s, fail_after: 1, severity: low}\n", down.URL)
	f.Close()
	h := newHarness(t, file)

	deadline := time.Now().Add(60 * time.Second)
	var out string
	for {
		code, o, errOut := h.starter("check", "list")
		if code != exitOK {
			t.Fatalf("list: exit %d %q %q", code, o, errOut)
		}
		if strings.HasPrefix(o, "failing ") && strings.Contains(o, "incident:") {
			out = o
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check did not fail with its incident:\n%s", o)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{"data/api_up  http, every 1s", "api_up answered 503, expected 200", "incident:  incident:data:check-api_up", "next run:  "} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut := h.starter("check", "list", "--json")
	var list []checkclient.Listed
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 1 || list[0].Last.Last.Value == nil || *list[0].Last.Last.Value != 503 {
		t.Fatalf("json: exit %d %v %q %q", code, err, out, errOut)
	}
	if code, out, _ := h.starter("schedules", "apply"); code != exitOK || !strings.Contains(out, "updated check:data:api_up") {
		t.Errorf("apply: exit %d %q, want the check's schedule updated", code, out)
	}
}

func TestSilenceCommands(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))
	h.now = time.Now()
	code, out, errOut := h.starter("silence", "add", "--team", "data", "--match", "service=orders", "--match", "env=prod", "--for", "2h", "--note", "warehouse migration")
	if code != exitOK || !strings.HasPrefix(out, "s1: alerts of data matching service=orders env=prod page nobody until ") {
		t.Fatalf("add: exit %d %q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--match", "service=orders", "--for", "200h"}, exitFailed, "at most 7d"},
		{[]string{"--match", "service", "--for", "1h"}, exitUsage, `matcher "service": want key=value`},
		{[]string{"--for", "1h"}, exitUsage, "at least one --match"},
	} {
		code, _, errOut := h.starter(append([]string{"silence", "add", "--team", "data"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("add %v: exit %d %q, want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	code, out, _ = h.starter("silence", "list", "--team", "data")
	if code != exitOK || !strings.HasPrefix(out, "s1   service=orders env=prod") || !strings.Contains(out, "(warehouse migration)") {
		t.Errorf("list: %d %q", code, out)
	}
	if code, out, _ = h.starter("silence", "remove", "--team", "data", "s1"); code != exitOK || !strings.HasPrefix(out, "removed s1 (service=orders env=prod) at ") {
		t.Errorf("remove: %d %q", code, out)
	}
	if code, _, errOut = h.starter("silence", "remove", "--team", "data", "s1"); code != exitFailed || !strings.Contains(errOut, "has ended already") {
		t.Errorf("remove again: %d %q", code, errOut)
	}
	code, out, _ = h.starter("silence", "list", "--team", "data", "--json")
	if code != exitOK || !strings.Contains(out, `"removed_by"`) {
		t.Errorf("list after remove: %d %s", code, out)
	}
}

// Support requests from the starter: listed while open, taken and done
// as their buttons do (as the person --as says), refused when the
// request does not allow it, and listed with --all once done.
func TestSupportCommands(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))
	h.now = time.Now()
	c, err := client.Dial(testserver.Patient(client.Options{HostPort: h.cfg.TemporalAddress, Namespace: h.cfg.TemporalNamespace}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	teams, err := team.Load(devTeamsFrom(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := teams.Team("data")
	id := contract.SupportAskID("data", "ask-cli-1")
	if err := supportclient.Open(context.Background(), c, tm, id, workflows.SupportInput{Request: support.Request{
		Asker: "UASKER", OpenedBy: "UASKER", Via: support.ViaAsk, Text: "is the orders table late?",
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, out, _ := h.starter("support", "list", "--team", "data")
		return strings.Contains(out, "new    "+id) && strings.Contains(out, "  is the orders table late?")
	})
	waitFor(t, func() bool { return strings.Contains(h.console.String(), "*Support request for data* from @UASKER") })

	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"take", "--as", "nobody", id}, exitUsage, `"nobody" is not a person of team data`},
		{[]string{"take", id}, exitUsage, "give --as PERSON"},
		{[]string{"take", "--as", "alice", "support:data:nope"}, exitUsage, "is not a support request ID"},
		{[]string{"take", "--as", "alice", id}, exitOK, id + ": Taken: the request is yours."},
		{[]string{"take", "--as", "bob", id}, exitFailed, "support take: already taken by alice"},
		{[]string{"done", "--as", "bob", id}, exitOK, id + ": Done: the request is closed."},
	} {
		code, out, errOut := h.starter(append([]string{"support"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("support %v: exit %d %q %q, want %d and %q", tc.args, code, out, errOut, tc.code, tc.out)
		}
	}
	waitFor(t, func() bool {
		_, out, _ := h.starter("support", "list", "--team", "data", "--all", "--json")
		var list []support.Request
		return json.Unmarshal([]byte(out), &list) == nil && len(list) == 1 && list[0].State == support.StateDone &&
			list[0].Taken.By == "alice" && list[0].Finished.By == "bob"
	})
	if code, out, _ := h.starter("support", "list", "--team", "data"); code != exitOK || out != "no open support requests\n" {
		t.Errorf("list once done: %d %q", code, out)
	}
}

// simulate replays the team's incidents against a proposed file: one that
// pages only critical alerts no longer pages the high one, and says so.
func TestSimulateCommand(t *testing.T) {
	file := devTeamsFrom(t, 0)
	h := newHarness(t, file)
	h.now = time.Now()
	for _, sev := range []string{"critical", "high"} {
		code, out, errOut := h.starter("incident", "open", "--team", "data", "--summary", sev+" broke", "--severity", sev, "--key", sev)
		if code != exitOK {
			t.Fatalf("open: exit %d %q %q", code, out, errOut)
		}
		id := strings.TrimSpace(out)
		waitFor(t, func() bool { return strings.Contains(h.console.String(), "starter incident ack "+id) })
		if code, _, errOut := h.starter("incident", "ack", id, "--by", "alice"); code != exitOK {
			t.Fatalf("ack %s: exit %d %s", id, code, errOut)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	proposed := filepath.Join(t.TempDir(), "proposed.yaml")
	data = bytes.Replace(data, []byte("    incidents:\n"), []byte("    incidents:\n      page_severities: [critical]\n"), 1)
	if err := os.WriteFile(proposed, data, 0o600); err != nil {
		t.Fatal(err)
	}

	h.now = time.Now().Add(time.Minute) // the incidents started within the period
	var res struct {
		Alerts  int `json:"alerts"`
		Changes []struct {
			WorkflowID string `json:"workflow_id"`
			Current    struct {
				Route string `json:"route"`
			} `json:"current"`
			Proposed struct {
				Route string `json:"route"`
			} `json:"proposed"`
		} `json:"changes"`
	}
	waitFor(t, func() bool {
		code, out, _ := h.starter("simulate", "--team", "data", "--teams-file", proposed, "--since", "1h", "--json")
		return code == exitOK && json.Unmarshal([]byte(out), &res) == nil && res.Alerts == 2
	})
	if len(res.Changes) != 1 || res.Changes[0].WorkflowID != contract.IncidentWorkflowID("data", "high") ||
		res.Changes[0].Current.Route != "paged" || res.Changes[0].Proposed.Route == "paged" {
		t.Errorf("changes: %+v", res.Changes)
	}
	code, out, _ := h.starter("simulate", "--team", "data", "--teams-file", proposed, "--since", "1h")
	if code != exitOK || !strings.Contains(out, "2 alerts replayed") || !strings.Contains(out, "Alerts whose handling changes (1):") || strings.Contains(out, "keeps closed runs") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	// A period past the namespace's retention (30 days here) says so.
	if code, out, _ := h.starter("simulate", "--team", "data", "--teams-file", proposed, "--since", "45d"); code != exitOK || !strings.Contains(out, "keeps closed runs for 720h0m0s only") {
		t.Errorf("a period past the retention: exit %d\n%s", code, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("teams:\n  - name: data\n    timezone: Mars/Olympus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--team", "data"}, "--teams-file is required"},
		{[]string{"--team", "data", "--teams-file", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml"},
		{[]string{"--team", "data", "--teams-file", bad}, "Mars/Olympus"},
		{[]string{"--team", "data", "--teams-file", proposed, "--since", "a while"}, `"a while" is not a period such as 30d, 2w or 12h`},
	} {
		code, _, errOut := h.starter(append([]string{"simulate"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// A drill pages on the console marked DRILL, under an ID of its own, and
// the starter refuses one that cannot page.
func TestDrillCommand(t *testing.T) {
	h := newHarness(t, devTeamsFrom(t, 0))

	code, out, errOut := h.starter("drill", "--team", "data", "--via", "sms", "--by", "carol")
	id := strings.TrimSpace(out)
	if parsed, err := contract.ParseIncidentID(id); code != exitOK || err != nil || !parsed.Drill() {
		t.Fatalf("drill: exit %d %q %q", code, out, errOut)
	}
	waitFor(t, func() bool {
		return strings.Contains(h.console.String(), "[DRILL] [CRITICAL] Drill: answer this page as you would a real one")
	})
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--team", "data", "--via", "pigeon"}, exitUsage, `--via "pigeon" is not sms or call`},
		{[]string{"--team", "data", "--severity", "urgent"}, exitUsage, `--severity "urgent" is not one of`},
		{[]string{"--team", "data", "--severity", "low"}, exitUsage, "team data does not page low alerts"},
		{[]string{"--team", "nope"}, exitFailed, `the worker has no team "nope"`},
	} {
		code, _, errOut := h.starter(append([]string{"drill"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("drill %v: exit %d %q, want %d %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// A team file's drills get a schedule of their own beside the handover's
// and the summary's, which `schedules delete` deletes with them.
func TestSchedulesApplyTheDrills(t *testing.T) {
	file := devTeamsFrom(t, 0)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	const team = "  - name: data\n"
	if !bytes.Contains(data, []byte(team)) {
		t.Fatalf("%s no longer has %q", devTeams, team)
	}
	withDrills := bytes.Replace(data, []byte(team), []byte(team+"    drills: {every: 4w, in_working_hours: true}\n"), 1)
	if err := os.WriteFile(file, withDrills, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, file)

	code, out, errOut := h.starter("schedules", "apply")
	if code != exitOK || !strings.Contains(out, "created drills-data\n") {
		t.Fatalf("apply: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = h.starter("schedules", "delete", "--team", "data")
	if code != exitOK || strings.TrimSpace(out) != "deleted handover-data\ndeleted summary-data\ndeleted drills-data" {
		t.Fatalf("delete: exit %d %q", code, out)
	}
}
