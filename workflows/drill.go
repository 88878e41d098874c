package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/team"
)

// A drill is started by hand (`starter drill`) or by the team's drill
// schedule (ScheduledDrill); both make its alert here, so that every
// drill looks the same wherever it came from.

// DrillSeverity is a drill's severity when none is asked for.
const DrillSeverity = Severity(team.DrillSeverity)

// drillNameLayout names a drill by its start: unique for a team, as
// readable in its workflow ID as in the Web UI.
const drillNameLayout = "20060102T150405Z"

// CheckDrill says why a team cannot drill at the severity via the channel
// (team.DrillViaSMS, team.DrillViaCall, or empty for the whole policy);
// nil if it can.
func CheckDrill(t team.Team, severity Severity, via string) error {
	if !t.Pages(string(severity)) {
		return fmt.Errorf("team %s does not page %s alerts (incidents.page_severities), and a drill is a page", t.Name, severity)
	}
	_, err := t.DrillPlan(string(severity), via)
	return err
}

// DrillAlert is the alert of a team's drill started at at, by whom.
func DrillAlert(teamName string, at time.Time, severity Severity, via, by string) Alert {
	return Alert{
		Team: teamName, DedupKey: at.UTC().Format(drillNameLayout), Severity: severity,
		Summary:     "Drill: answer this page as you would a real one",
		Description: "A drill of the paging path: nothing is wrong. Answer it from wherever it reaches you first; the weekly summary lists how it went.",
		Source:      SourceDrill, Status: AlertFiring, At: at,
		Details: map[string]string{"started_by": by},
		Drill:   &Drill{Via: via},
	}
}

// DrillInput is a team's drill schedule as it was applied.
type DrillInput struct {
	Team team.Team `json:"team"`
}

// DrillResult is the drill a scheduled run started.
type DrillResult struct {
	Incident string    `json:"incident"`
	At       time.Time `json:"at"`
}

// ScheduledDrill is one run of a team's drill schedule: with
// in_working_hours, it waits for the working hours of the person on call
// (the pager's answer, else the team's default hours in its zone), then
// starts the drill as `starter drill` does, through the real path.
func ScheduledDrill(ctx workflow.Context, in DrillInput) (DrillResult, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return DrillResult{}, err
	}
	if in.Team.Drills == nil {
		return DrillResult{}, badTeam(fmt.Errorf("team %s has no drills in its team file", in.Team.Name))
	}
	if in.Team.Drills.InWorkingHours {
		now := workflow.Now(ctx)
		p := drillResponder(ctx, in.Team, now)
		if at := drillInstant(p, loc, now); at.After(now) {
			err := workflow.NewTimerWithOptions(ctx, at.Sub(now), workflow.TimerOptions{Summary: "Wait for the working hours of " + p.Label()}).Get(ctx, nil)
			if err != nil {
				return DrillResult{}, err
			}
		}
	}
	at := workflow.Now(ctx)
	var id string
	// Tried for an hour at most: a drill far later than planned is no
	// longer the one the team asked for, and the next run comes anyway.
	err = deliverAlert(ctx, in.Team, DrillAlert(in.Team.Name, at, DrillSeverity, "", "the drill schedule"), time.Hour).Get(ctx, &id)
	return DrillResult{Incident: id, At: at}, err
}

// drillResponder is the person on call now, as the pager says; when it
// cannot say, a person of the team's zone and default working hours.
func drillResponder(ctx workflow.Context, t team.Team, now time.Time) team.Person {
	var who activities.WhoIsOnCallResult
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "Ask the pager who is on call", time.Minute),
		a.WhoIsOnCall, activities.WhoIsOnCallInput{Team: t, At: []time.Time{now}}).Get(ctx, &who)
	if err != nil || len(who.OnCall) == 0 || len(who.OnCall[0]) == 0 {
		return team.Person{ID: t.Name}
	}
	return who.OnCall[0][0]
}

// drillInstant is when a drill due at now goes out in p's working hours:
// now if they are working, else the start of their next working period.
func drillInstant(p team.Person, teamLoc *time.Location, now time.Time) time.Time {
	if p.InWorkingHours(teamLoc, now) {
		return now
	}
	return p.NextWorkingStart(teamLoc, now)
}
