// Package supportclient is how the gateway and the starter reach support
// requests: open one (one per message, however many ways and times it is
// asked), take or finish one, and list a team's. A refusal (a second
// Take, anything after Done) wraps workflowerr.ErrRefused.
package supportclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// ErrAskedBefore: the message's request ran and is done; it is not
// opened again.
var ErrAskedBefore = errors.New("this message's support request is done already")

// Open opens the support request id of team t, unless it is open already:
// its ID is made from the message asked about (contract.SupportID), and
// it is started with the conflict policy that takes the running request,
// so that a second reaction on the same message, Slack delivering an
// event again, or two gateways taking it, open one request. A request
// that ran and is done is not opened again (the ID reuse policy refuses
// it for the namespace's retention): that is ErrAskedBefore.
func Open(ctx context.Context, c client.Client, t team.Team, id string, in workflows.SupportInput) error {
	in.Team = t.Slim()
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// Else the SDK answers a done request's ID with its closed run, as
		// if it had opened it.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.TeamKey.ValueSet(t.Name), contract.StateKey.ValueSet(support.StateNew)),
		StaticSummary: "Support request of " + t.Name,
	}, contract.SupportWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return ErrAskedBefore
	}
	if err != nil {
		return fmt.Errorf("open support request %s: %w", id, err)
	}
	return nil
}

// Act takes or finishes a request as act says, and returns what the
// request says back.
func Act(ctx context.Context, c client.Client, id string, act workflows.SupportAction) (workflows.SupportActResult, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: contract.SupportActUpdate, Args: []any{act}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res workflows.SupportActResult
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	switch {
	case err == nil:
		return res, nil
	case workflowerr.IsClosed(err):
		return res, fmt.Errorf("%w: the request is done already, or was never opened", workflowerr.ErrRefused)
	}
	if err := workflowerr.Refused(err); errors.Is(err, workflowerr.ErrRefused) {
		return res, err
	}
	return res, fmt.Errorf("%s %s: %w", act.Action, id, err)
}

// KeepClosed is how long after it was done a request is listed with
// --all.
const KeepClosed = 7 * 24 * time.Hour

// listPage is how many runs one visibility call returns.
const listPage = 500

// List is the support requests of a team ("" for every team): the open
// ones, oldest first, then, with closed, those done within KeepClosed,
// newest first.
func List(ctx context.Context, c client.Client, teamName string, closed bool, now time.Time) ([]support.Request, error) {
	base := fmt.Sprintf("WorkflowType = %q", contract.SupportWorkflowName)
	if teamName != "" {
		base += fmt.Sprintf(" AND %s = %q", contract.TeamKey.GetName(), teamName)
	}
	open, err := list(ctx, c, base+" AND ExecutionStatus = 'Running'")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(open, func(x, y support.Request) int { return x.Opened.Compare(y.Opened) })
	if !closed {
		return open, nil
	}
	done, err := list(ctx, c, fmt.Sprintf("%s AND ExecutionStatus = 'Completed' AND CloseTime > %q", base, now.Add(-KeepClosed).UTC().Format(time.RFC3339)))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(done, func(x, y support.Request) int { return y.DoneAt().Compare(x.DoneAt()) })
	return append(open, done...), nil
}

func list(ctx context.Context, c client.Client, query string) ([]support.Request, error) {
	var out []support.Request
	for e, err := range visibility.Runs(ctx, c, query, listPage) {
		if err != nil {
			return nil, fmt.Errorf("list support requests: %w", err)
		}
		out = append(out, activities.SupportRecord(e.GetExecution().GetWorkflowId(), e.GetStartTime().AsTime(), e.GetMemo().GetFields()[contract.SupportMemoKey]))
	}
	return out, nil
}
