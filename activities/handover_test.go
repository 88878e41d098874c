package activities

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/activities/pager/opsgenie"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/team"
)

// newWorkspace is a Slack workspace with three members, the user group
// @data-oncall (S0DATA) holding alice, and the channel #data (C0DATA).
func newWorkspace(t *testing.T) (*fakeslack.Server, *Activities) {
	t.Helper()
	srv := fakeslack.New(t)
	srv.AddUser("U0ALICE", "alice@example.com")
	srv.AddUser("U0BOB", "bob@example.com")
	srv.AddUser("U0LEAD", "lead@example.com")
	srv.AddUserGroup("S0DATA", "data-oncall", "U0ALICE")
	srv.AddChannel("C0DATA", "data", "On call: alice")
	srv.AddChannel("C0OTHER", "other", "")
	return srv, &Activities{Chat: slack.NewSlack(fakeslack.Token, srv.URL())}
}

// activityEnv runs a's activities as a worker would.
func activityEnv(a *Activities) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env
}

// execute runs activity with in, and decodes its result.
func execute[R any](env *testsuite.TestActivityEnvironment, activity, in any) (R, error) {
	var r R
	v, err := env.ExecuteActivity(activity, in)
	if err == nil {
		err = v.Get(&r)
	}
	return r, err
}

