package workflows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
)

// testTeam rotates alice, bob, carol weekly from Monday 19 Oct 2026 09:00
// Berlin time, with lead always in the group.
func testTeam() team.Team {
	return team.Team{
		Name:     "data",
		TimeZone: "Europe/Berlin",
		Slack:    team.Slack{Channel: "C0DATA", UserGroup: "data-oncall"},
		Pager: team.Pager{Rotation: &team.Rotation{
			Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-10-19T09:00",
		}},
		Handover: team.HandoverTime{Weekday: "monday", Time: "09:00"},
		People: []team.Person{
			{ID: "alice", Email: "alice@example.com"},
			{ID: "bob", Email: "bob@example.com"},
			{ID: "carol", Email: "carol@example.com"},
			{ID: "lead", Email: "lead@example.com"},
		},
		PermanentMembers: []string{"lead"},
		Checklist:        []string{"Check the Airflow DAGs"},
		Runbooks:         []team.Link{{Title: "Runbook", URL: "https://wiki.example.com/rb"}},
	}
}

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// chatUsers maps everyone but the unmapped to a Slack ID "U" + upper-case ID.
func chatUsers(unmapped ...string) func(context.Context, activities.ResolveChatUsersInput) (activities.ResolveChatUsersResult, error) {
	return func(_ context.Context, in activities.ResolveChatUsersInput) (activities.ResolveChatUsersResult, error) {
		res := activities.ResolveChatUsersResult{UserIDs: map[string]string{}}
		for _, p := range in.People {
			if slices.Contains(unmapped, p.ID) {
				res.Unmapped = append(res.Unmapped, p.ID)
				continue
			}
			res.UserIDs[p.ID] = "U" + strings.ToUpper(p.ID)
		}
		return res, nil
	}
}

// recorder keeps what the mocked chat activities were asked to do.
type recorder struct {
	groups  []activities.SetUserGroupInput
	topics  []activities.SetTopicInput
	posts   []activities.PostMessageInput
	dms     []activities.SendDMInput
	whoAsks []activities.WhoIsOnCallInput
	// summaryLink answers SummaryLink, asked with linkAsks.
	summaryLink    activities.SummaryLinkResult
	summaryLinkErr error
	linkAsks       []activities.SummaryLinkInput
	// backlog answers Backlog, asked with backlogAsks.
	backlog     activities.BacklogResult
	backlogErr  error
	backlogAsks []activities.BacklogInput
	// requests answer OpenSupportRequests: none open, unless a test says.
	requests    activities.OpenSupportRequestsResult
	requestsErr error
}

// newEnv runs the real WhoIsOnCall (the rotation is pure math) and mocks the
// chat side, recording every call.
func newEnv(t *testing.T, start time.Time, unmapped ...string) (*testsuite.TestWorkflowEnvironment, *recorder) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	Register(env, &activities.Activities{})
	rec := &recorder{}
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		if info.ActivityType.Name == "WhoIsOnCall" {
			var in activities.WhoIsOnCallInput
			require.NoError(t, args.Get(&in))
			rec.whoAsks = append(rec.whoAsks, in)
		}
	})
	env.OnActivity(a.ResolveChatUsers, mock.Anything, mock.Anything).Return(chatUsers(unmapped...)).Maybe()
	env.OnActivity(a.SetUserGroup, mock.Anything, mock.Anything).Return(keeping(&rec.groups, activities.SetUserGroupResult{Changed: true})).Maybe()
	env.OnActivity(a.SetTopic, mock.Anything, mock.Anything).Return(keeping(&rec.topics, activities.SetTopicResult{Changed: true})).Maybe()
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(keeping(&rec.posts, activities.PostMessageResult{TS: "1.0"})).Maybe()
	env.OnActivity(a.SendDM, mock.Anything, mock.Anything).Return(keeping(&rec.dms, activities.PostMessageResult{TS: "2.0"})).Maybe()
	env.OnActivity(a.OpenIncidents, mock.Anything, mock.Anything).Return(
		activities.OpenIncidentsResult{Incidents: []activities.OpenIncident{{
			WorkflowID: "incident-data-airflow", Summary: "Airflow DAG orders_daily failed",
			Started: time.Date(2026, 11, 22, 3, 12, 0, 0, berlin),
		}}}, nil).Maybe()
	env.OnActivity(a.OpenSupportRequests, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.OpenSupportRequestsInput) (activities.OpenSupportRequestsResult, error) {
			return rec.requests, rec.requestsErr
		}).Maybe()
	// No summary ran for the shift that ended, unless a test says so.
	env.OnActivity(a.SummaryLink, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SummaryLinkInput) (activities.SummaryLinkResult, error) {
			rec.linkAsks = append(rec.linkAsks, in)
			return rec.summaryLink, rec.summaryLinkErr
		}).Maybe()
	env.OnActivity(a.Backlog, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.BacklogInput) (activities.BacklogResult, error) {
			rec.backlogAsks = append(rec.backlogAsks, in)
			return rec.backlog, rec.backlogErr
		}).Maybe()
	return env, rec
}

