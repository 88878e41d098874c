package incidentclient

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/workflows"
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
	p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.TeamKey.GetName()]
	if p == nil || converter.GetDefaultDataConverter().FromPayload(p, &team) != nil {
		return ""
	}
	return team
}

// OpenLegacy lists the incidents still open under the old ID scheme. When
// it is empty on every namespace Baton runs in, the look-ups above have
// nothing left to find.
func OpenLegacy(ctx context.Context, c client.Client) ([]string, error) {
	query := fmt.Sprintf("WorkflowType = %q AND ExecutionStatus = 'Running'", workflows.IncidentWorkflowName)
	var out []string
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 100, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list open incidents: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			if id := e.GetExecution().GetWorkflowId(); contract.IsLegacyIncidentID(id) {
				out = append(out, id)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}
