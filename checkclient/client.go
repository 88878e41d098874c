// Package checkclient is how the worker and the starter reach the checks:
// make their schedules match the team file, and read each one's state.
package checkclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/schedules"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// minCatchup is the least catch-up window: a run missed while Temporal was
// down still starts when it is back within a minute; older ones are
// skipped, as the next run says the same.
const minCatchup = time.Minute

// schedule is a check's schedule as the team file makes it: it runs the
// check every interval with the configuration it was applied with.
func schedule(t team.Team, c team.Check) schedules.Schedule {
	id := contract.CheckID{Team: t.Name, Name: c.Name}.String()
	return schedules.Schedule{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: c.Interval()}}},
		Action: &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  contract.CheckWorkflowName,
			Args:      []any{workflows.CheckInput{Team: t.Slim(), Check: c}},
			TaskQueue: contract.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				contract.TeamKey.ValueSet(t.Name),
				contract.ServiceKey.ValueSet(c.Service),
				contract.AlertNameKey.ValueSet(c.Name),
			),
			StaticSummary: fmt.Sprintf("Check %s of %s (%s)", c.Name, t.Name, c.Kind),
		},
		CatchupWindow: max(c.Interval(), minCatchup),
		Note:          "managed by Baton from the team file",
	}
}

// Synced is what Sync did to one check's schedule: "created", "updated"
// or "deleted".
type Synced struct {
	ScheduleID string `json:"schedule_id"`
	Action     string `json:"action"`
}

// Sync makes the checks' schedules match the team file: each check's is
// created or updated, and the schedule of a check the file no longer has
// is deleted. With only set, only that team's are touched.
func Sync(ctx context.Context, c client.Client, file *team.File, only string) ([]Synced, error) {
	var done []Synced
	want := map[string]bool{}
	for _, t := range file.Only(only) {
		for _, ch := range t.Checks {
			sc := schedule(t, ch)
			what, err := schedules.Apply(ctx, c, sc)
			if err != nil {
				return done, fmt.Errorf("schedule %s: %w", sc.ID, err)
			}
			want[sc.ID] = true
			done = append(done, Synced{ScheduleID: sc.ID, Action: what})
		}
	}
	iter, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return done, fmt.Errorf("list the schedules: %w", err)
	}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return done, fmt.Errorf("list the schedules: %w", err)
		}
		id, perr := contract.ParseCheckID(e.ID)
		if perr != nil || want[e.ID] || only != "" && id.Team != only {
			continue
		}
		err = c.ScheduleClient().GetHandle(ctx, e.ID).Delete(ctx)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			continue // deleted since it was listed
		}
		if err != nil {
			return done, fmt.Errorf("delete the schedule %s: %w", e.ID, err)
		}
		done = append(done, Synced{ScheduleID: e.ID, Action: "deleted"})
	}
	return done, nil
}

// Listed is one check of the team file, as its last run left it.
type Listed struct {
	Team  string `json:"team"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Every string `json:"every"`
	// State is a workflows.CheckState* value; empty before the first run.
	State string `json:"state,omitempty"`
	// Last is the last finished run's state.
	Last    workflows.CheckState `json:"last"`
	NextRun time.Time            `json:"next_run,omitzero"`
	// Error says why the check's state is unknown ("no schedule").
	Error string `json:"error,omitempty"`
}

// List reads each check of the file (of one team, when only is set): its
// schedule's next run and its last finished run's state.
func List(ctx context.Context, c client.Client, file *team.File, only string) []Listed {
	var out []Listed
	for _, t := range file.Only(only) {
		for _, ch := range t.Checks {
			l := Listed{Team: t.Name, Name: ch.Name, Kind: ch.Kind, Every: ch.Every}
			if l.Every == "" {
				l.Every = team.DefaultCheckEvery.String()
			}
			if err := last(ctx, c, contract.CheckID{Team: t.Name, Name: ch.Name}.String(), &l); err != nil {
				l.Error = err.Error()
			}
			out = append(out, l)
		}
	}
	return out
}

// last fills in a check's next run and its last finished run's state.
func last(ctx context.Context, c client.Client, scheduleID string, l *Listed) error {
	desc, err := c.ScheduleClient().GetHandle(ctx, scheduleID).Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return errors.New("no schedule: start the worker, or run `starter schedules apply`")
	}
	if err != nil {
		return err
	}
	if next := desc.Info.NextActionTimes; len(next) > 0 {
		l.NextRun = next[0]
	}
	recent := desc.Info.RecentActions
	for i := len(recent) - 1; i >= 0; i-- {
		run := recent[i].StartWorkflowResult
		if run == nil {
			continue
		}
		d, err := c.DescribeWorkflowExecution(ctx, run.WorkflowID, run.FirstExecutionRunID)
		if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			continue
		}
		if err := c.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &l.Last); err != nil {
			return fmt.Errorf("the last run %s: %w", run.WorkflowID, err)
		}
		l.State = l.Last.State()
		return nil
	}
	return nil
}