// keeping is a mocked activity that keeps each input in list and answers
// out.
func keeping[In, Out any](list *[]In, out Out) func(context.Context, In) (Out, error) {
	return func(_ context.Context, in In) (Out, error) {
		*list = append(*list, in)
		return out, nil
	}
}

// runWorkflow runs the workflow name with in to its end, which must be a
// success, and returns its result.
func runWorkflow[R any](t *testing.T, env *testsuite.TestWorkflowEnvironment, name string, in any) R {
	t.Helper()
	env.ExecuteWorkflow(name, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res R
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

func runHandover(t *testing.T, env *testsuite.TestWorkflowEnvironment, in HandoverInput) HandoverResult {
	t.Helper()
	return runWorkflow[HandoverResult](t, env, contract.HandoverWorkflowName, in)
}

func TestHandoverNormalWeek(t *testing.T) {
	// Monday 23 Nov 2026, 09:00 Berlin: bob hands over to carol.
	start := time.Date(2026, 11, 23, 9, 0, 5, 0, berlin)
	env, rec := newEnv(t, start)
	res := runHandover(t, env, HandoverInput{Team: testTeam()})

	require.Equal(t, HandoverDone, res.Status)
	require.Equal(t, []string{"bob"}, res.Outgoing)
	require.Equal(t, []string{"carol"}, res.OnCall)
	require.Equal(t, []string{"alice"}, res.Next)
	require.True(t, res.ShiftStart.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)))
	require.True(t, res.ShiftEnd.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)))
	require.Empty(t, res.Warnings)
	require.Equal(t, 1, res.OpenIncidents)

	require.Equal(t, []activities.SetUserGroupInput{{Group: "data-oncall", Users: []string{"UCAROL", "ULEAD"}}}, rec.groups)
	require.Equal(t, []activities.SetTopicInput{{Channel: "C0DATA", Topic: "On call: @carol until Mon 30 Nov 09:00 CET"}}, rec.topics)
	require.Len(t, rec.posts, 1)
	post := rec.posts[0]
	require.Equal(t, "C0DATA", post.Channel)
	require.Equal(t, "handover/data/2026-11-23T08:00:00Z/handover", post.Key)
	require.Contains(t, post.Text, "<@UBOB> hands the pager to <@UCAROL>")
	require.Contains(t, post.Text, "Next: <@UALICE> from Mon 30 Nov 09:00 CET")
	require.Contains(t, post.Text, "Airflow DAG orders_daily failed")
	require.Len(t, rec.dms, 1)
	require.Equal(t, "UCAROL", rec.dms[0].User)
	require.Contains(t, rec.dms[0].Text, "☐ Check the Airflow DAGs")
	require.Contains(t, rec.dms[0].Text, "<https://wiki.example.com/rb|Runbook>")

	require.Empty(t, rec.backlogAsks, "a team without jira_backlog_jql has no backlog to read")
	require.NotContains(t, post.Text, "backlog")

	// The pager was asked about the minute before the handover, now, and
	// the end of the shift.
	require.Len(t, rec.whoAsks, 1)
	at := rec.whoAsks[0].At
	require.True(t, at[0].Equal(time.Date(2026, 11, 23, 8, 59, 0, 0, berlin)), at[0].String())
	require.True(t, at[1].Equal(start), at[1].String())
	require.True(t, at[2].Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)), at[2].String())
}

