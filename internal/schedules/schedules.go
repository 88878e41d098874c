// Package schedules creates Baton's Temporal Schedules, or updates them to
// match the team file: the starter's handovers and summaries, and the
// checks, which the worker applies too.
package schedules

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Schedule is one schedule as the team file makes it.
type Schedule struct {
	ID     string
	Spec   client.ScheduleSpec
	Action *client.ScheduleWorkflowAction
	// CatchupWindow is how late a run missed while the server was down
	// still starts.
	CatchupWindow time.Duration
	// Note says who manages it, in the Web UI.
	Note string
}

// Apply creates the schedule, or updates it to match; it returns
// "created" or "updated". A run still going when the next falls due makes
// that one skip: two runs of one schedule never overlap.
func Apply(ctx context.Context, c client.Client, sc Schedule) (string, error) {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:            sc.ID,
		Spec:          sc.Spec,
		Action:        sc.Action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: sc.CatchupWindow,
		Note:          sc.Note,
	})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return "created", err
	}
	return "updated", c.ScheduleClient().GetHandle(ctx, sc.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &sc.Spec
			s.Action = sc.Action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
			s.Policy.CatchupWindow = sc.CatchupWindow
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
}
