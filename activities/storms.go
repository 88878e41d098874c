package activities

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/storm"
)

// JoinStorm asks the team's storm desk (package storm) where an incident's
// page goes: alone, or in a group's thread. The desk is a StormDesk
// workflow, reached by update-with-start, so that every worker asks the
// same desk.
func (a *Activities) JoinStorm(ctx context.Context, j storm.Join) (storm.Joined, error) {
	var joined storm.Joined
	if a.Temporal == nil {
		return joined, nil // no desk to ask: the page goes alone
	}
	start := a.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       contract.StormDeskWorkflowID(j.Team),
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Team " + j.Team + "'s channel in a storm: which alerts share one message",
	}, contract.StormDeskWorkflowName, storm.Desk{})
	h, err := a.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   contract.StormJoinUpdate,
			Args:         []any{j},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, &joined)
	}
	if err != nil {
		return joined, fmt.Errorf("the storm desk of team %s: %w", j.Team, err)
	}
	return joined, nil
}