func TestHandoverSamePersonAgain(t *testing.T) {
	tm := testTeam()
	tm.Pager.Rotation.Shift = "2w"
	// 9 Nov is the second week of bob's two-week shift that started 2 Nov.
	env, rec := newEnv(t, time.Date(2026, 11, 9, 9, 0, 0, 0, berlin))
	res := runHandover(t, env, HandoverInput{Team: tm})

	require.Equal(t, HandoverDone, res.Status)
	require.Equal(t, res.Outgoing, res.OnCall)
	require.Len(t, rec.posts, 1)
	require.Contains(t, rec.posts[0].Text, "<@UBOB> stays on call for another shift.")
	require.NotContains(t, rec.posts[0].Text, "hands the pager")
	require.Equal(t, []string{"UBOB", "ULEAD"}, rec.groups[0].Users)
}

func TestHandoverNobodyOnCall(t *testing.T) {
	// Before the rotation's first shift nobody holds the pager.
	env, rec := newEnv(t, time.Date(2026, 10, 12, 9, 0, 0, 0, berlin))
	res := runHandover(t, env, HandoverInput{Team: testTeam()})

	require.Equal(t, HandoverNobodyOnCall, res.Status)
	require.Empty(t, res.OnCall)
	require.Empty(t, rec.groups, "the user group must not be touched")
	require.Empty(t, rec.topics)
	require.Empty(t, rec.dms)
	require.Len(t, rec.posts, 1)
	require.Equal(t, "handover/data/2026-10-12T07:00:00Z/warning/nobody", rec.posts[0].Key)
	require.Contains(t, rec.posts[0].Text, "nobody on call")
	require.Contains(t, rec.posts[0].Text, "@data-oncall was left as it was")
	require.Len(t, res.Warnings, 1)
}

func TestHandoverUnmappedPerson(t *testing.T) {
	env, rec := newEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), "carol")
	res := runHandover(t, env, HandoverInput{Team: testTeam()})

	require.Equal(t, HandoverUnmapped, res.Status)
	require.Empty(t, rec.groups, "the user group must not be touched")
	require.Len(t, res.Warnings, 1)
	require.Contains(t, res.Warnings[0], "could not find carol (carol@example.com) in Slack")
	// The warning, then the handover message, which names alice in plain text.
	require.Len(t, rec.posts, 2)
	require.Equal(t, "handover/data/2026-11-23T08:00:00Z/warning/unmapped", rec.posts[0].Key)
	require.Contains(t, rec.posts[1].Text, "<@UBOB> hands the pager to carol")
	require.Len(t, rec.topics, 1)
	require.Empty(t, rec.dms, "carol cannot be sent a DM")
}

func TestHandoverRerunOfTheSameShiftUsesTheSameKeys(t *testing.T) {
	// The scheduled run on Monday and a manual one on Wednesday are for the
	// same shift: their posts carry the same keys, so chat holds one of each.
	env1, rec1 := newEnv(t, time.Date(2026, 11, 23, 9, 0, 1, 0, berlin))
	res1 := runHandover(t, env1, HandoverInput{Team: testTeam()})
	env2, rec2 := newEnv(t, time.Date(2026, 11, 25, 14, 30, 0, 0, berlin))
	res2 := runHandover(t, env2, HandoverInput{Team: testTeam()})

	require.True(t, res1.ShiftStart.Equal(res2.ShiftStart))
	require.Equal(t, res1.OnCall, res2.OnCall)
	require.Equal(t, rec1.posts[0].Key, rec2.posts[0].Key)
	require.Equal(t, rec1.dms[0].Key, rec2.dms[0].Key)
	require.Equal(t, rec1.groups, rec2.groups)
	require.Equal(t, rec1.topics, rec2.topics)
}

