package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/team"
	"go.temporal.io/sdk/client"
)

func (a *app) checkList(ctx context.Context, args []string) error {
	fs := a.flags("check list", "Lists the checks of the worker's team file: each one's state, what its last run found, and its next run.")
	only := fs.String("team", "", "only this team")
	asJSON := jsonFlag(fs)
	teams, c, err := a.teamsAndClient(fs, args, only)
	if err != nil {
		return err
	}
	list := checkclient.List(ctx, c, teams, *only)
	return printList(a, *asJSON, list, "no checks: a team lists them under checks: in the team file", a.checkLine)
}

// checkLine is one check in the list, its times in its team's zone.
func (a *app) checkLine(l checkclient.Listed) string {
	head := fmt.Sprintf("%-10s %s/%s  %s, every %s", l.State, l.Team, l.Name, l.Kind, l.Every)
	if l.State == "" {
		head = fmt.Sprintf("%-10s %s/%s  %s, every %s", "not run", l.Team, l.Name, l.Kind, l.Every)
	}
	lines := []string{head}
	if l.Error != "" {
		return strings.Join(append(lines, "  "+l.Error), "\n")
	}
	loc := a.zone(l.Team)
	const layout = "Mon 2 Jan 15:04:05 MST"
	if l.State != "" {
		// The detail quotes the database or the endpoint: plain text.
		lines = append(lines, fmt.Sprintf("  last run:  %s: %s %s", l.Last.Last.At.In(loc).Format(layout), l.Name, mrkdwn.OneLine(l.Last.Last.Detail)))
		if l.Last.Failures > 0 || l.Last.CannotRun > 0 {
			lines = append(lines, fmt.Sprintf("  in a row:  %d failed, %d could not run", l.Last.Failures, l.Last.CannotRun))
		}
		for _, inc := range []string{l.Last.Incident, l.Last.CannotRunIncident} {
			if inc != "" {
				lines = append(lines, "  incident:  "+inc)
			}
		}
	}
	if !l.NextRun.IsZero() {
		lines = append(lines, "  next run:  "+l.NextRun.In(loc).Format(layout))
	}
	return strings.Join(lines, "\n")
}

// teamsAndClient parses a list command's flags, then reads the worker's
// team file and connects; the --team flag only, when set, must name a team
// of the file.
func (a *app) teamsAndClient(fs *flag.FlagSet, args []string, only *string) (*team.File, client.Client, error) {
	if err := parse(fs, args); err != nil {
		return nil, nil, err
	}
	teams, err := a.loadTeams()
	if err != nil {
		return nil, nil, err
	}
	if *only != "" {
		if _, ok := teams.Team(*only); !ok {
			return nil, nil, fmt.Errorf("%s: the worker has no team %q", fs.Name(), *only)
		}
	}
	c, err := a.connect()
	return teams, c, err
}