func TestSetUserGroup(t *testing.T) {
	srv, a := newWorkspace(t)
	env := activityEnv(a)

	set := func(users ...string) SetUserGroupResult {
		t.Helper()
		res, err := execute[SetUserGroupResult](env, a.SetUserGroup, SetUserGroupInput{Group: "@data-oncall", Users: users})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	res := set("U0BOB", "U0LEAD")
	if !res.Changed || !slices.Equal(res.Previous, []string{"U0ALICE"}) {
		t.Errorf("first SetUserGroup = %+v, want changed from [U0ALICE]", res)
	}
	if got := srv.GroupMembers("S0DATA"); !slices.Equal(got, []string{"U0BOB", "U0LEAD"}) {
		t.Errorf("group members = %v", got)
	}

	// The same members in another order, and repeated, are no change.
	res = set("U0LEAD", "U0BOB", "U0LEAD")
	if res.Changed || !slices.Equal(res.Previous, []string{"U0BOB", "U0LEAD"}) {
		t.Errorf("second SetUserGroup = %+v, want unchanged with [U0BOB U0LEAD]", res)
	}
	if n := len(srv.Calls("usergroups.users.update")); n != 1 {
		t.Errorf("usergroups.users.update called %d times, want 1", n)
	}

	_, err := env.ExecuteActivity(a.SetUserGroup, SetUserGroupInput{Group: "@data-oncall"})
	activitytest.RequireOutcome(t, err, false, "EmptyUserGroup")
	if n := len(srv.Calls("usergroups.users.update")); n != 1 {
		t.Errorf("an empty SetUserGroup made an update call (%d calls)", n)
	}
	if got := srv.GroupMembers("S0DATA"); !slices.Equal(got, []string{"U0BOB", "U0LEAD"}) {
		t.Errorf("group members after an empty SetUserGroup = %v", got)
	}
}

func TestSetTopic(t *testing.T) {
	srv, a := newWorkspace(t)
	ctx := context.Background()

	tests := []struct {
		topic       string
		wantChanged bool
		wantWrites  int
	}{
		{topic: "On call: alice", wantChanged: false, wantWrites: 0},
		{topic: "On call: bob", wantChanged: true, wantWrites: 1},
		{topic: "On call: bob", wantChanged: false, wantWrites: 1},
	}
	for _, tt := range tests {
		res, err := a.SetTopic(ctx, SetTopicInput{Channel: "#data", Topic: tt.topic})
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed != tt.wantChanged {
			t.Errorf("SetTopic(%q).Changed = %v, want %v", tt.topic, res.Changed, tt.wantChanged)
		}
		if n := len(srv.Calls("conversations.setTopic")); n != tt.wantWrites {
			t.Errorf("after SetTopic(%q), conversations.setTopic called %d times, want %d", tt.topic, n, tt.wantWrites)
		}
		if got := srv.Topic("C0DATA"); got != tt.topic {
			t.Errorf("topic in Slack = %q, want %q", got, tt.topic)
		}
	}
}

func TestPostMessage(t *testing.T) {
	srv, a := newWorkspace(t)
	ctx := context.Background()
	in := PostMessageInput{Channel: "#data", Key: "handover/data/2026-10-19", Text: "bob is on call", Since: time.Now().Add(-time.Hour)}

	first, err := a.PostMessage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.AlreadyPosted || first.TS == "" {
		t.Errorf("first PostMessage = %+v, want a new post", first)
	}
	second, err := a.PostMessage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !second.AlreadyPosted || second.TS != first.TS {
		t.Errorf("second PostMessage = %+v, want AlreadyPosted with ts %q", second, first.TS)
	}
	if n := len(srv.Calls("chat.postMessage")); n != 1 {
		t.Errorf("chat.postMessage called %d times, want 1", n)
	}
	if msgs := srv.Messages("C0DATA"); len(msgs) != 1 || msgs[0].Text != "bob is on call" {
		t.Errorf("channel messages = %+v", msgs)
	}

	// The key is per channel.
	in.Channel = "C0OTHER"
	other, err := a.PostMessage(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if other.AlreadyPosted || other.TS == first.TS {
		t.Errorf("PostMessage in another channel = %+v, want a new post", other)
	}

	_, err = a.PostMessage(ctx, PostMessageInput{Channel: "#data", Text: "no key"})
	activitytest.RequireOutcome(t, err, false, "BadInput")
	if n := len(srv.Calls("chat.postMessage")); n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2", n)
	}
}

func TestSendDM(t *testing.T) {
	srv, a := newWorkspace(t)
	ctx := context.Background()
	in := SendDMInput{User: "U0BOB", Key: "handover/data/2026-10-19/checklist", Text: "Your checklist", Since: time.Now().Add(-time.Hour)}

	first, err := a.SendDM(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.SendDM(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.AlreadyPosted || !second.AlreadyPosted || second.TS != first.TS {
		t.Errorf("SendDM twice = %+v then %+v, want one post found the second time", first, second)
	}
	opens := srv.Calls("conversations.open")
	if len(opens) != 2 || opens[0].Get("users") != "U0BOB" {
		t.Errorf("conversations.open calls = %v", opens)
	}
	if msgs := srv.Messages("DU0BOB"); len(msgs) != 1 || msgs[0].Text != "Your checklist" || msgs[0].TS != first.TS {
		t.Errorf("DM messages = %+v", msgs)
	}
	if n := len(srv.Calls("chat.postMessage")); n != 1 {
		t.Errorf("chat.postMessage called %d times, want 1", n)
	}
}

func TestResolveChatUsers(t *testing.T) {
	srv, a := newWorkspace(t)
	ctx := context.Background()
	people := []team.Person{
		{ID: "alice", Email: "Alice@Example.com"},
		{ID: "bob", Email: "bob@example.com", SlackID: "U0BOBALT"},
		{ID: "carol", Email: "carol@example.com"},
		{ID: "dave"},
		{ID: "alice", Email: "Alice@Example.com"},
	}

	res, err := a.ResolveChatUsers(ctx, ResolveChatUsersInput{People: people})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"alice": "U0ALICE", "bob": "U0BOBALT"}; !reflect.DeepEqual(res.UserIDs, want) {
		t.Errorf("UserIDs = %v, want %v", res.UserIDs, want)
	}
	if want := []string{"carol", "dave"}; !slices.Equal(res.Unmapped, want) {
		t.Errorf("Unmapped = %v, want %v", res.Unmapped, want)
	}
	var looked []string
	for _, c := range srv.Calls("users.lookupByEmail") {
		looked = append(looked, c.Get("email"))
	}
	if want := []string{"Alice@Example.com", "carol@example.com"}; !slices.Equal(looked, want) {
		t.Errorf("looked up %v, want %v (no lookup for a slack_id, none twice)", looked, want)
	}

	// A failed lookup fails the activity, to be retried when Slack says.
	srv.On("users.lookupByEmail").RateLimitNext(1, 2*time.Second)
	_, err = a.ResolveChatUsers(ctx, ResolveChatUsersInput{People: people[:1]})
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.NonRetryable() || ae.NextRetryDelay() != 2*time.Second {
		t.Errorf("error = %v, want a retryable error after 2s", err)
	}
}

func TestWhoIsOnCall(t *testing.T) {
	og := fakeopsgenie.New(t)
	from := time.Date(2026, 10, 19, 7, 0, 0, 0, time.UTC)
	og.AddSchedule("Data On-Call",
		fakeopsgenie.Shift{From: from, To: from.AddDate(0, 0, 7), Emails: []string{"alice@example.com"}},
		fakeopsgenie.Shift{From: from.AddDate(0, 0, 7), To: from.AddDate(0, 0, 14), Emails: []string{"bob@example.com"}},
	)
	p, err := opsgenie.NewOpsgenie(fakeopsgenie.APIKey, og.Host())
	if err != nil {
		t.Fatal(err)
	}
	tm := team.Team{
		Name:   "data",
		Pager:  team.Pager{OpsgenieSchedule: "Data On-Call"},
		People: []team.Person{{ID: "alice", Email: "alice@example.com"}, {ID: "bob", Email: "bob@example.com"}},
	}
	at := []time.Time{from, from.AddDate(0, 0, 7), from.AddDate(0, 0, 14)}

	res, err := (&Activities{Opsgenie: p}).WhoIsOnCall(context.Background(), WhoIsOnCallInput{Team: tm, At: at})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, people := range res.OnCall {
		var ids []string
		for _, person := range people {
			ids = append(ids, person.ID)
		}
		got = append(got, strings.Join(ids, "+"))
	}
	if want := []string{"alice", "bob", ""}; !slices.Equal(got, want) {
		t.Errorf("on call = %q, want %q", got, want)
	}
	if n := og.Count(); n != len(at) {
		t.Errorf("Opsgenie asked %d times, want %d", n, len(at))
	}
	for i, why := range res.Why {
		if want := "the Opsgenie schedule Data On-Call"; why != want {
			t.Errorf("why %d = %q, want %q", i, why, want)
		}
	}

	_, err = (&Activities{}).WhoIsOnCall(context.Background(), WhoIsOnCallInput{Team: tm, At: at})
	activitytest.RequireOutcome(t, err, false, "OpsgenieNotConfigured")
}

// Where the people on call came from, in words: the override holding
// the pager, else the rotation's shift, in the team's zone.
func TestOnCallWhy(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tm := team.Team{
		Name: "data", TimeZone: "Europe/Berlin",
		Pager:  team.Pager{Rotation: &team.Rotation{Members: []string{"alice", "bob"}, Shift: "1w", Start: "2026-11-23T09:00"}},
		People: []team.Person{{ID: "alice"}, {ID: "bob"}, {ID: "carol"}},
	}
	o := team.Override{ID: "o3", Person: "carol", From: time.Date(2026, 11, 25, 14, 0, 0, 0, berlin), To: time.Date(2026, 11, 25, 18, 0, 0, 0, berlin), By: "alice", Note: "dentist"}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 15, 0, 0, 0, berlin), "override o3 for carol, Wed 25 Nov 14:00 CET to Wed 25 Nov 18:00 CET, set by alice: dentist"},
		{time.Date(2026, 11, 25, 18, 0, 0, 0, berlin), "the team's rotation: alice's shift, Mon 23 Nov 09:00 CET to Mon 30 Nov 09:00 CET"},
		{time.Date(2026, 12, 1, 3, 0, 0, 0, berlin), "the team's rotation: bob's shift, Mon 30 Nov 09:00 CET to Mon 7 Dec 09:00 CET"},
		{time.Date(2026, 11, 1, 3, 0, 0, 0, berlin), "the team's rotation, which names nobody then"},
	} {
		if got := onCallWhy(tm, []team.Override{o}, c.at); got != c.want {
			t.Errorf("at %s: %q, want %q", c.at, got, c.want)
		}
	}
}