func TestHandoverExplicitShiftStart(t *testing.T) {
	// A shift start given in the input wins over the clock.
	env, rec := newEnv(t, time.Date(2026, 11, 25, 14, 30, 0, 0, berlin))
	shift := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	res := runHandover(t, env, HandoverInput{Team: testTeam(), ShiftStart: shift})
	require.True(t, res.ShiftStart.Equal(shift))
	require.Equal(t, "handover/data/2026-11-23T08:00:00Z/handover", rec.posts[0].Key)
}

func TestHandoverRefusesAShiftThatHasEnded(t *testing.T) {
	// Wednesday of the week after: the shift of 23 Nov is over, and its
	// pager is no longer carol's to take.
	env, rec := newEnv(t, time.Date(2026, 12, 2, 10, 0, 0, 0, berlin))
	env.ExecuteWorkflow(contract.HandoverWorkflowName, HandoverInput{Team: testTeam(), ShiftStart: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Contains(t, err.Error(), `team "data": the shift from Mon 23 Nov 09:00 CET ended at Mon 30 Nov 09:00 CET; hand over the current shift, which began Mon 30 Nov 09:00 CET, instead`)
	require.Empty(t, rec.whoAsks, "the pager must not be asked")
	require.Empty(t, rec.posts)
	require.Empty(t, rec.groups)
	require.Empty(t, rec.topics)
}

func TestHandoverOfAComingShiftAsksAboutItsStart(t *testing.T) {
	// Run on Sunday for Monday's shift: the pager is asked about Monday.
	env, rec := newEnv(t, time.Date(2026, 11, 22, 18, 0, 0, 0, berlin))
	shift := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	res := runHandover(t, env, HandoverInput{Team: testTeam(), ShiftStart: shift})
	require.Equal(t, []string{"carol"}, res.OnCall)
	require.True(t, rec.whoAsks[0].At[1].Equal(shift), rec.whoAsks[0].At[1].String())
}

func TestHandoverAcrossDSTChanges(t *testing.T) {
	tests := []struct {
		name           string
		start          time.Time
		wantShiftUTC   string
		wantOutgoingAt time.Time
		wantTopic      string
		wantOnCall     string
	}{
		{
			// Summer time ended on Sunday 25 Oct 2026: the week before was
			// 169 hours long, and 09:00 is now 08:00 UTC, not 07:00.
			name:           "first Monday after the end of summer time",
			start:          time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
			wantShiftUTC:   "2026-10-26T08:00:00Z",
			wantOutgoingAt: time.Date(2026, 10, 26, 7, 59, 0, 0, time.UTC),
			wantTopic:      "On call: @bob until Mon 2 Nov 09:00 CET",
			wantOnCall:     "bob",
		},
		{
			// Summer time starts on Sunday 29 Mar 2026: the shift from 23 Mar
			// ends at 09:00 CEST, 07:00 UTC.
			name:           "the week that holds the start of summer time",
			start:          time.Date(2026, 3, 25, 12, 0, 0, 0, berlin),
			wantShiftUTC:   "2026-03-23T08:00:00Z",
			wantOutgoingAt: time.Date(2026, 3, 23, 7, 59, 0, 0, time.UTC),
			wantTopic:      "On call: @alice until Mon 30 Mar 09:00 CEST",
			wantOnCall:     "alice",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := testTeam()
			tm.Pager.Rotation.Start = "2026-03-02T09:00"
			if tc.start.After(time.Date(2026, 10, 1, 0, 0, 0, 0, berlin)) {
				tm.Pager.Rotation.Start = "2026-10-19T09:00"
			}
			env, rec := newEnv(t, tc.start)
			res := runHandover(t, env, HandoverInput{Team: tm})
			require.Equal(t, tc.wantShiftUTC, res.ShiftStart.UTC().Format(time.RFC3339))
			require.Equal(t, []string{tc.wantOnCall}, res.OnCall)
			require.True(t, rec.whoAsks[0].At[0].Equal(tc.wantOutgoingAt), rec.whoAsks[0].At[0].String())
			require.Equal(t, tc.wantTopic, rec.topics[0].Topic)
			require.Equal(t, 7*24*time.Hour, res.ShiftEnd.Sub(res.ShiftStart).Round(24*time.Hour))
		})
	}
}

func TestHandoverRejectsABadTeam(t *testing.T) {
	tm := testTeam()
	tm.TimeZone = "Mars/Olympus"
	env, rec := newEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, berlin))
	env.ExecuteWorkflow(contract.HandoverWorkflowName, HandoverInput{Team: tm})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Contains(t, err.Error(), `team "data": timezone: unknown time zone "Mars/Olympus"`)
	require.Empty(t, rec.posts)
	require.Empty(t, rec.groups)
}

