// Package handoverclient is how the gateway and the starter reach handover
// workflows: find the handovers still waiting for the incoming person to
// accept, and accept one. A refusal wraps workflowerr.ErrRefused.
package handoverclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/workflows"
)

// Accept accepts a handover as the person by (a person ID, or a chat user
// ID), via "phone", "slack" or "starter", and returns what the handover
// says back.
func Accept(ctx context.Context, c client.Client, workflowID, by, via string) (string, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   contract.HandoverAcceptUpdate,
		Args:         []any{workflows.AcceptRequest{By: by, Via: via}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res workflows.AcceptResult
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	switch {
	case err == nil:
		return res.Message, nil
	case workflowerr.IsClosed(err):
		return "", fmt.Errorf("%w: the handover %s is over", workflowerr.ErrRefused, workflowID)
	}
	if err := workflowerr.Refused(err); errors.Is(err, workflowerr.ErrRefused) {
		return "", err
	}
	return "", fmt.Errorf("accept %s: %w", workflowID, err)
}

// Pending is a handover waiting for one of its incoming people to accept.
type Pending struct {
	WorkflowID string
	Started    time.Time
	// OnCall are the incoming people.
	OnCall []string
}

// ListPending lists a team's handovers that wait for person to accept.
func ListPending(ctx context.Context, c client.Client, teamName, person string) ([]Pending, error) {
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = %q AND %s = %q AND ExecutionStatus = 'Running'",
			contract.HandoverWorkflowName, contract.TeamKey.GetName(), teamName),
		PageSize: 20,
	})
	if err != nil {
		return nil, fmt.Errorf("list handovers of %s: %w", teamName, err)
	}
	var out []Pending
	for _, e := range resp.GetExecutions() {
		id := e.GetExecution().GetWorkflowId()
		v, err := c.QueryWorkflow(ctx, id, "", contract.HandoverStatusQuery)
		if err != nil {
			continue
		}
		var st workflows.HandoverResult
		if err := v.Get(&st); err != nil || st.Acceptance != workflows.AcceptanceWaiting || !slices.Contains(st.OnCall, person) {
			continue
		}
		out = append(out, Pending{WorkflowID: id, Started: e.GetStartTime().AsTime(), OnCall: st.OnCall})
	}
	return out, nil
}
