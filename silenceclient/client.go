// Package silenceclient is how the starter and the gateway reach a team's
// silences: set one (starting the team's Silences workflow when it is not
// running yet, in the same call), remove one, and list them. A refusal
// (a silence longer than a week, an unknown ID) wraps
// workflowerr.ErrRefused.
package silenceclient

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/internal/workflowquery"
	"github.com/baton-oncall/baton/silence"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Add sets a silence for team t from now.
func Add(ctx context.Context, c client.Client, t team.Team, req workflows.AddSilence) (silence.Silence, error) {
	slim := t.Slim()
	req.Team = &slim
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       contract.SilencesWorkflowID(t.Name),
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(contract.TeamKey.ValueSet(t.Name)),
		StaticSummary:            "Silences of " + t.Name,
	}, contract.SilencesWorkflowName, workflows.SilencesInput{Team: slim})
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: contract.SilenceAddUpdate, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var out silence.Silence
	if err == nil {
		err = handle.Get(ctx, &out)
	}
	return out, workflowerr.Refused(err)
}

// Remove ends a silence of the team now.
func Remove(ctx context.Context, c client.Client, teamName string, req workflows.RemoveSilence) (silence.Silence, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: contract.SilencesWorkflowID(teamName), UpdateName: contract.SilenceRemoveUpdate,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var out silence.Silence
	if err == nil {
		err = handle.Get(ctx, &out)
	}
	if workflowerr.IsClosed(err) {
		return out, fmt.Errorf("%w: team %q has set no silence", workflowerr.ErrRefused, teamName)
	}
	return out, workflowerr.Refused(err)
}

// List is the team's silences: those that hold or will, and those ended
// within a week; none when the team never set one.
func List(ctx context.Context, c client.Client, teamName string) ([]silence.Silence, error) {
	out, err := workflowquery.List[silence.Silence](ctx, c, contract.SilencesWorkflowID(teamName), contract.SilenceListQuery)
	if err != nil {
		return nil, fmt.Errorf("list the silences of %s: %w", teamName, err)
	}
	return out, nil
}