// withBacklog is testTeam with an on-call backlog in Jira.
func withBacklog() team.Team {
	tm := testTeam()
	jql := "project = DATA AND labels = oncall-backlog AND statusCategory != Done"
	tm.Incidents.JiraBacklogJQL = &jql
	return tm
}

func TestHandoverListsTheBacklog(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 5, 0, berlin)
	env, rec := newEnv(t, start)
	rec.backlog = activities.BacklogResult{Issues: []tickets.Found{
		{Key: "DATA-4", Summary: "Alert on late loads", Priority: "Highest", Status: "In Progress", URL: "https://example.atlassian.net/browse/DATA-4"},
		{Key: "DATA-2", Summary: "Backfill <orders> & retry", Priority: "High", Status: "To Do", URL: "https://example.atlassian.net/browse/DATA-2"},
	}}
	res := runHandover(t, env, HandoverInput{Team: withBacklog()})

	require.Equal(t, HandoverDone, res.Status)
	require.Empty(t, res.Warnings)
	require.Equal(t, []activities.BacklogInput{{JQL: "project = DATA AND labels = oncall-backlog AND statusCategory != Done", Limit: 5}}, rec.backlogAsks)
	require.Len(t, rec.posts, 1)
	require.Contains(t, rec.posts[0].Text, "Airflow DAG orders_daily failed")
	require.Contains(t, rec.posts[0].Text, "\nOn-call backlog for a quiet week:"+
		"\n• <https://example.atlassian.net/browse/DATA-4|DATA-4> Alert on late loads (Highest)"+
		"\n• <https://example.atlassian.net/browse/DATA-2|DATA-2> Backfill &lt;orders&gt; &amp; retry (High)")

	// An empty backlog says so.
	env, rec = newEnv(t, start)
	runHandover(t, env, HandoverInput{Team: withBacklog()})
	require.Contains(t, rec.posts[0].Text, "\nThe on-call backlog is empty.")

	// Without Jira (the console tracker) there is no backlog to list.
	env, rec = newEnv(t, start)
	rec.backlog = activities.BacklogResult{NoJira: true}
	res = runHandover(t, env, HandoverInput{Team: withBacklog()})
	require.Len(t, rec.backlogAsks, 1)
	require.NotContains(t, rec.posts[0].Text, "backlog")
	require.Empty(t, res.Warnings)
}

