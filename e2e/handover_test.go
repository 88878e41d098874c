// Package e2e runs Baton's real worker registration against a real Temporal
// server (temporaltest, in the test process) and local fakes of Slack and
// Opsgenie that speak their wire formats.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/testclock"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/temporaladmin"
	"github.com/baton-oncall/baton/worker"
	"github.com/baton-oncall/baton/workflows"
)

var record = flag.Bool("record", false, "save the handover's history to workflows/testdata for the replay test")

// teamsYAML is the team file of these tests. The rotation of data starts
// five weeks before the shift under way when the test runs
// (${data_rotation_start}), so that the test's own clock, not the
// calendar, says who holds the pager: bob before this shift, carol now,
// alice next.
const teamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: data-oncall}
    pager:
      rotation: {members: [alice, bob, carol], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}}
    permanent_members: [lead]
    people:
      - {id: alice, email: alice@example.com}
      - {id: bob, email: bob@example.com}
      - {id: carol, email: carol@example.com}
      - {id: lead, email: lead@example.com, slack_id: ULEAD}
    checklist: [Check the overnight DAG runs]
  - name: platform
    timezone: America/New_York
    slack: {channel: C0PLAT, user_group: S0PLAT}
    pager: {opsgenie_schedule: platform_schedule}
    handover: {${platform_handover}}
    people:
      - {id: dana, email: dana@example.com}
