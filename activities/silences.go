package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/internal/workflowquery"
	"github.com/baton-oncall/baton/silence"
)

// TeamSilencesInput names the team whose silences an incident reads.
type TeamSilencesInput struct {
	Team string
}

// TeamSilencesResult is the team's silences, as its Silences workflow
// lists them; none when the team never set one.
type TeamSilencesResult struct {
	Silences []silence.Silence
}

// TeamSilences asks the team's Silences workflow for its silences; the
// incident decides which holds its alert, at its own instant.
func (a *Activities) TeamSilences(ctx context.Context, in TeamSilencesInput) (TeamSilencesResult, error) {
	var res TeamSilencesResult
	if a.Temporal == nil {
		return res, nil
	}
	ss, err := workflowquery.List[silence.Silence](ctx, a.Temporal, contract.SilencesWorkflowID(in.Team), contract.SilenceListQuery)
	if err != nil {
		return res, fmt.Errorf("read the silences of team %s: %w", in.Team, err)
	}
	res.Silences = ss
	return res, nil
}

// TellSilenceInput is a silence just set or removed.
type TellSilenceInput struct {
	Silence silence.Silence
}

// TellSilenceResult counts the open incidents told.
type TellSilenceResult struct {
	Told int
}

// TellSilence signals the silence to each open incident of its team; each
// decides whether the silence holds its alert. An incident that ended
// since it was listed needs it no more.
func (a *Activities) TellSilence(ctx context.Context, in TellSilenceInput) (TellSilenceResult, error) {
	var res TellSilenceResult
	if a.Temporal == nil {
		return res, nil
	}
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q AND ExecutionStatus = 'Running'",
		contract.IncidentWorkflowName, contract.TeamKey.GetName(), in.Silence.Team)
	for e, err := range visibility.Runs(ctx, a.Temporal, query, 500) {
		if err != nil {
			return res, fmt.Errorf("list the open incidents of team %s: %w", in.Silence.Team, err)
		}
		err := a.Temporal.SignalWorkflow(ctx, e.GetExecution().GetWorkflowId(), "", contract.IncidentSilenceSignal, in.Silence)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("tell %s of silence %s: %w", e.GetExecution().GetWorkflowId(), in.Silence.ID, err)
		}
		res.Told++
	}
	return res, nil
}
