// Package incidentclient is how the gateway and the starter reach incident
// workflows: deliver an alert (start or signal, atomically), act on an
// incident, read its status, and list incidents from visibility.
package incidentclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Deliver hands an alert to its incident: it starts the incident workflow
// with the alert, or signals the running one, in one atomic call
// (SignalWithStart), so a repeat never pages twice. Once an incident has
// closed, the same key starts a new run. It returns the workflow ID once
// Temporal has accepted the alert.
//
// A resolved alert only signals: with no open incident there is nothing to
// resolve, and starting one just to close it would be noise. It returns
// ErrNoOpenIncident then.
func Deliver(ctx context.Context, c client.Client, t team.Team, alert workflows.Alert) (string, error) {
	// Every path in (webhooks, /baton page, the starter) is held to what
	// Temporal and the vendors accept.
	alert = workflows.CapAlert(alert)
	id, err := incidentOf(ctx, c, t.Name, alert)
	if err != nil {
		return "", err
	}
	if alert.Status == workflows.AlertResolved {
		err := c.SignalWorkflow(ctx, id, "", contract.IncidentAlertSignal, workflows.AlertSignal{Alert: alert})
		if workflowerr.IsClosed(err) {
			return id, ErrNoOpenIncident
		}
		if err != nil {
			return "", fmt.Errorf("deliver resolution to %s: %w", id, err)
		}
		return id, nil
	}
	_, err = c.SignalWithStartWorkflow(ctx, id, contract.IncidentAlertSignal, workflows.AlertSignal{Alert: alert},
		startOptions(id, t, alert, string(workflows.StateTriggered),
			map[string]any{contract.IncidentSummaryMemoKey: alert.Summary}, ""), contract.IncidentWorkflowName, workflows.IncidentInput{Team: t.Slim()})
	if err != nil {
		return "", fmt.Errorf("deliver alert to %s: %w", id, err)
	}
	return id, nil
}

// incidentOf is the workflow ID of the alert's incident: a drill's key
// names its drill, whose ID no alert's incident shares; any other key is
// Located.
func incidentOf(ctx context.Context, c client.Client, team string, alert workflows.Alert) (string, error) {
	if alert.Drill != nil {
		return contract.DrillIncidentWorkflowID(team, alert.DedupKey), nil
	}
	return Locate(ctx, c, team, alert.DedupKey)
}

// startOptions start the workflow that takes an alert first, an incident
// or a retry, or reach the one running: its search attributes are the
// alert's, so that the Web UI filters both alike.
func startOptions(id string, t team.Team, alert workflows.Alert, state string, memo map[string]any, what string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.TeamKey.ValueSet(t.Name),
			contract.SeverityKey.ValueSet(string(alert.Severity)),
			contract.ServiceKey.ValueSet(alert.Service),
			contract.AlertNameKey.ValueSet(alert.AlertName),
			contract.StateKey.ValueSet(state),
		),
		Memo:          memo,
		StaticSummary: fmt.Sprintf("%s[%s] %s", what, strings.ToUpper(string(alert.Severity)), alert.Summary),
	}
}

// ErrNoOpenIncident: a resolution or an action for an incident that is not
// open.
var ErrNoOpenIncident = errors.New("no open incident")

// ErrUnreachable: the incident did not answer (a busy or restarting
// worker, a timeout, a run continuing as new), so nothing is known to have
// changed; the caller says so and asks to try again. It never means closed.
var ErrUnreachable = errors.New("could not reach the incident, try again")

// Act sends an action to an incident and waits for its answer. An action
// the incident refuses, or an incident that is closed or does not exist,
// returns an error wrapping workflowerr.ErrRefused whose text a person can
// read; an answer that could not be read wraps ErrUnreachable.
func Act(ctx context.Context, c client.Client, workflowID string, req workflows.ActionRequest) (workflows.ActionResult, error) {
	return ActOnce(ctx, c, workflowID, req, Once{})
}

// Once narrows an action to one request of one incident.
type Once struct {
	// RequestID makes the action once-only: Temporal answers a second
	// update with the same ID, from any gateway and after any restart,
	// with the first one's outcome and runs nothing (a Twilio request's
	// MessageSid or CallSid).
	RequestID string
	// FirstRunID, when set, is the first run of the incident the action is
	// for: a later incident of the same workflow ID is not touched.
	FirstRunID string
}

// ActOnce is Act for one request: see Once.
func ActOnce(ctx context.Context, c client.Client, workflowID string, req workflows.ActionRequest, once Once) (workflows.ActionResult, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:            once.RequestID,
		WorkflowID:          workflowID,
		FirstExecutionRunID: once.FirstRunID,
		UpdateName:          contract.IncidentActionUpdate,
		Args:                []any{req},
		WaitForStage:        client.WorkflowUpdateStageCompleted,
	})
	var res workflows.ActionResult
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	if err == nil {
		return res, nil
	}
	if workflowerr.IsClosed(err) {
		// Temporal's answer for a closed run, a missing one and another
		// first run alike: the run itself tells them apart.
		return res, closedOr(ctx, c, workflowID, once.FirstRunID, err)
	}
	if err := workflowerr.Refused(err); errors.Is(err, workflowerr.ErrRefused) {
		return res, err
	}
	return res, unreachable{fmt.Errorf("%s on %s: %w", req.Action, workflowID, err)}
}