`

type stack struct {
	client   client.Client
	slack    *fakeslack.Server
	opsgenie *fakeopsgenie.Server
	teams    *team.File
}

// newStack starts a Temporal server, the fakes and Baton's worker.
func newStack(t *testing.T, opsgenieKey string) *stack {
	t.Helper()
	ts := testserver.New(t)
	c := ts.GetDefaultClient()
	ctx := context.Background()
	if _, err := temporaladmin.EnsureNamespace(ctx, c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}

	sl := fakeslack.New(t)
	sl.AddChannel("C0DATA", "data-team", "")
	sl.AddChannel("C0PLAT", "platform", "")
	sl.AddUserGroup("S0DATA", "data-oncall", "UOLD")
	sl.AddUserGroup("S0PLAT", "platform-oncall", "UOLD")
	for _, u := range []string{"alice", "bob", "carol", "dana"} {
		sl.AddUser("U"+strings.ToUpper(u), u+"@example.com")
	}
	sl.AddUser("ULEAD", "lead@example.com")
	og := fakeopsgenie.New(t)

	teams, err := parseTeams(t, teamsYAML)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.Start(config.Config{
		SlackBotToken:  fakeslack.Token,
		SlackAPIURL:    sl.URL(),
		OpsgenieAPIKey: opsgenieKey,
		OpsgenieAPIURL: og.Host(),
		HTTPAddr:       "127.0.0.1:0",
	}, c, teams, worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop(context.Background()) })
	resp, err := http.Get("http://" + w.GatewayAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("gateway /healthz: %s", resp.Status)
	}
	return &stack{client: c, slack: sl, opsgenie: og, teams: teams}
}

func (s *stack) handover(t *testing.T, name string, shift time.Time) (workflows.HandoverResult, client.WorkflowRun, error) {
	t.Helper()
	tm, _ := s.teams.Team(name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    contract.HandoverWorkflowID(name, shift),
		TaskQueue:             contract.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet(name)),
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: tm, ShiftStart: shift})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.HandoverResult
	err = run.Get(ctx, &res)
	return res, run, err
}

var (
	berlin  = testclock.MustLoad("Europe/Berlin")
	newYork = testclock.MustLoad("America/New_York")
	// The teams' weekly handovers, half a week from when the tests start
	// (testclock.MidWeek): no handover falls while they run, whatever the
	// day, and no test waits for one to pass.
	dataWeek     = testclock.MidWeek(berlin, time.Now())
	platformWeek = testclock.MidWeek(newYork, time.Now())
)

// dataShift and platformShift are the shifts under way for the two teams.
func dataShift() time.Time     { return dataWeek.Start(time.Now()) }
func platformShift() time.Time { return platformWeek.Start(time.Now()) }

// parseTeams parses a test's team file, in which ${data_handover} and
// ${platform_handover} stand for the handovers above, and
// ${data_rotation_start} for a rotation start on one of data's, weeks ago.
func parseTeams(t *testing.T, yaml string) (*team.File, error) {
	t.Helper()
	return team.Parse([]byte(teamsOnTheTestsClock(yaml)))
}

// teamsOnTheTestsClock is a team file with its placeholders filled in
// from the test's own clock.
func teamsOnTheTestsClock(yaml string) string {
	return strings.NewReplacer(
		"${data_handover}", dataWeek.YAML(),
		"${platform_handover}", platformWeek.YAML(),
		"${data_rotation_start}", dataShift().AddDate(0, 0, -35).Format("2006-01-02T15:04"),
	).Replace(yaml)
}

func TestHandoverEndToEnd(t *testing.T) {
	s := newStack(t, fakeopsgenie.APIKey)
	shift := dataShift()

	// An open incident of the team, as the incident workflow will leave it
	// in visibility: the handover must list it.
	incidentWorker := sdkworker.New(s.client, "test-incidents", sdkworker.Options{})
	incidentWorker.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		workflow.GetSignalChannel(ctx, "stop").Receive(ctx, nil)
		return nil
	}, workflow.RegisterOptions{Name: contract.IncidentWorkflowName})
	if err := incidentWorker.Start(); err != nil {
		t.Fatal(err)
	}
	defer incidentWorker.Stop()
	_, err := s.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: "incident-data-orders", TaskQueue: "test-incidents",
		TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet("data")),
		Memo:                  map[string]any{"summary": "orders_daily DAG failed"},
	}, contract.IncidentWorkflowName)
	if err != nil {
		t.Fatal(err)
	}
	waitForVisibility(t, s.client, `WorkflowType = "Incident" AND BatonTeam = "data"`)

	res, run, err := s.handover(t, "data", shift)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != workflows.HandoverDone || res.OnCall[0] != "carol" || !res.GroupChanged || !res.MessagePosted || !res.ChecklistSent {
		t.Fatalf("first run: %+v", res)
	}

	updates := s.slack.Calls("usergroups.users.update")
	if len(updates) != 1 {
		t.Fatalf("want exactly one user-group overwrite, got %d", len(updates))
	}
	if got := updates[0].Get("usergroup") + " " + updates[0].Get("users"); got != "S0DATA UCAROL,ULEAD" {
		t.Errorf("overwrite = %q, want the group ID with carol and the permanent lead", got)
	}
	posts := s.slack.Messages("C0DATA")
	if len(posts) != 1 {
		t.Fatalf("want one handover post, got %d: %+v", len(posts), posts)
	}
	for _, want := range []string{"<@UBOB> hands the pager to <@UCAROL>", "Next: <@UALICE>", "orders_daily DAG failed"} {
		if !strings.Contains(posts[0].Text, want) {
			t.Errorf("handover post lacks %q:\n%s", want, posts[0].Text)
		}
	}
	if posts[0].MetadataEventType != "baton_message" || posts[0].MetadataPayload["key"] != "handover/data/"+shift.UTC().Format(time.RFC3339)+"/handover" {
		t.Errorf("post metadata = %q %v", posts[0].MetadataEventType, posts[0].MetadataPayload)
	}
	if got, want := s.slack.Topic("C0DATA"), "On call: @carol until "+shift.AddDate(0, 0, 7).Format("Mon 2 Jan 15:04 MST"); got != want {
		t.Errorf("topic = %q, want %q", got, want)
	}
	dms := s.slack.Calls("conversations.open")
	if len(dms) != 1 || dms[0].Get("users") != "UCAROL" {
		t.Errorf("want one DM to carol, got %v", dms)
	}

	if *record {
		saveHistory(t, s.client, run, filepath.Join("..", "workflows", "testdata", "handover.json"))
	}

	// The same shift again: nothing new anywhere.
	res2, _, err := s.handover(t, "data", shift)
	if err != nil {
		t.Fatal(err)
	}
	if res2.GroupChanged || res2.TopicChanged || res2.MessagePosted || res2.ChecklistSent {
		t.Errorf("rerun changed something: %+v", res2)
	}
	if n := len(s.slack.Calls("usergroups.users.update")); n != 1 {
		t.Errorf("rerun overwrote the group again: %d overwrites", n)
	}
	if n := len(s.slack.Calls("chat.postMessage")); n != 2 { // the handover and the DM
		t.Errorf("rerun posted again: %d posts in all", n)
	}
	if n := len(s.slack.Calls("conversations.setTopic")); n != 1 {
		t.Errorf("rerun set the topic again: %d", n)
	}

	// The Web UI finds the run by team and person on call.
	waitForVisibility(t, s.client, `WorkflowType = "Handover" AND BatonTeam = "data" AND BatonOnCall = "carol"`)
}

func TestHandoverWaitsOutSlackRateLimit(t *testing.T) {
	s := newStack(t, fakeopsgenie.APIKey)
	s.slack.On("usergroups.users.update").RateLimitNext(1, time.Second)
	s.slack.On("chat.postMessage").FailNext(1, 503)
	res, _, err := s.handover(t, "data", dataShift())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != workflows.HandoverDone {
		t.Fatalf("%+v", res)
	}
	if n := len(s.slack.Calls("usergroups.users.update")); n != 2 {
		t.Errorf("want the 429 then one retry, got %d calls", n)
	}
	if got := s.slack.GroupMembers("S0DATA"); strings.Join(got, ",") != "UCAROL,ULEAD" {
		t.Errorf("group = %v", got)
	}
	// The 503 was retried and the post made once.
	if got := len(s.slack.Messages("C0DATA")); got != 1 {
		t.Errorf("want one post after the 503, got %d", got)
	}
}

func TestHandoverFromOpsgenie(t *testing.T) {
	s := newStack(t, fakeopsgenie.APIKey)
	shift := platformShift()
	s.opsgenie.AddSchedule("platform_schedule",
		fakeopsgenie.Shift{From: shift.Add(-7 * 24 * time.Hour), To: shift, Emails: []string{"alice@example.com"}},
		fakeopsgenie.Shift{From: shift, To: shift.Add(7 * 24 * time.Hour), Emails: []string{"DANA@example.com"}},
	)
	res, _, err := s.handover(t, "platform", shift)
	if err != nil {
		t.Fatal(err)
	}
	// dana is in the team file (matched without regard to case); alice is
	// not, yet she is found in Slack by her email.
	if res.OnCall[0] != "dana" || res.Outgoing[0] != "alice@example.com" || len(res.Next) != 0 {
		t.Fatalf("%+v", res)
	}
	if got := s.slack.GroupMembers("S0PLAT"); strings.Join(got, ",") != "UDANA" {
		t.Errorf("group = %v", got)
	}
	if !strings.Contains(s.slack.Messages("C0PLAT")[0].Text, "<@UALICE> hands the pager to <@UDANA>") {
		t.Errorf("post = %s", s.slack.Messages("C0PLAT")[0].Text)
	}
}

func TestHandoverWithABadOpsgenieKeyFailsAtOnce(t *testing.T) {
	s := newStack(t, "wrong-key")
	s.opsgenie.AddSchedule("platform_schedule")
	_, _, err := s.handover(t, "platform", platformShift())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() {
		t.Fatalf("want a non-retryable failure, got %v", err)
	}
	for _, want := range []string{`team "platform"`, `"platform_schedule"`, "OPSGENIE_API_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := s.opsgenie.Count(); n != 1 {
		t.Errorf("want one request, no retries, got %d", n)
	}
	if n := len(s.slack.Calls("usergroups.users.update")); n != 0 {
		t.Errorf("the group was touched: %d", n)
	}
}

func TestWorkerRefusesOpsgenieTeamWithoutKey(t *testing.T) {
	teams, err := parseTeams(t, teamsYAML)
	if err != nil {
		t.Fatal(err)
	}
	_, err = worker.Start(config.Config{HTTPAddr: "127.0.0.1:0", TeamsFile: "teams.yaml"}, nil, teams, worker.Options{})
	if err == nil || !strings.Contains(err.Error(), `team "platform"`) || !strings.Contains(err.Error(), "OPSGENIE_API_KEY") {
		t.Fatalf("got %v", err)
	}
}

func waitForVisibility(t *testing.T, c client.Client, query string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := c.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err == nil && resp.GetCount() > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("visibility never showed %s (last error %v)", query, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func saveHistory(t *testing.T, c client.Client, run client.WorkflowRun, path string) {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []json.RawMessage
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, b)
	}
	out, err := json.MarshalIndent(map[string]any{"events": events}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
