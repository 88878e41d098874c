// Package rosterclient is how the starter (and the gateway) reach a team's
// roster workflow: add, remove and list its overrides. Adding starts the
// roster when it is not running yet, in the same call.
package rosterclient

import (
	"context"
	"errors"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// ErrRefused wraps the roster's reason for refusing a change.
var ErrRefused = errors.New("refused")

// Add asks for an override, starting the team's roster if needed.
func Add(ctx context.Context, c client.Client, t team.Team, req workflows.AddOverride) (team.Override, error) {
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.RosterWorkflowID(t.Name),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.TeamKey.ValueSet(t.Name)),
		StaticSummary:            "Overrides of " + t.Name,
	}, workflows.RosterWorkflowName, workflows.RosterInput{Team: t})
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: workflows.RosterAddUpdate, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var o team.Override
	if err == nil {
		err = handle.Get(ctx, &o)
	}
	return o, refused(err)
}

// Remove removes an override by ID.
func Remove(ctx context.Context, c client.Client, teamName, id, by string) (team.Override, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.RosterWorkflowID(teamName), UpdateName: workflows.RosterRemoveUpdate,
		Args: []any{workflows.RemoveOverride{ID: id, By: by}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var o team.Override
	if err == nil {
		err = handle.Get(ctx, &o)
	}
	if isNotFound(err) {
		return o, fmt.Errorf("%w: team %q has no overrides", ErrRefused, teamName)
	}
	return o, refused(err)
}

// List is a team's overrides; none when its roster never ran.
func List(ctx context.Context, c client.Client, teamName string) ([]team.Override, error) {
	v, err := c.QueryWorkflow(ctx, workflows.RosterWorkflowID(teamName), "", workflows.RosterQuery)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the overrides of %s: %w", teamName, err)
	}
	var out []team.Override
	return out, v.Get(&out)
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return err != nil && (errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed"))
}

func refused(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return fmt.Errorf("%w: %s", ErrRefused, app.Message())
	}
	return err
}