// A Jira that refuses the query, or keeps failing, costs the handover a
// line saying why, and seconds: the post, the checklist and the rest go
// out as ever.
func TestHandoverWhenTheBacklogCannotBeRead(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		wantReason string
		wantTries  int
	}{
		{
			name:       "refused",
			err:        temporal.NewNonRetryableApplicationError("Jira search: HTTP 400: Field 'universe' does not exist or you do not have permission to view it: check jira_backlog_jql in the team file", "JiraBadRequest", nil),
			wantReason: "Jira search: HTTP 400: Field 'universe' does not exist or you do not have permission to view it: check jira_backlog_jql in the team file",
			wantTries:  1,
		},
		{
			name:       "down",
			err:        temporal.NewApplicationError("Jira search: HTTP 503: Service Unavailable", "JiraUnavailable"),
			wantReason: "Jira search: HTTP 503: Service Unavailable",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 11, 23, 9, 0, 5, 0, berlin)
			env, rec := newEnv(t, start)
			rec.backlogErr = tc.err
			var postedAt time.Time
			env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
				if info.ActivityType.Name == "PostMessage" {
					postedAt = env.Now()
				}
			})
			res := runHandover(t, env, HandoverInput{Team: withBacklog()})

			require.Equal(t, HandoverDone, res.Status)
			require.True(t, res.MessagePosted && res.ChecklistSent, "%+v", res)
			require.Len(t, rec.posts, 1)
			require.Contains(t, rec.posts[0].Text, "Airflow DAG orders_daily failed")
			require.Contains(t, rec.posts[0].Text, "\nThe on-call backlog could not be read from Jira: "+tc.wantReason+".")
			require.NotContains(t, rec.posts[0].Text, "quiet week")
			require.Equal(t, []string{"the on-call backlog could not be read from Jira: " + tc.wantReason}, res.Warnings)
			if tc.wantTries > 0 {
				require.Len(t, rec.backlogAsks, tc.wantTries)
			} else {
				require.Greater(t, len(rec.backlogAsks), 2, "a failing Jira is tried again within the seconds the handover gives it")
			}
			require.LessOrEqual(t, postedAt.Sub(start), 30*time.Second, "the post waited %s for Jira", postedAt.Sub(start))
		})
	}
}

// Open support requests pass to the incoming person: listed in the
// handover post and in their checklist. A list that cannot be read costs
// the post its line, with a warning, and nothing else.
func TestHandoverPassesOpenSupportRequests(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 5, 0, berlin)
	env, rec := newEnv(t, start)
	rec.requests = activities.OpenSupportRequestsResult{Requests: []support.Request{
		{ID: "support:data:C0HELP:1.1", Text: "is the orders table late?", Asker: "UASKER", Channel: "C0HELP",
			Opened: time.Date(2026, 11, 20, 16, 0, 0, 0, berlin), State: support.StateNew, Link: "https://fake.slack.com/archives/C0HELP/p1"},
		{ID: "support:data:ask:k1", Text: "rerun the dashboard", Asker: "UASKER", Opened: time.Date(2026, 11, 22, 10, 0, 0, 0, berlin),
			State: support.StateTaken, Taken: &support.Answer{By: "bob", ByChat: "UBOB"}},
	}}
	res := runHandover(t, env, HandoverInput{Team: testTeam()})
	require.Equal(t, 2, res.OpenRequests)
	require.Empty(t, res.Warnings)
	for what, text := range map[string]string{"post": rec.posts[0].Text, "checklist": rec.dms[0].Text} {
		require.Contains(t, text, "Open support requests (2), now yours:", what)
		require.Contains(t, text, "• 🔴 <https://fake.slack.com/archives/C0HELP/p1|is the orders table late?> from <@UASKER> (since Fri 20 Nov 16:00 CET)", what)
		require.Contains(t, text, "• 🟡 rerun the dashboard from <@UASKER>, taken by <@UBOB>", what)
	}

	env, rec = newEnv(t, start)
	rec.requestsErr = errors.New("visibility is down")
	res = runHandover(t, env, HandoverInput{Team: testTeam()})
	require.Equal(t, HandoverDone, res.Status)
	require.Contains(t, res.Warnings, "the open support requests could not be listed")
	require.NotContains(t, rec.posts[0].Text, "support requests")
	require.Contains(t, rec.posts[0].Text, "Airflow DAG orders_daily failed")
}