// The handover lists the team's open incidents, oldest first, and leaves
// a drill out: it does not pass to the incoming person.
func TestOpenIncidentsLeaveDrillsOut(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	c := &mocks.Client{}
	c.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{Executions: []*workflowpb.WorkflowExecutionInfo{
		{Execution: &commonpb.WorkflowExecution{WorkflowId: contract.IncidentWorkflowID("data", "late")}, StartTime: timestamppb.New(start.Add(time.Hour))},
		{Execution: &commonpb.WorkflowExecution{WorkflowId: contract.DrillIncidentWorkflowID("data", "2026-11-30T08:30:00Z")}, StartTime: timestamppb.New(start.Add(30 * time.Minute))},
		{Execution: &commonpb.WorkflowExecution{WorkflowId: contract.IncidentWorkflowID("data", "early")}, StartTime: timestamppb.New(start)},
	}}, nil)
	res, err := (&Activities{Temporal: c}).OpenIncidents(context.Background(), OpenIncidentsInput{Team: "data"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inc := range res.Incidents {
		got = append(got, inc.WorkflowID)
	}
	if want := []string{contract.IncidentWorkflowID("data", "early"), contract.IncidentWorkflowID("data", "late")}; !slices.Equal(got, want) {
		t.Errorf("open incidents %q, want %q", got, want)
	}
}
