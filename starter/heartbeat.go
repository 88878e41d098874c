package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/baton-oncall/baton/heartbeatclient"
)

func (a *app) heartbeatList(ctx context.Context, args []string) error {
	fs := a.flags("heartbeat list", "Lists the heartbeats of the worker's team file: each one's state, last ping and next deadline.")
	only := fs.String("team", "", "only this team")
	asJSON := jsonFlag(fs)
	teams, c, err := a.teamsAndClient(fs, args, only)
	if err != nil {
		return err
	}
	list := heartbeatclient.List(ctx, c, teams, *only)
	return printList(a, *asJSON, list, "no heartbeats: a team lists them under heartbeats: in the team file", func(l heartbeatclient.Listed) string {
		return a.heartbeatLine(l)
	})
}

// heartbeatLine is one heartbeat in the list, its times in its team's zone.
func (a *app) heartbeatLine(l heartbeatclient.Listed) string {
	if l.Error != "" {
		return fmt.Sprintf("%-8s %s/%s  every %s\n  %s", "unknown", l.Team, l.Name, l.Every, l.Error)
	}
	loc := a.zone(l.Team)
	const layout = "Mon 2 Jan 15:04 MST"
	last := "never"
	if !l.LastPing.IsZero() {
		last = l.LastPing.In(loc).Format(layout)
	}
	lines := []string{
		fmt.Sprintf("%-8s %s/%s  every %s, grace %s", l.State, l.Team, l.Name, l.Every, l.Grace),
		"  last ping: " + last,
		"  deadline:  " + l.Deadline.In(loc).Format(layout),
	}
	if l.Incident != "" {
		lines = append(lines, "  incident:  "+l.Incident)
	}
	return strings.Join(lines, "\n")
}
