// Package pager answers "who is on call at this instant?" for a team, from
// an Opsgenie schedule, a PagerDuty schedule or the team file's own
// rotation. It holds the interfaces and the rotation, which is pure time
// math; each vendor's adapter is a package of its own (pager/opsgenie,
// pager/pagerduty), so that the workflows link no vendor's SDK.
package pager

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/team"
)

// Pager knows a team's on-call schedule.
type Pager interface {
	// OnCall returns the people on call at the instant: usually one, none
	// when nobody is. People the team file does not list come back with
	// their email as ID, so that they can still be found in Slack.
	OnCall(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error)
}

// Vendors are the pager vendors' clients the worker has, each nil when its
// credentials are not set.
//
// A vendor is one method, Pager.OnCall, and one field in team.Pager, so
// adding one (Jira Service Management next, as Opsgenie's schedules move
// there) takes: a client in a package of its own under pager (as
// pager/opsgenie and pager/pagerduty) that implements Pager, asking the
// vendor for the schedule's on-call people at the instant and mapping them
// by email with team.PersonByEmail (unknown people kept by email, as both do);
// a field in team.Pager (jsm_schedule) counted in team.Validate's
// exactly-one check; a field in Vendors and a case in ForTeam, with its own
// "not configured" error naming its variable; its settings in config; and
// one line in the worker that sets the field when they are. The workflows
// do not change: they only ever see Pager, through the WhoIsOnCall
// activity.
type Vendors struct {
	// Opsgenie answers for teams with pager.opsgenie_schedule
	// (OPSGENIE_API_KEY).
	Opsgenie Pager
	// PagerDuty answers for teams with pager.pagerduty_schedule
	// (PAGERDUTY_API_TOKEN).
	PagerDuty Pager
}

// ForTeam picks the team's pager: its own rotation, its Opsgenie schedule
// or its PagerDuty schedule. A team whose vendor has no client (its
// credentials are not set) fails at once, non-retryable, with a message
// that names the variable.
func (v Vendors) ForTeam(t team.Team) (Pager, error) {
	switch {
	case t.Pager.Rotation != nil:
		return Rotation{}, nil
	case t.Pager.PagerDutySchedule != "":
		if v.PagerDuty == nil {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("team %q: its pager is the PagerDuty schedule %q, but PAGERDUTY_API_TOKEN is not set", t.Name, t.Pager.PagerDutySchedule),
				"PagerDutyNotConfigured", nil)
		}
		return v.PagerDuty, nil
	case t.Pager.OpsgenieSchedule != "":
		if v.Opsgenie == nil {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("team %q: its pager is the Opsgenie schedule %q, but OPSGENIE_API_KEY is not set", t.Name, t.Pager.OpsgenieSchedule),
				"OpsgenieNotConfigured", nil)
		}
		return v.Opsgenie, nil
	default:
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: pager: missing: set opsgenie_schedule, pagerduty_schedule or rotation", t.Name),
			"BadTeamConfig", nil)
	}
}

// Rotation is the team file's own rotation: pure time math, no I/O.
type Rotation struct{}

// OnCall implements Pager.
func (Rotation) OnCall(_ context.Context, t team.Team, at time.Time) ([]team.Person, error) {
	loc, err := t.Location()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "BadTeamConfig", err)
	}
	shift, ok, err := t.Pager.Rotation.ShiftAt(loc, at)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("team %q: pager.rotation: %v", t.Name, err), "BadTeamConfig", err)
	}
	if !ok {
		return nil, nil
	}
	p, found := t.Person(shift.Member)
	if !found {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: rotation member %q is not among its people", t.Name, shift.Member), "BadTeamConfig", nil)
	}
	return []team.Person{p}, nil
}
