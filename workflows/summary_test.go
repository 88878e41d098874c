package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// summaryStart is the Monday handover that ends the week of 23 Nov.
var summaryStart = time.Date(2026, 11, 30, 9, 0, 2, 0, berlin)

type summaryCalls struct {
	compute []activities.SummaryInput
	posts   []activities.PostSummaryInput
	dms     []timed[activities.SendDMInput]
	reads   []timed[activities.RetroNotesInput]
	tickets []tickets.Issue
	replies []activities.PostMessageInput
}

func newSummaryEnv(t *testing.T, notes ...string) (*testsuite.TestWorkflowEnvironment, *summaryCalls) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(summaryStart)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.SummaryWorkflowID("data", time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))})
	Register(env, &activities.Activities{})
	c := &summaryCalls{}
	env.OnActivity(a.ComputeSummary, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SummaryInput) (activities.SummaryResult, error) {
			c.compute = append(c.compute, in)
			rep := summary.Report{Team: "data", TimeZone: "Europe/Berlin", Shift: in.Shift}
			rep.Incidents.Total = 3
			return activities.SummaryResult{Report: rep, Outgoing: []string{"alice", "ghost@example.com"}}, nil
		})
	env.OnActivity(a.PostSummary, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PostSummaryInput) (activities.PostSummaryResult, error) {
			c.posts = append(c.posts, in)
			return activities.PostSummaryResult{Channel: in.Channel, TS: "1764489602.000100", Link: "https://slack.example.com/archives/C0DATA/p1764489602000100"}, nil
		})
	env.OnActivity(a.ResolveChatUsers, mock.Anything, mock.Anything).Return(chatUsers("ghost@example.com"))
	env.OnActivity(a.SendDM, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SendDMInput) (activities.PostMessageResult, error) {
			c.dms = append(c.dms, timed[activities.SendDMInput]{At: env.Now(), In: in})
			return activities.PostMessageResult{Channel: "D0" + in.User, TS: "1764489603.000100"}, nil
		})
	env.OnActivity(a.RetroNotes, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RetroNotesInput) (activities.RetroNotesResult, error) {
			c.reads = append(c.reads, timed[activities.RetroNotesInput]{At: env.Now(), In: in})
			var r activities.RetroNotesResult
			for _, n := range notes {
				r.Notes = append(r.Notes, chat.Reply{User: "UALICE", Text: n})
			}
			return r, nil
		})
	env.OnActivity(a.FileTicket, mock.Anything, mock.Anything).Return(
		keeping(&c.tickets, tickets.Ticket{Key: "DATA-9", URL: "https://jira.example.com/browse/DATA-9"})).Maybe()
	env.OnActivity(a.PostMessage, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PostMessageInput) (activities.PostMessageResult, error) {
			c.replies = append(c.replies, in)
			return activities.PostMessageResult{Channel: in.Channel, TS: "1764576000.000100"}, nil
		})
	return env, c
}

func runSummary(t *testing.T, env *testsuite.TestWorkflowEnvironment, in SummaryInput) SummaryResult {
	t.Helper()
	return runWorkflow[SummaryResult](t, env, contract.SummaryWorkflowName, in)
}

func TestWeeklySummaryPostsAsksForNotesAndFilesTheRetrospective(t *testing.T) {
	tm := testTeam()
	tm.Incidents.JiraProject = "DATA"
	env, c := newSummaryEnv(t, "Three pages for the same DAG: fix its retries", "The runbook link was stale")
	res := runSummary(t, env, SummaryInput{Team: tm})

	// The shift that just ended, and the one before for the trend.
	require.Len(t, c.compute, 1)
	in := c.compute[0]
	require.True(t, in.Shift.Start.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)))
	require.True(t, in.Shift.End.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)))
	require.Equal(t, "2026-W48", in.Shift.Week)
	require.True(t, in.Previous.Start.Equal(time.Date(2026, 11, 16, 9, 0, 0, 0, berlin)))
	require.Equal(t, "handover-data-2026-11-23T08:00:00Z", in.HandoverWorkflowID)

	require.Len(t, c.posts, 1)
	require.Equal(t, "C0DATA", c.posts[0].Channel)
	require.Equal(t, 3, c.posts[0].Report.Incidents.Total)
	require.Equal(t, "https://slack.example.com/archives/C0DATA/p1764489602000100", res.Link)

	// Only the outgoing person found in chat is asked, with the link and
	// the deadline; the notes are read when the wait is over.
	require.Len(t, c.dms, 1)
	require.Equal(t, "UALICE", c.dms[0].In.User)
	require.Contains(t, c.dms[0].In.Text, res.Link)
	require.Contains(t, c.dms[0].In.Text, "before Tue 1 Dec 09:00 CET")
	require.Len(t, c.reads, 1)
	require.Equal(t, activities.RetroNotesInput{Channel: "D0UALICE", TS: "1764489603.000100"}, c.reads[0].In)
	require.Equal(t, summaryStart.Add(DefaultNotesWait), c.reads[0].At.In(berlin))

	require.Len(t, c.tickets, 1)
	issue := c.tickets[0]
	require.Equal(t, "DATA", issue.Project)
	require.Equal(t, "On-call retrospective of data, 2026-W48 (23 Nov to 30 Nov)", issue.Summary)
	require.Contains(t, issue.Description, "On-call summary: data, week 2026-W48")
	require.Contains(t, issue.Description, "- alice: Three pages for the same DAG: fix its retries\n- alice: The runbook link was stale\n")
	require.Equal(t, "DATA-9", res.Retrospective.Key)
	require.Equal(t, 2, res.Notes)

	require.Len(t, c.replies, 1)
	require.Equal(t, "1764489602.000100", c.replies[0].ThreadTS)
	require.Equal(t, "Retrospective filed: https://jira.example.com/browse/DATA-9 (2 notes)", c.replies[0].Text)
}

