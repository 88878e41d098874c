package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/internal/schedules"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// catchupWindow is how late a missed handover (server or worker down at
// the hour) still runs once they are back.
const catchupWindow = 24 * time.Hour

// teamSchedules are a team's weekly handover and weekly summary, both at
// the team's handover weekday and time, in the team's own zone, so that
// DST moves them with the team's clock. The summary sums up the shift that
// ends at that instant; the handover links it.
func teamSchedules(t team.Team) ([]schedules.Schedule, error) {
	wd, err := team.ParseWeekday(t.Handover.Weekday)
	if err != nil {
		return nil, err
	}
	hour, minute, err := team.ParseClock(t.Handover.Time)
	if err != nil {
		return nil, err
	}
	// The schedule appends the nominal time to the workflow ID it starts:
	// handover-data-2026-11-30T08:00:00Z.
	schedule := func(id, what, workflow string, input any) schedules.Schedule {
		return schedules.Schedule{
			ID:            id,
			CatchupWindow: catchupWindow,
			Note:          "managed by starter schedules apply",
			Spec: client.ScheduleSpec{
				Calendars: []client.ScheduleCalendarSpec{{
					DayOfWeek: []client.ScheduleRange{{Start: int(wd)}},
					Hour:      []client.ScheduleRange{{Start: hour}},
					Minute:    []client.ScheduleRange{{Start: minute}},
					Comment:   fmt.Sprintf("%s's %s: %s %s", t.Name, what, t.Handover.Weekday, t.Handover.Time),
				}},
				TimeZoneName: t.TimeZone,
			},
			Action: &client.ScheduleWorkflowAction{
				ID:                    id,
				Workflow:              workflow,
				Args:                  []any{input},
				TaskQueue:             contract.TaskQueue,
				TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet(t.Name)),
				StaticSummary:         fmt.Sprintf("Weekly %s of %s", what, t.Name),
			},
		}
	}
	out := []schedules.Schedule{
		schedule(contract.HandoverScheduleID(t.Name), "handover", contract.HandoverWorkflowName, workflows.HandoverInput{Team: t.Slim()}),
		schedule(contract.SummaryScheduleID(t.Name), "on-call summary", contract.SummaryWorkflowName, workflows.SummaryInput{Team: t.Slim()}),
	}
	if t.Drills != nil {
		out = append(out, drillSchedule(t))
	}
	return out, nil
}

// drillSchedule runs the team's drills every drills.every; each run picks
// the drill's instant itself (workflows.ScheduledDrill), in the working
// hours of the person on call when the team asks for that.
func drillSchedule(t team.Team) schedules.Schedule {
	id := contract.DrillScheduleID(t.Name)
	return schedules.Schedule{
		ID:            id,
		CatchupWindow: catchupWindow,
		Note:          "managed by starter schedules apply",
		Spec:          client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: t.Drills.Interval()}}},
		Action: &client.ScheduleWorkflowAction{
			ID:                    id,
			Workflow:              contract.DrillWorkflowName,
			Args:                  []any{workflows.DrillInput{Team: t.Slim()}},
			TaskQueue:             contract.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet(t.Name)),
			StaticSummary:         fmt.Sprintf("Drill of %s, every %s", t.Name, t.Drills.Every),
		},
	}
}

// deleteSchedule deletes a schedule; ok is false when there was none.
func deleteSchedule(ctx context.Context, c client.Client, id string) (ok bool, err error) {
	err = c.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete schedule %s: %w", id, err)
	}
	return true, nil
}

