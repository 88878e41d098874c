package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/simulate"
	"github.com/baton-oncall/baton/team"
)

func (a *app) simulate(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("simulate", "Replays a team's real alerts of a period against a proposed team file, and prints per person\n"+
		"the pages, SMS and calls in business, off and sleep hours and the on-call hours, current beside proposed,\n"+
		"with the alerts whose handling changes. People acknowledge after the same delay as they did.\n"+
		"The current file is the worker's; nothing is changed or sent.")
	file := fs.String("teams-file", "", "the proposed team file (required)")
	since := fs.String("since", "30d", "the period replayed, up to now, such as 30d, 2w or 12h")
	asJSON := jsonFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return exitError{code: exitUsage, msg: "simulate: --teams-file is required: the proposed team file to replay the alerts against"}
	}
	span, err := period(*since)
	if err != nil {
		return exitError{code: exitUsage, msg: "simulate: --since: " + err.Error()}
	}
	proposedFile, err := team.Load(*file)
	if err != nil {
		return exitError{code: exitUsage, msg: fmt.Sprintf("simulate: --teams-file %s: %v", *file, err)}
	}
	current, err := a.team("simulate", *teamName)
	if err != nil {
		return err
	}
	proposed, ok := proposedFile.Team(current.Name)
	if !ok {
		return exitError{code: exitUsage, msg: fmt.Sprintf("simulate: --teams-file %s has no team %q (it has: %s)",
			*file, current.Name, strings.Join(proposedFile.Names(), ", "))}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	to := a.now()
	from := to.Add(-span)
	acts := &activities.Activities{Temporal: c, Namespace: a.cfg.TemporalNamespace}
	incidents, err := activities.TeamIncidents(ctx, acts, current.Name, from, to)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	// The roster's overrides stay in the proposal; a simulation without
	// them would move nights that nobody moved, so a roster that cannot
	// be read stops it.
	var overrides []team.Override
	if current.Pager.Rotation != nil {
		if overrides, err = rosterclient.List(ctx, c, current.Name); err != nil {
			return fmt.Errorf("simulate: could not read team %s's overrides from its roster, without which the nights would be wrong: %w", current.Name, err)
		}
	}
	res, err := simulate.Run(simulate.Input{
		Current: current, Proposed: proposed, Overrides: overrides,
		Incidents: incidents, From: from, To: to,
	})
	if err != nil {
		return exitError{code: exitUsage, msg: "simulate: " + err.Error()}
	}
	// Closed incidents older than the namespace's retention are gone: the
	// simulation says so rather than replay a short period in silence.
	if w := activities.RetentionWarning(ctx, acts, from, to); w != "" {
		res.Notes = append(res.Notes, w)
	}
	if *asJSON {
		return a.printJSON(res)
	}
	_, err = fmt.Fprint(a.stdout, res.Text())
	return err
}

// period reads --since: a span as the team file writes one (12h, 30d), or
// whole weeks (2w).
func period(s string) (time.Duration, error) {
	d, err := team.ParseSpan(s)
	if w, ok := strings.CutSuffix(s, "w"); ok {
		d, err = team.ParseSpan(w + "d")
		d *= 7
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a period such as 30d, 2w or 12h", s)
	}
	return d, nil
}
