package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// OnCallAt is who is on call for a team at an instant, its overrides
// included: what WhoIsOnCall answers workflows, for callers outside one
// (the gateway's /baton who). A function, not a method, so that it is not
// registered as an activity.
func OnCallAt(ctx context.Context, a *Activities, t team.Team, at time.Time) ([]team.Person, error) {
	people, err := a.pagerOnCall(ctx, t, at)
	if err != nil {
		return nil, err
	}
	return withOverrides(t, a.overridesOf(ctx, t), at, people), nil
}

// pagerOnCall is who the team's pager has on call at the instant, before
// any override.
func (a *Activities) pagerOnCall(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error) {
	p, err := pager.Vendors{Opsgenie: a.Opsgenie, PagerDuty: a.PagerDuty}.ForTeam(t)
	if err != nil {
		return nil, err
	}
	return p.OnCall(ctx, t, at)
}

// overridesOf is a team's overrides, asked of its roster. Only teams on
// their own rotation have any (an external pager applies its own). A
// roster that cannot answer leaves the rotation as it is, with a warning:
// someone must still be paged.
func (a *Activities) overridesOf(ctx context.Context, t team.Team) []team.Override {
	if t.Pager.Rotation == nil || a.Temporal == nil {
		return nil
	}
	// A roster slow to answer must not eat the pager look-up's time.
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := a.Temporal.QueryWorkflow(qctx, contract.RosterWorkflowID(t.Name), "", contract.RosterQuery)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	var out []team.Override
	if err == nil {
		err = v.Get(&out)
	}
	if err != nil {
		const msg = "could not read the team's overrides: the rotation decides"
		if activity.IsActivity(ctx) {
			activity.GetLogger(ctx).Warn(msg, "team", t.Name, "error", err)
		} else {
			slog.Warn(msg, "team", t.Name, "error", err)
		}
		return nil
	}
	return out
}

// withOverrides puts the override holding the pager at the instant in
// place of whoever the pager named.
func withOverrides(t team.Team, overrides []team.Override, at time.Time, people []team.Person) []team.Person {
	if o, ok := team.OverrideAt(overrides, at); ok {
		if p, found := t.Person(o.Person); found {
			return []team.Person{p}
		}
	}
	return people
}

// onCallWhy says where the people on call at the instant came from, as
// withOverrides and the pager decided it: the override holding the pager
// (its ID, who set it and why), else the rotation's shift, else the
// vendor's schedule.
func onCallWhy(t team.Team, overrides []team.Override, at time.Time) string {
	loc, err := t.Location()
	if err != nil {
		loc = time.UTC
	}
	when := func(at time.Time) string { return at.In(loc).Format("Mon 2 Jan 15:04 MST") }
	if o, ok := team.OverrideAt(overrides, at); ok {
		if _, found := t.Person(o.Person); found {
			why := fmt.Sprintf("override %s for %s, %s to %s", o.ID, o.Person, when(o.From), when(o.To))
			if o.By != "" {
				why += ", set by " + o.By
			}
			if o.Note != "" {
				why += ": " + o.Note
			}
			return why
		}
	}
	switch {
	case t.Pager.Rotation != nil:
		shift, ok, err := t.Pager.Rotation.ShiftAt(loc, at)
		if err != nil || !ok {
			return "the team's rotation, which names nobody then"
		}
		return fmt.Sprintf("the team's rotation: %s's shift, %s to %s", shift.Member, when(shift.Start), when(shift.End))
	case t.Pager.PagerDutySchedule != "":
		return "the PagerDuty schedule " + t.Pager.PagerDutySchedule
	case t.Pager.OpsgenieSchedule != "":
		return "the Opsgenie schedule " + t.Pager.OpsgenieSchedule
	}
	return ""
}
