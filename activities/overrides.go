package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"

	"github.com/baton-oncall/baton/team"
)

// RosterNames are the names of the team's roster workflow, which owns its
// overrides. They live in package workflows, which activities may not
// import; the worker sets them.
type RosterNames struct {
	// WorkflowID names a team's roster; Query lists its overrides.
	WorkflowID func(team string) string
	Query      string
}

// overridesOf is a team's overrides, asked of its roster. Only teams on
// their own rotation have any (an external pager applies its own). A
// roster that cannot answer leaves the rotation as it is, with a warning:
// someone must still be paged.
func (a *Activities) overridesOf(ctx context.Context, t team.Team) []team.Override {
	if t.Pager.Rotation == nil || a.Roster.WorkflowID == nil || a.Temporal == nil {
		return nil
	}
	v, err := a.Temporal.QueryWorkflow(ctx, a.Roster.WorkflowID(t.Name), "", a.Roster.Query)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	var out []team.Override
	if err == nil {
		err = v.Get(&out)
	}
	if err != nil {
		activity.GetLogger(ctx).Warn("could not read the team's overrides: the rotation decides", "team", t.Name, "error", err)
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