func TestWeeklySummaryWithoutJiraKeepsTheNotesInTheThread(t *testing.T) {
	env, c := newSummaryEnv(t)
	res := runSummary(t, env, SummaryInput{Team: testTeam(), NotesWait: 2 * time.Hour})

	require.Empty(t, c.tickets)
	require.Equal(t, summaryStart.Add(2*time.Hour), c.reads[0].At.In(berlin))
	require.Zero(t, res.Notes)
	require.Len(t, c.replies, 1)
	require.Equal(t, "Retrospective notes:\nNo notes were left.\n", c.replies[0].Text)
}

func TestWeeklySummaryOfAnEarlierWeek(t *testing.T) {
	env, c := newSummaryEnv(t)
	end, err := ShiftEndOfWeek(testTeam(), "2026-W47")
	require.NoError(t, err)
	runSummary(t, env, SummaryInput{Team: testTeam(), ShiftEnd: end})
	require.True(t, c.compute[0].Shift.Start.Equal(time.Date(2026, 11, 16, 9, 0, 0, 0, berlin)))
	require.Equal(t, "2026-W47", c.compute[0].Shift.Week)
}

func TestShiftEndOfWeek(t *testing.T) {
	tm := testTeam() // Monday 09:00 Berlin
	for _, tc := range []struct {
		week string
		want time.Time
	}{
		{"2026-W47", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)},
		{"2026-W01", time.Date(2026, 1, 5, 9, 0, 0, 0, berlin)}, // week 1 starts Mon 29 Dec 2025
		{"2026-W13", time.Date(2026, 3, 30, 9, 0, 0, 0, berlin)},
		{"2020-W53", time.Date(2021, 1, 4, 9, 0, 0, 0, berlin)},
	} {
		got, err := ShiftEndOfWeek(tm, tc.week)
		require.NoError(t, err, tc.week)
		require.True(t, got.Equal(tc.want), "%s: got %s, want %s", tc.week, got, tc.want)
	}
	// A Friday handover: the shift starting on that week's Friday.
	tm.Handover = team.HandoverTime{Weekday: "friday", Time: "16:00"}
	got, err := ShiftEndOfWeek(tm, "2026-W47")
	require.NoError(t, err)
	require.True(t, got.Equal(time.Date(2026, 11, 27, 16, 0, 0, 0, berlin)), "got %s", got)

	for _, bad := range []string{"", "2026-47", "2026-W00", "2026-W54", "2025-W53", "W47", "2026-Wx"} {
		_, err := ShiftEndOfWeek(testTeam(), bad)
		require.Error(t, err, bad)
	}
}

func TestHandoverLinksTheLastSummary(t *testing.T) {
	env, rec := newEnv(t, time.Date(2026, 11, 30, 9, 0, 5, 0, berlin))
	rec.summaryLink = activities.SummaryLinkResult{Link: "https://slack.example.com/archives/C0DATA/p1"}
	res := runHandover(t, env, HandoverInput{Team: testTeam()})
	require.Equal(t, []activities.SummaryLinkInput{{WorkflowID: "summary-data-2026-11-30T08:00:00Z", MemoKey: contract.SummaryLinkMemoKey}}, rec.linkAsks)
	var msg string
	for _, p := range rec.posts {
		if strings.Contains(p.Text, "On-call handover") {
			msg = p.Text
		}
	}
	require.Contains(t, msg, "The last shift in numbers: https://slack.example.com/archives/C0DATA/p1")
	require.Empty(t, res.Warnings)
}

// A summary that never gets posted delays the handover by minutes at most,
// with a warning, and the handover goes on.
func TestHandoverGoesOnWithoutASummaryLink(t *testing.T) {
	start := time.Date(2026, 11, 30, 9, 0, 5, 0, berlin)
	env, rec := newEnv(t, start)
	rec.summaryLinkErr = errors.New("the summary is running and not posted yet")
	res := runHandover(t, env, HandoverInput{Team: testTeam()})
	require.Contains(t, res.Warnings, "the last shift's summary was not posted in time to link it")
	require.True(t, res.MessagePosted)
	for _, p := range rec.posts {
		require.NotContains(t, p.Text, "The last shift in numbers")
	}
	require.LessOrEqual(t, env.Now().Sub(start), 6*time.Minute)
}