// unreachable is an error that says what failed, as it was, and is
// ErrUnreachable too, for callers that answer "try again".
type unreachable struct{ err error }

func (u unreachable) Error() string   { return u.err.Error() }
func (u unreachable) Unwrap() []error { return []error{ErrUnreachable, u.err} }

// summaryFromMemo reads the IncidentSummary a run keeps in its memo.
func summaryFromMemo(desc *workflowservice.DescribeWorkflowExecutionResponse) (workflows.IncidentSummary, error) {
	var sum workflows.IncidentSummary
	p, ok := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[contract.IncidentMemoKey]
	if !ok {
		return sum, nil
	}
	return sum, converter.GetDefaultDataConverter().FromPayload(p, &sum)
}

// closedOr says why an incident took no action, after the update was
// answered as if it were closed: only a run that is not there (or belongs
// to another incident of the key) or that has ended is a refusal. A run
// still going, or one that cannot be described, is ErrUnreachable.
func closedOr(ctx context.Context, c client.Client, workflowID, firstRunID string, updateErr error) error {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	info := desc.GetWorkflowExecutionInfo()
	switch {
	case errors.As(err, &notFound):
		return fmt.Errorf("%w: no such incident: %s", workflowerr.ErrRefused, workflowID)
	case err != nil:
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, workflowID, updateErr)
	case firstRunID != "" && info.GetFirstRunId() != firstRunID:
		return fmt.Errorf("%w: that was for an earlier incident of this alert, which is over", workflowerr.ErrRefused)
	case info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, workflowID, updateErr)
	}
	if sum, err := summaryFromMemo(desc); err == nil && sum.ResolvedBy != "" {
		return fmt.Errorf("%w: already resolved by %s; the incident is closed", workflowerr.ErrRefused, sum.ResolvedBy)
	}
	return fmt.Errorf("%w: the incident is closed", workflowerr.ErrRefused)
}

// Status asks a running incident for its status; for a closed one it
// reads the memo and has no timeline. A running incident that does not
// answer the query (a busy or restarting worker) is ErrUnreachable, never
// closed: only a run that has ended is.
func Status(ctx context.Context, c client.Client, workflowID string) (workflows.IncidentStatus, error) {
	var st workflows.IncidentStatus
	v, err := c.QueryWorkflow(ctx, workflowID, "", contract.IncidentStatusQuery)
	if err == nil {
		err = v.Get(&st)
		return st, err
	}
	desc, derr := c.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(derr, &notFound):
		return st, fmt.Errorf("no such incident: %s: %w", workflowID, derr)
	case derr != nil:
		return st, fmt.Errorf("%w: %s: %w", ErrUnreachable, workflowID, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return st, fmt.Errorf("%w: %s is open but did not answer: %w", ErrUnreachable, workflowID, err)
	}
	st.WorkflowID = workflowID
	if st.Summary, err = summaryFromMemo(desc); err != nil {
		return st, fmt.Errorf("incident %s: memo: %w", workflowID, err)
	}
	st.State = workflows.StateClosed
	return st, nil
}

// Listed is one incident in a list.
type Listed struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Team       string    `json:"team"`
	Severity   string    `json:"severity"`
	State      string    `json:"state"`
	Summary    string    `json:"summary"`
	Started    time.Time `json:"started"`
}

// List lists incidents from visibility, newest first, filtered by team and
// state when given.
func List(ctx context.Context, c client.Client, teamName, state string, limit int) ([]Listed, error) {
	query := fmt.Sprintf("WorkflowType = %q", contract.IncidentWorkflowName)
	if teamName != "" {
		query += fmt.Sprintf(" AND %s = %q", contract.TeamKey.GetName(), teamName)
	}
	if state != "" {
		query += fmt.Sprintf(" AND %s = %q", contract.StateKey.GetName(), state)
	}
	var out []Listed
	for e, err := range visibility.Runs(ctx, c, query, 100) {
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		l := Listed{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(), Started: e.GetStartTime().AsTime()}
		// An attribute a run lacks leaves its field empty: a list line
		// is still useful without it.
		attrs := e.GetSearchAttributes().GetIndexedFields()
		dc := converter.GetDefaultDataConverter()
		_ = dc.FromPayload(attrs[contract.TeamKey.GetName()], &l.Team)
		_ = dc.FromPayload(attrs[contract.SeverityKey.GetName()], &l.Severity)
		_ = dc.FromPayload(attrs[contract.StateKey.GetName()], &l.State)
		_ = dc.FromPayload(e.GetMemo().GetFields()[contract.IncidentSummaryMemoKey], &l.Summary)
		out = append(out, l)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}
