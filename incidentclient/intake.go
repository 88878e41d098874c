package incidentclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Intake takes an alert from a monitoring system: an alert a team's retry
// rule matches goes to its retry first (contract.RetryID), unless its
// incident is already open; every other goes to its incident (Deliver).
// It returns the workflow ID that took the alert.
func Intake(ctx context.Context, c client.Client, t team.Team, alert workflows.Alert) (string, error) {
	alert = workflows.CapAlert(alert)
	rule, ok := t.RetryFor(string(alert.Severity), alert.Service, alert.AlertName, alert.Details)
	if !ok {
		return Deliver(ctx, c, t, alert)
	}
	incident, err := Locate(ctx, c, t.Name, alert.DedupKey)
	if err != nil {
		return "", err
	}
	desc, err := c.DescribeWorkflowExecution(ctx, incident, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
	case err != nil:
		return "", fmt.Errorf("look for an open incident %s: %w", incident, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return Deliver(ctx, c, t, alert) // retried already, and it paged
	}
	id := contract.RetryWorkflowID(t.Name, alert.DedupKey)
	if alert.Status == workflows.AlertResolved {
		err := c.SignalWorkflow(ctx, id, "", contract.RetryAlertSignal, workflows.AlertSignal{Alert: alert})
		if workflowerr.IsClosed(err) {
			return Deliver(ctx, c, t, alert) // no retry under way: as any resolution
		}
		if err != nil {
			return "", fmt.Errorf("deliver resolution to %s: %w", id, err)
		}
		return id, nil
	}
	_, err = c.SignalWithStartWorkflow(ctx, id, contract.RetryAlertSignal, workflows.AlertSignal{Alert: alert},
		startOptions(id, t, alert, workflows.RetryStateRetrying,
			map[string]any{contract.RetryMemoKey: summary.Retried{Alert: cmp.Or(alert.AlertName, alert.Summary)}},
			"Retry before paging: "), contract.RetryWorkflowName, workflows.RetryInput{Team: t.Slim(), Rule: rule})
	if err != nil {
		return "", fmt.Errorf("deliver alert to %s: %w", id, err)
	}
	return id, nil
}
