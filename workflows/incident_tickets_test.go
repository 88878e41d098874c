package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// The RCA ticket is filed once, at the resolve, with the timeline; the
// daily reminder asks Jira first, and a ticket resolved there closes the
// incident without another reminder.
func TestRCATicketIsFiledAndItsResolutionClosesTheIncident(t *testing.T) {
	tm := incidentTeam()
	tm.Incidents.JiraProject = "DATA"
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	var filed []timed[tickets.Issue]
	env.OnActivity(a.FileTicket, mock.Anything, mock.Anything).Return(
		recording(s, nil, &filed, tickets.Ticket{Key: "DATA-7", URL: "https://jira.example.com/browse/DATA-7"}))
	var asked []time.Time
	env.OnActivity(a.TicketResolved, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.TicketResolvedInput) (activities.TicketResolvedResult, error) {
			require.Equal(t, "DATA-7", in.Key)
			asked = append(asked, env.Now().In(berlin))
			// Resolved in Jira on the second working day.
			return activities.TicketResolvedResult{Resolved: len(asked) == 2}, nil
		})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 30*time.Minute, act(t, env, ActionResolve, "UALICE"))
	sum := runTeamIncident(t, env, tm, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, filed, 1)
	require.Equal(t, incidentStart.Add(30*time.Minute), filed[0].At.In(berlin))
	issue := filed[0].In
	require.Equal(t, "DATA", issue.Project)
	require.Equal(t, "RCA: [CRITICAL] orders_daily DAG failed", issue.Summary)
	require.Contains(t, issue.Description, "Paged @data-oncall")
	require.Contains(t, issue.Description, "Acknowledged by @UALICE")
	require.Contains(t, issue.Description, "Root cause")
	require.NotEmpty(t, issue.DedupKey)
	require.Equal(t, "DATA-7", sum.RCATicket)
	require.NotEmpty(t, s.postsWith("RCA ticket filed: https://jira.example.com/browse/DATA-7"))

	// Tuesday 14:30 resolve: Jira is asked at 10:00 on Wednesday (not
	// done: a reminder) and Thursday (done: closed, no reminder).
	wed := time.Date(2026, 11, 25, 10, 0, 0, 0, berlin)
	thu := time.Date(2026, 11, 26, 10, 0, 0, 0, berlin)
	require.Equal(t, []time.Time{wed, thu}, asked)
	var reminders []time.Time
	for _, dm := range s.dms {
		if strings.Contains(dm.In.Text, "The RCA of") {
			reminders = append(reminders, dm.At.In(berlin))
		}
	}
	require.Equal(t, []time.Time{wed}, reminders)
	require.Equal(t, thu, sum.Closed.In(berlin))
	require.NotEmpty(t, s.postsWith("RCA ticket DATA-7 is resolved: RCA done"))
}

// A Jira outage at the resolve costs the ticket, noted in the thread, and
// nothing else: the RCA reminders still run.
func TestRCATicketFailureIsNotedAndRemindersGoOn(t *testing.T) {
	tm := incidentTeam()
	tm.Incidents.JiraProject = "NOPE"
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	env.OnActivity(a.FileTicket, mock.Anything, mock.Anything).Return(tickets.Ticket{},
		temporal.NewNonRetryableApplicationError("Jira refused the issue: project NOPE does not exist", "JiraBadRequest", nil))
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, tm, alertOf(SeverityHigh, AlertFiring))

	require.Empty(t, sum.RCATicket)
	require.NotEmpty(t, s.postsWith("The ticket tracker is failing (file the RCA ticket: Jira refused the issue: project NOPE does not exist)"))
	require.NotEmpty(t, s.postsWith("RCA reminder sent to alice"), "the reminders go on")
	require.False(t, sum.Closed.IsZero())
}

