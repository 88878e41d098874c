package incidentclient

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
)

// Incidents opened before the colon ID scheme (contract.IncidentID) keep
// the IDs they were started with, "incident-<team>-<key>", until they
// close; this file finds them. Once no run of that shape is open
// (`starter incident legacy` says so), this file and the contract's
// legacy functions may be deleted.

// Locate returns the workflow ID of a team's incident for a dedup key: the
// ID of a run still open under the old scheme when there is one, else the
// colon ID. A run of the old scheme counts only when its BatonTeam is the
// team asking: under that scheme team "data" with key "eng-x" and team
// "data-eng" with key "x" shared an ID, and one team's alert must not land
// in the other's incident.
func Locate(ctx context.Context, c client.Client, team, dedupKey string) (string, error) {
	legacy := contract.LegacyIncidentWorkflowID(team, dedupKey)
	desc, err := c.DescribeWorkflowExecution(ctx, legacy, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
	case err != nil:
		return "", fmt.Errorf("look for an open incident %s: %w", legacy, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING &&
		teamOf(desc) == team:
		return legacy, nil
	}
	return contract.IncidentWorkflowID(team, dedupKey), nil
}

// TeamOf returns the team of an incident's workflow ID: read from the ID
// itself, or, for an ID of the old scheme, from the run's BatonTeam
// search attribute, since the ID cannot tell it. An ID that names no
// incident is an error wrapping contract.ErrNotIncidentID.
func TeamOf(ctx context.Context, c client.Client, workflowID string) (string, error) {
	id, err := contract.ParseIncidentID(workflowID)
	if err == nil {
		return id.Team, nil
	}
	if !contract.IsLegacyIncidentID(workflowID) {
		return "", err
	}
	desc, derr := c.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(derr, &notFound) {
		return "", fmt.Errorf("%w: no incident %s", contract.ErrNotIncidentID, workflowID)
	}
	if derr != nil {
		return "", fmt.Errorf("could not reach incident %s, try again: %w", workflowID, derr)
	}
	team := teamOf(desc)
	if team == "" {
		return "", fmt.Errorf("%w: %s has no team", contract.ErrNotIncidentID, workflowID)
	}
	return team, nil
}

// teamOf reads a run's BatonTeam search attribute; "" when it has none.
func teamOf(desc *workflowservice.DescribeWorkflowExecutionResponse) string {
	var team string
	p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[contract.TeamKey.GetName()]
	if p == nil || converter.GetDefaultDataConverter().FromPayload(p, &team) != nil {
		return ""
	}
	return team
}

// LegacyRun is an incident still open under the old ID scheme.
type LegacyRun struct {
	WorkflowID string
	// V1: started before contract.IncidentV2Change, so it runs
	// workflows/incident_v1.go. Every such run has an old ID: the colon
	// IDs came after.
	V1 bool
}

// OpenLegacy lists the incidents still open under the old ID scheme. When
// it is empty on every namespace Baton runs in, the look-ups above have
// nothing left to find; when no run in it is V1, incident_v1.go has none.
func OpenLegacy(ctx context.Context, c client.Client) ([]LegacyRun, error) {
	query := fmt.Sprintf("WorkflowType = %q AND ExecutionStatus = 'Running'", contract.IncidentWorkflowName)
	var out []LegacyRun
	for e, err := range visibility.Runs(ctx, c, query, 100) {
		if err != nil {
			return nil, fmt.Errorf("list open incidents: %w", err)
		}
		id := e.GetExecution().GetWorkflowId()
		if !contract.IsLegacyIncidentID(id) {
			continue
		}
		v1, err := startedUnderV1(ctx, c, id, e.GetExecution().GetRunId())
		if err != nil {
			return nil, err
		}
		out = append(out, LegacyRun{WorkflowID: id, V1: v1})
	}
	return out, nil
}

// startedUnderV1 reads the start of a run's history for the marker of
// contract.IncidentV2Change.
func startedUnderV1(ctx context.Context, c client.Client, workflowID, runID string) (bool, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() && !pastFirstTask(events) {
		e, err := it.Next()
		if err != nil {
			return false, fmt.Errorf("read the history of %s: %w", workflowID, err)
		}
		events = append(events, e)
	}
	return ranV1(events), nil
}

// pastFirstTask reports whether events reach beyond the commands of the
// run's first workflow task, where GetVersion's marker would be: the
// second task's completion, or the run's end.
func pastFirstTask(events []*historypb.HistoryEvent) bool {
	completed := 0
	for _, e := range events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			completed++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
			return true
		}
	}
	return completed >= 2
}

// ranV1 reports whether a run whose history starts with events runs incident
// v1: its first workflow task completed without the marker of
// contract.IncidentV2Change, and it is no continuation (v1 never
// continued as new; a resumed run is v2). A run no worker has taken yet
// will be v2.
func ranV1(events []*historypb.HistoryEvent) bool {
	completed := false
	for _, e := range events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			if e.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId() != "" {
				return false
			}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if completed {
				return true
			}
			completed = true
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if isVersionMarker(e.GetMarkerRecordedEventAttributes(), contract.IncidentV2Change) {
				return false
			}
		}
	}
	return completed
}

// isVersionMarker reports whether a marker is GetVersion's for change, as
// the Go SDK records it: marker "Version", its change ID in "change-id".
func isVersionMarker(m *historypb.MarkerRecordedEventAttributes, change string) bool {
	if m.GetMarkerName() != "Version" {
		return false
	}
	var id string
	return converter.GetDefaultDataConverter().FromPayloads(m.GetDetails()["change-id"], &id) == nil && id == change
}
