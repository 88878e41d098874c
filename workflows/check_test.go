package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

func checkInput() CheckInput {
	t := testTeam()
	c := team.Check{Name: "orders_fresh", Kind: team.CheckFreshness, Every: "5m", DatabaseURLEnv: "WAREHOUSE_URL",
		Query: "select max(loaded_at) from orders", MaxAge: "24h", Service: "warehouse"}
	t.Checks = []team.Check{c}
	return CheckInput{Team: t, Check: c}
}

func result(outcome, detail string, minute int) activities.CheckResult {
	return activities.CheckResult{Outcome: outcome, Detail: detail, At: hbStart.Add(time.Duration(minute) * time.Minute)}
}

// steps runs results through stepCheck as successive runs do, every alert
// delivered, and returns the alerts of each run.
func steps(t *testing.T, in CheckInput, results ...activities.CheckResult) (CheckState, [][]Alert) {
	t.Helper()
	var s CheckState
	var out [][]Alert
	for _, r := range results {
		next, alerts := stepCheck(s, r, in, berlin)
		var run []Alert
		for _, a := range alerts {
			a.delivered(&next, contract.IncidentWorkflowID("data", a.alert.DedupKey))
			run = append(run, a.alert)
		}
		s, out = next, append(out, run)
	}
	return s, out
}

// The second failure in a row opens the incident, a third adds nothing,
// and the first pass resolves it; a failure between passes pages nobody.
func TestACheckFiresAfterFailuresInARowAndResolvesWhenItPasses(t *testing.T) {
	in := checkInput()
	stale := "is stale: its newest row is 26h10m old, more than 24h"
	s, runs := steps(t, in,
		result(activities.CheckFailed, stale, 0),
		result(activities.CheckPassed, "is fresh: its newest row is 1h old", 5),
		result(activities.CheckFailed, stale, 10),
		result(activities.CheckFailed, stale, 15),
		result(activities.CheckFailed, stale, 20),
		result(activities.CheckPassed, "is fresh: its newest row is 2m old", 25),
	)
	for i, want := range []int{0, 0, 0, 1, 0, 1} {
		require.Len(t, runs[i], want, "run %d", i+1)
	}
	open := runs[3][0]
	require.Equal(t, AlertFiring, open.Status)
	require.Equal(t, "check-orders_fresh", open.DedupKey)
	require.Equal(t, SourceCheck, open.Source)
	require.Equal(t, SeverityHigh, open.Severity)
	require.Equal(t, "warehouse", open.Service)
	require.Equal(t, "orders_fresh "+stale, open.Summary)
	require.Contains(t, open.Description, "2 runs in a row (it runs every 5m")
	requireAt(t, hbStart.Add(15*time.Minute), open.At)
	require.Equal(t, AlertResolved, runs[5][0].Status)
	require.Equal(t, open.DedupKey, runs[5][0].DedupKey)
	require.Empty(t, s.Incident)
	require.Equal(t, 6, s.Runs)
	require.Equal(t, CheckStatePassing, s.State())
}

// A check that cannot run opens its own low incident, never the check's:
// what it watches may be well. It resolves once the check runs again,
// whatever the check then finds.
func TestACheckThatCannotRunSaysSoApart(t *testing.T) {
	in := checkInput()
	in.Check.FailAfter = 3
	cannot := "could not run: WAREHOUSE_URL is not set where the worker runs"
	s, runs := steps(t, in,
		result(activities.CheckCannotRun, cannot, 0),
		result(activities.CheckCannotRun, cannot, 5),
		result(activities.CheckCannotRun, cannot, 10),
		result(activities.CheckFailed, "is stale: its newest row is 30h old, more than 24h", 15),
	)
	require.Len(t, runs[2], 1)
	a := runs[2][0]
	require.Equal(t, "check-orders_fresh-cannot-run", a.DedupKey)
	require.Equal(t, SeverityLow, a.Severity)
	require.Equal(t, AlertFiring, a.Status)
	require.Contains(t, a.Description, "this is not the check failing")
	require.Len(t, runs[3], 1, "the run that ran resolves it, and one failure opens nothing yet")
	require.Equal(t, AlertResolved, runs[3][0].Status)
	require.Equal(t, a.DedupKey, runs[3][0].DedupKey)
	require.Equal(t, 1, s.Failures)
	require.Equal(t, CheckStateFailing, s.State())
}

// An opening that could not be delivered is left undone: the next run
// delivers it.
func TestAnUndeliveredOpeningIsDeliveredByTheNextRun(t *testing.T) {
	in := checkInput()
	failed := result(activities.CheckFailed, "is stale", 0)
	s1, _ := stepCheck(CheckState{Failures: 1}, failed, in, berlin) // delivered() not called: it failed
	_, again := stepCheck(s1, failed, in, berlin)
	require.Len(t, again, 1)
	require.Equal(t, AlertFiring, again[0].alert.Status)
}

// One scheduled run, as the schedule starts it: it reads the last run's
// result, probes, delivers the opening and hands on the incident.
func TestACheckRunReadsTheLastRunAndHandsOnItsState(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(hbStart)
	env.RegisterWorkflowWithOptions(Check, workflow.RegisterOptions{Name: contract.CheckWorkflowName})
	// The worker registers Activities' methods under their own names.
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.RunCheckInput) (activities.CheckResult, error) {
		require.Equal(t, "data", in.Team)
		require.Equal(t, "orders_fresh", in.Check.Name)
		return activities.CheckResult{Outcome: activities.CheckFailed, Detail: "is stale: its newest row is 25h old, more than 24h", At: hbStart}, nil
	}, activity.RegisterOptions{Name: "RunCheck"})
	var delivered []Alert
	env.RegisterActivityWithOptions(func(_ context.Context, req DeliverRequest) (string, error) {
		delivered = append(delivered, req.Alert)
		return contract.IncidentWorkflowID(req.Team.Name, req.Alert.DedupKey), nil
	}, activity.RegisterOptions{Name: contract.DeliverAlertActivity})
	env.SetLastCompletionResult(CheckState{Failures: 1, Runs: 7})
	env.ExecuteWorkflow(contract.CheckWorkflowName, checkInput())
	require.NoError(t, env.GetWorkflowError())
	var got CheckState
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, 2, got.Failures)
	require.Equal(t, 8, got.Runs)
	require.Equal(t, contract.IncidentWorkflowID("data", "check-orders_fresh"), got.Incident)
	require.Len(t, delivered, 1)
	require.True(t, strings.HasPrefix(delivered[0].Summary, "orders_fresh is stale"))
}