// opsgenieIncident is an incident of a team paged through the Opsgenie
// schedule data_schedule, on which primary is on call and secondary next.
func opsgenieIncident(t *testing.T, primary, secondary string) (team.Team, *testsuite.TestWorkflowEnvironment, *sent) {
	tm := incidentTeam()
	tm.Pager = team.Pager{OpsgenieSchedule: "data_schedule"}
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	p, _ := tm.Person(primary)
	sec, _ := tm.Person(secondary)
	env.OnActivity(a.WhoIsOnCall, mock.Anything, mock.Anything).Return(
		activities.WhoIsOnCallResult{OnCall: [][]team.Person{{p}, {sec}}}, nil)
	return tm, env, s
}

// A team paged through an Opsgenie schedule also gets an Opsgenie alert
// per page, aliased with the incident's key, closed when Baton resolves.
func TestOpsgenieAlertFollowsThePage(t *testing.T) {
	tm, env, s := opsgenieIncident(t, "alice", "bob")
	var opened []timed[pager.AlertRequest]
	var closed []timed[activities.CloseOpsgenieAlertInput]
	env.OnActivity(a.OpenOpsgenieAlert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in pager.AlertRequest) error {
			record(s, &opened, in)
			return nil
		})
	env.OnActivity(a.CloseOpsgenieAlert, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CloseOpsgenieAlertInput) error {
			record(s, &closed, in)
			return nil
		})
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	sum := runTeamIncident(t, env, tm, alertOf(SeverityCritical, AlertFiring))

	require.Len(t, opened, 1)
	require.Equal(t, incidentStart, opened[0].At.In(berlin))
	require.Equal(t, pager.AlertRequest{
		Alias: "fp1", Message: "orders_daily DAG failed", Priority: "P1", Team: "data", Schedule: "data_schedule",
		Entity: "airflow", Details: map[string]string{"baton_incident": contract.IncidentWorkflowID("data", "fp1")},
	}, opened[0].In)
	require.Len(t, closed, 1)
	require.Equal(t, incidentStart.Add(30*time.Minute), closed[0].At.In(berlin))
	require.Equal(t, "fp1", closed[0].In.Alias)
	require.NotEmpty(t, s.postsWith("Opsgenie alert opened for schedule data_schedule"))
	require.NotEmpty(t, s.postsWith("Opsgenie alert closed"))
	require.Equal(t, "Opsgenie alert closed", lastOf(t, s, "Opsgenie alert"))
	require.False(t, sum.Closed.IsZero())
}

// An alert that came from Opsgenie rings there already: no second alert.
func TestAlertFromOpsgenieOpensNoSecondAlert(t *testing.T) {
	tm, env, _ := opsgenieIncident(t, "alice", "alice")
	// Mocked, so that a call is counted: an unmocked activity would run
	// the real one, which no assertion on the mock sees.
	var opened int
	env.OnActivity(a.OpenOpsgenieAlert, mock.Anything, mock.Anything).Return(
		func(context.Context, pager.AlertRequest) error { opened++; return nil }).Maybe()
	at(env, 5*time.Minute, act(t, env, ActionAck, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	first := alertOf(SeverityCritical, AlertFiring)
	first.Alert.Source = SourceOpsgenie
	runTeamIncident(t, env, tm, first)
	require.Zero(t, opened, "an alert from Opsgenie opened a second one there")
}

// Pages, SMS and calls are kept per person with their instant, for the
// weekly summary's night count.
func TestInterruptionsAreRecordedPerPerson(t *testing.T) {
	sum, _ := ackedIncident(t, SeverityCritical, 21*time.Minute, "UALICE", 30*time.Minute)

	var got []string
	for _, i := range sum.Interruptions {
		got = append(got, i.At.In(berlin).Format("15:04")+" "+i.Kind+" "+i.Person)
	}
	// The secondary's SMS and call share an instant and go out side by
	// side: their order is whichever finished first.
	require.ElementsMatch(t, []string{
		"14:00 page alice", "14:10 sms alice", "14:15 call alice", "14:20 sms bob", "14:20 call bob",
	}, got)
	require.Equal(t, summary.KindPage, sum.Interruptions[0].Kind)
}

func lastOf(t *testing.T, s *sent, substr string) string {
	t.Helper()
	posts := s.postsWith(substr)
	require.NotEmpty(t, posts)
	text := posts[len(posts)-1].In.Text
	return text[strings.Index(text, substr):]
}
