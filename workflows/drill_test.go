package workflows

import (
	"context"
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

// scheduledDrill runs one scheduled drill from start, with carol on call
// in Los Angeles (default hours: 09:00-17:00 there, Monday to Friday).
func scheduledDrill(t *testing.T, start time.Time, inWorkingHours bool) (DrillResult, []Alert) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(ScheduledDrill, workflow.RegisterOptions{Name: contract.DrillWorkflowName})
	carol := team.Person{ID: "carol", TimeZone: "America/Los_Angeles"}
	env.RegisterActivityWithOptions(func(context.Context, activities.WhoIsOnCallInput) (activities.WhoIsOnCallResult, error) {
		return activities.WhoIsOnCallResult{OnCall: [][]team.Person{{carol}}}, nil
	}, activity.RegisterOptions{Name: "WhoIsOnCall"})
	var delivered []Alert
	env.RegisterActivityWithOptions(func(_ context.Context, req DeliverRequest) (string, error) {
		delivered = append(delivered, req.Alert)
		return contract.DrillIncidentWorkflowID(req.Team.Name, req.Alert.DedupKey), nil
	}, activity.RegisterOptions{Name: contract.DeliverAlertActivity})
	tm := incidentTeam()
	tm.Drills = &team.Drills{Every: "4w", InWorkingHours: inWorkingHours}
	return runWorkflow[DrillResult](t, env, contract.DrillWorkflowName, DrillInput{Team: tm}), delivered
}

// A drill due in the night of the person on call waits for their working
// morning, in their own zone; one due in their working hours goes at
// once.
func TestAScheduledDrillGoesInTheWorkingHoursOfThePersonOnCall(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	night := time.Date(2026, 11, 27, 23, 0, 0, 0, la) // a Friday night: Monday morning next
	res, delivered := scheduledDrill(t, night, true)
	monday := time.Date(2026, 11, 30, 9, 0, 0, 0, la)
	require.True(t, res.At.Equal(monday), "drill at %s, want %s", res.At, monday)
	require.Len(t, delivered, 1)
	require.NotNil(t, delivered[0].Drill)
	require.Equal(t, SeverityCritical, delivered[0].Severity)
	require.Equal(t, contract.DrillIncidentWorkflowID("data", "20261130T170000Z"), res.Incident)

	tuesday := time.Date(2026, 12, 1, 11, 0, 0, 0, la)
	res, _ = scheduledDrill(t, tuesday, true)
	require.True(t, res.At.Equal(tuesday), "drill at %s, want at once", res.At)

	res, _ = scheduledDrill(t, night, false)
	require.True(t, res.At.Equal(night), "without in_working_hours the drill goes when it is due, at %s", res.At)
}