// applied is what `schedules apply` did to one schedule (created or
// updated it) or to one heartbeat's monitor (watched or stopped it).
type applied struct {
	ScheduleID string `json:"schedule_id,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
	Team       string `json:"team"`
	Action     string `json:"action"`
}

func (a *app) schedulesApply(ctx context.Context, args []string) error {
	fs := a.flags("schedules apply", "Creates each team's weekly handover and summary schedules, its drill schedule and its checks' schedules, or updates them\n"+
		"to match the team file (deleting those of drills and checks it no longer has), and starts, reconfigures or stops the heartbeat monitors to match it.\n"+
		"Applying twice creates nothing new.")
	only := fs.String("team", "", "only this team")
	asJSON := fs.Bool("json", false, "print what was done as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	teams, err := a.loadTeams()
	if err != nil {
		return err
	}
	if *only != "" {
		t, ok := teams.Team(*only)
		if !ok {
			return fmt.Errorf("schedules apply: the worker has no team %q", *only)
		}
		teams = &team.File{Teams: []team.Team{t}}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	var done []applied
	for _, t := range teams.Teams {
		scheds, err := teamSchedules(t)
		if err != nil {
			return fmt.Errorf("team %q: %w", t.Name, err)
		}
		for _, sc := range scheds {
			what, err := schedules.Apply(ctx, c, sc)
			if err != nil {
				return fmt.Errorf("schedule %s: %w", sc.ID, err)
			}
			done = append(done, applied{ScheduleID: sc.ID, Team: t.Name, Action: what})
		}
		if t.Drills == nil {
			// The file dropped its drills: so does the schedule.
			id := contract.DrillScheduleID(t.Name)
			deleted, err := deleteSchedule(ctx, c, id)
			if err != nil {
				return err
			}
			if deleted {
				done = append(done, applied{ScheduleID: id, Team: t.Name, Action: "deleted"})
			}
		}
	}
	checks, err := checkclient.Sync(ctx, c, teams, *only)
	for _, s := range checks {
		id, _ := contract.ParseCheckID(s.ScheduleID)
		done = append(done, applied{ScheduleID: s.ScheduleID, Team: id.Team, Action: s.Action})
	}
	if err != nil {
		return fmt.Errorf("checks: %w", err)
	}
	synced, err := heartbeatclient.Sync(ctx, c, teams, *only)
	for _, s := range synced {
		hb, _ := contract.ParseHeartbeatID(s.WorkflowID)
		done = append(done, applied{WorkflowID: s.WorkflowID, Team: hb.Team, Action: s.Action})
	}
	if err != nil {
		return fmt.Errorf("heartbeats: %w", err)
	}
	return printList(a, *asJSON, done, "", func(d applied) string { return d.Action + " " + d.ScheduleID + d.WorkflowID })
}

// scheduleInfo is one schedule as `schedules list` shows it.
type scheduleInfo struct {
	ScheduleID string      `json:"schedule_id"`
	Workflow   string      `json:"workflow"`
	Paused     bool        `json:"paused"`
	When       string      `json:"when"`
	NextRuns   []time.Time `json:"next_runs"`
}

func (a *app) schedulesList(ctx context.Context, args []string) error {
	fs := a.flags("schedules list", "Lists Baton's schedules and their next runs.")
	asJSON := jsonFlag(fs)
	c, err := a.parseConnect(fs, args)
	if err != nil {
		return err
	}
	iter, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	var out []scheduleInfo
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return fmt.Errorf("list schedules: %w", err)
		}
		if _, err := contract.ParseCheckID(e.ID); err != nil && !strings.HasPrefix(e.ID, contract.HandoverScheduleID("")) && !strings.HasPrefix(e.ID, contract.SummaryScheduleID("")) {
			continue
		}
		info := scheduleInfo{ScheduleID: e.ID, Workflow: e.WorkflowType.Name, Paused: e.Paused, NextRuns: e.NextActionTimes}
		if e.Spec != nil {
			for _, cal := range e.Spec.Calendars {
				info.When = strings.TrimSpace(info.When + " " + cal.Comment)
			}
			for _, iv := range e.Spec.Intervals {
				info.When = strings.TrimSpace(info.When + " every " + iv.Every.String())
			}
			if e.Spec.TimeZoneName != "" {
				info.When += " (" + e.Spec.TimeZoneName + ")"
			}
		}
		out = append(out, info)
	}
	return printList(a, *asJSON, out, "no schedules: run `starter schedules apply`", func(s scheduleInfo) string {
		next := "none"
		if len(s.NextRuns) > 0 {
			next = s.NextRuns[0].Local().Format("Mon 2 Jan 2006 15:04 MST")
		}
		paused := ""
		if s.Paused {
			paused = " [paused]"
		}
		return fmt.Sprintf("%s%s\n  workflow: %s\n  when:     %s\n  next run: %s", s.ScheduleID, paused, s.Workflow, s.When, next)
	})
}

func (a *app) schedulesDelete(ctx context.Context, args []string) error {
	fs := a.flags("schedules delete", "Deletes a team's handover, summary and drill schedules, or all of Baton's. Running workflows are not touched.")
	only := fs.String("team", "", "the team whose schedule to delete")
	all := fs.Bool("all", false, "delete every team's schedule in the team file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*only == "") == !*all {
		return exitError{code: exitUsage, msg: "schedules delete: give --team NAME or --all"}
	}
	var names []string
	if *all {
		teams, err := a.loadTeams()
		if err != nil {
			return err
		}
		names = teams.Names()
	} else {
		names = []string{*only}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	for _, name := range names {
		for _, id := range []string{contract.HandoverScheduleID(name), contract.SummaryScheduleID(name), contract.DrillScheduleID(name)} {
			deleted, err := deleteSchedule(ctx, c, id)
			if err != nil {
				return err
			}
			if deleted {
				fmt.Fprintf(a.stdout, "deleted %s\n", id)
			}
		}
	}
	return nil
}
