// Package workflows holds Baton's deterministic orchestration: the weekly
// handover, the incident, the weekly summary, and the names (signals, queries, search attributes, IDs) that
// the worker, the gateway, the starter and the tests share.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// a is never called: its method values name activities, so that every
// ExecuteActivity call is checked by the compiler.
var a *activities.Activities

// RegisterPhone registers the activities of the phone's task queue
// (contract.PhoneTaskQueue) on its worker.
func RegisterPhone(r worker.Registry, acts *activities.Activities) {
	r.RegisterActivity(acts.SendSMS)
	r.RegisterActivity(acts.PlaceCall)
}

// Register registers Baton's workflows and activities. The worker, the dev
// stack and the tests all use it, so they cannot drift apart.
func Register(r worker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}

// RegisterWorkflows registers Baton's workflows alone: what the replay
// test needs, through the same list the worker uses.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(Handover, workflow.RegisterOptions{Name: contract.HandoverWorkflowName})
	r.RegisterWorkflowWithOptions(Incident, workflow.RegisterOptions{Name: contract.IncidentWorkflowName})
	r.RegisterWorkflowWithOptions(WeeklySummary, workflow.RegisterOptions{Name: contract.SummaryWorkflowName})
	r.RegisterWorkflowWithOptions(Teams, workflow.RegisterOptions{Name: contract.TeamsWorkflowName})
	r.RegisterWorkflowWithOptions(Roster, workflow.RegisterOptions{Name: contract.RosterWorkflowName})
	r.RegisterWorkflowWithOptions(PageQuota, workflow.RegisterOptions{Name: contract.PageQuotaWorkflowName})
	r.RegisterWorkflowWithOptions(PhoneLine, workflow.RegisterOptions{Name: contract.PhoneLineWorkflowName})
	r.RegisterWorkflowWithOptions(Receipt, workflow.RegisterOptions{Name: contract.ReceiptWorkflowName})
	r.RegisterWorkflowWithOptions(HeartbeatMonitor, workflow.RegisterOptions{Name: contract.HeartbeatWorkflowName})
	r.RegisterWorkflowWithOptions(Check, workflow.RegisterOptions{Name: contract.CheckWorkflowName})
	r.RegisterWorkflowWithOptions(RetryBeforePaging, workflow.RegisterOptions{Name: contract.RetryWorkflowName})
	r.RegisterWorkflowWithOptions(StormDesk, workflow.RegisterOptions{Name: contract.StormDeskWorkflowName})
	r.RegisterWorkflowWithOptions(Silences, workflow.RegisterOptions{Name: contract.SilencesWorkflowName})
	r.RegisterWorkflowWithOptions(SupportRequest, workflow.RegisterOptions{Name: contract.SupportWorkflowName})
	r.RegisterWorkflowWithOptions(ScheduledDrill, workflow.RegisterOptions{Name: contract.DrillWorkflowName})
}

// withActivity returns ctx with Baton's activity options and a summary that
// the Web UI shows on the activity, so the history reads as a timeline.
func withActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// Vendors' outages are retried for up to two hours; errors a retry
		// cannot fix (bad key, unknown channel) are non-retryable and end
		// the activity at once.
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    2 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Minute,
		},
		Summary: summary,
	})
}

// badTeam is a team file a workflow cannot run on: no retry can fix it, so
// the run fails at once and says why.
func badTeam(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", nil)
}

// teamLocation is the team's time zone, once the team is checked valid.
func teamLocation(t team.Team) (*time.Location, error) {
	if err := t.Validate(); err != nil {
		return nil, badTeam(err)
	}
	loc, err := t.Location()
	if err != nil {
		return nil, badTeam(err)
	}
	return loc, nil
}
