// Package rosterclient is how the starter (and the gateway) reach a team's
// roster workflow: add, remove and list its overrides, and ask and answer
// cover requests and swaps. Asking starts the roster when it is not
// running yet, in the same call. A refusal wraps workflowerr.ErrRefused.
package rosterclient

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/internal/workflowquery"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Add asks for an override, starting the team's roster if needed.
func Add(ctx context.Context, c client.Client, t team.Team, req workflows.AddOverride) (team.Override, error) {
	return withStart[team.Override](ctx, c, t, contract.RosterAddUpdate, req)
}

// Remove removes an override by ID.
func Remove(ctx context.Context, c client.Client, teamName, id, by string) (team.Override, error) {
	return update[team.Override](ctx, c, teamName, contract.RosterRemoveUpdate, workflows.RemoveOverride{ID: id, By: by})
}

// List is a team's overrides; none when its roster never ran.
func List(ctx context.Context, c client.Client, teamName string) ([]team.Override, error) {
	out, err := workflowquery.List[team.Override](ctx, c, contract.RosterWorkflowID(teamName), contract.RosterQuery)
	if err != nil {
		return nil, fmt.Errorf("list the overrides of %s: %w", teamName, err)
	}
	return out, nil
}

// AskCover asks the team to cover a person, starting the roster if needed.
func AskCover(ctx context.Context, c client.Client, t team.Team, req workflows.AskCover) (workflows.Request, error) {
	return withStart[workflows.Request](ctx, c, t, contract.RosterCoverAskUpdate, req)
}

// AskSwap asks for a swap, starting the roster if needed.
func AskSwap(ctx context.Context, c client.Client, t team.Team, req workflows.AskSwap) (workflows.Request, error) {
	return withStart[workflows.Request](ctx, c, t, contract.RosterSwapAskUpdate, req)
}

// TakeCover takes a cover request; the first to take it gets it.
func TakeCover(ctx context.Context, c client.Client, teamName string, req workflows.TakeCover) (workflows.Request, error) {
	return update[workflows.Request](ctx, c, teamName, contract.RosterCoverTakeUpdate, req)
}

// ReplySwap accepts or declines a swap.
func ReplySwap(ctx context.Context, c client.Client, teamName string, req workflows.ReplySwap) (workflows.Request, error) {
	return update[workflows.Request](ctx, c, teamName, contract.RosterSwapReplyUpdate, req)
}

func withStart[T any](ctx context.Context, c client.Client, t team.Team, name string, arg any) (T, error) {
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       contract.RosterWorkflowID(t.Name),
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(contract.TeamKey.ValueSet(t.Name)),
		StaticSummary:            "Overrides of " + t.Name,
	}, contract.RosterWorkflowName, workflows.RosterInput{Team: t.Slim()})
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var out T
	if err == nil {
		err = handle.Get(ctx, &out)
	}
	return out, workflowerr.Refused(err)
}

func update[T any](ctx context.Context, c client.Client, teamName, name string, arg any) (T, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: contract.RosterWorkflowID(teamName), UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var out T
	if err == nil {
		err = handle.Get(ctx, &out)
	}
	if workflowerr.IsClosed(err) {
		return out, fmt.Errorf("%w: team %q has no roster yet", workflowerr.ErrRefused, teamName)
	}
	return out, workflowerr.Refused(err)
}
