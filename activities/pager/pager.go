// Package pager answers "who is on call at this instant?" for a team, from
// an Opsgenie schedule or from the team file's own rotation.
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

// ForTeam picks the team's pager: its own rotation, or Opsgenie. opsgenie
// may be nil when no API key is set; a team that needs it then fails at
// once with a message that names the variable.
func ForTeam(t team.Team, opsgenie Pager) (Pager, error) {
	if t.Pager.Rotation != nil {
		return Rotation{}, nil
	}
	if opsgenie == nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: its pager is the Opsgenie schedule %q, but OPSGENIE_API_KEY is not set", t.Name, t.Pager.OpsgenieSchedule),
			"OpsgenieNotConfigured", nil)
	}
	return opsgenie, nil
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
