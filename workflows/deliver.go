package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// DeliverRequest is the input of contract.DeliverAlertActivity: an alert
// for one team, delivered as a webhook's alert is.
type DeliverRequest struct {
	Team  team.Team `json:"team"`
	Alert Alert     `json:"alert"`
}

// deliverAlert delivers an alert to its incident as the gateway does,
// from a workflow (a heartbeat's monitor, a check, a retry), tried again
// until Temporal takes it, or for at most within when within is set. Its
// future answers the incident's workflow ID.
func deliverAlert(ctx workflow.Context, t team.Team, a Alert, within time.Duration) workflow.Future {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: within,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
		Summary:                fmt.Sprintf("%s: %s", a.Status, a.Summary),
	})
	return workflow.ExecuteActivity(actx, contract.DeliverAlertActivity, DeliverRequest{Team: t, Alert: a})
}
