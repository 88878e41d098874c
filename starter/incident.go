package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/workflows"
)

func (a *app) incidentOpen(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("incident open", "Declares an incident by hand: it is paged like an alert of the same severity.")
	summary := fs.String("summary", "", "what is wrong (required)")
	severity := fs.String("severity", "", "critical, high, medium or low (required)")
	service := fs.String("service", "", "the service affected")
	key := fs.String("key", "", "dedup key: opening the same key again adds to the open incident (default: a new key)")
	description := fs.String("description", "", "more detail")
	by := fs.String("by", whoAmI(), "who declares it, for the timeline")
	if err := parse(fs, args); err != nil {
		return err
	}
	sev, ok := workflows.NormalizeSeverity(*severity)
	switch {
	case *teamName == "" || *summary == "" || *severity == "":
		return exitError{code: exitUsage, msg: "incident open: --team, --summary and --severity are required"}
	case strings.TrimSpace(*by) == "":
		return exitError{code: exitUsage, msg: "incident open: --by names who declares it; it may not be empty"}
	case !ok:
		return exitError{code: exitUsage, msg: fmt.Sprintf("incident open: --severity %q is not one of critical, high, medium, low", *severity)}
	}
	t, err := a.team("incident open", *teamName)
	if err != nil {
		return err
	}
	if *key == "" {
		*key = "manual-" + a.now().UTC().Format("20060102T150405")
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	id, err := incidentclient.Deliver(ctx, c, t, workflows.Alert{
		Team: t.Name, DedupKey: *key, Summary: *summary, Description: *description, Severity: sev,
		Service: *service, Source: workflows.SourceManual, Status: workflows.AlertFiring, At: a.now(),
		Details: map[string]string{"declared_by": *by},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, id)
	return nil
}

func (a *app) incidentAct(ctx context.Context, action workflows.Action, args []string) error {
	fs := a.flags("incident "+string(action)+" ID", "Acts on an incident as a button in Slack would.")
	by := fs.String("by", whoAmI(), "who is acting, for the timeline: the starter acts as the operator it is, with Temporal's credentials")
	note := fs.String("note", "", "a note for the timeline")
	id, err := parseWithID(fs, "incident "+string(action), args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*by) == "" {
		return exitError{code: exitUsage, msg: "incident " + string(action) + ": --by names who acts; it may not be empty"}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	res, err := incidentclient.Act(ctx, c, id, workflows.ActionRequest{Action: action, By: *by, Via: "cli", Note: *note})
	if err := refusal(string(action)+" "+id, err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", res.State, res.Message)
	return nil
}

func (a *app) incidentList(ctx context.Context, args []string) error {
	fs := a.flags("incident list", "Lists incidents, newest first.")
	teamName := fs.String("team", "", "only this team")
	state := fs.String("state", "", "only this state: triggered, held, acknowledged, mitigated, resolved, closed")
	limit := fs.Int("limit", 50, "at most this many")
	asJSON := jsonFlag(fs)
	c, err := a.parseConnect(fs, args)
	if err != nil {
		return err
	}
	list, err := incidentclient.List(ctx, c, *teamName, *state, *limit)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "no incidents", func(l incidentclient.Listed) string {
		return fmt.Sprintf("%-13s %-9s %s  %s\n  %s", l.State, l.Severity, l.Started.In(a.zone(l.Team)).Format("Mon 2 Jan 15:04 MST"), l.Summary, l.WorkflowID)
	})
}

func (a *app) incidentShow(ctx context.Context, args []string) error {
	fs := a.flags("incident show ID", "Shows an incident and its timeline.")
	asJSON := jsonFlag(fs)
	st, err := a.statusOf(ctx, fs, "incident show", args)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(st)
	}
	s := st.Summary
	loc := a.zone(s.Team)
	// The summary and service are the sender's text, and the timeline is
	// mrkdwn with that text escaped: shown as plain text, control
	// characters left out, so that nothing typed can steer the terminal.
	fmt.Fprintf(a.stdout, "%s\n  [%s] %s\n", st.WorkflowID, strings.ToUpper(s.Severity), mrkdwn.OneLine(s.Summary))
	fmt.Fprintf(a.stdout, "  %s\n", fields("state", string(st.State), "team", s.Team, "service", mrkdwn.OneLine(s.Service)))
	var sent []string
	for _, kind := range slices.Sorted(maps.Keys(s.Notifications)) {
		sent = append(sent, fmt.Sprintf("%d %s", s.Notifications[kind], kind))
	}
	fmt.Fprintf(a.stdout, "  %s\n", fields("deliveries", strconv.Itoa(s.Deliveries), "escalation step", strconv.Itoa(s.EscalationStep),
		"notifications", strings.Join(sent, ", ")))
	for _, vendor := range slices.Sorted(maps.Keys(st.Failing)) {
		fmt.Fprintf(a.stdout, "  failing: %s: %s\n", vendor, st.Failing[vendor])
	}
	for _, e := range st.Timeline {
		fmt.Fprintf(a.stdout, "  %s  %s\n", e.At.In(loc).Format("Mon 2 Jan 15:04:05 MST"), mrkdwn.Plain(e.Text))
	}
	return nil
}

// fields prints name: value pairs on one line, leaving out the empty.
func fields(pairs ...string) string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, pairs[i]+": "+pairs[i+1])
		}
	}
	return strings.Join(out, "   ")
}

// zone is the team's time zone, in which its times are shown; the
// machine's when the team file does not name the team.
func (a *app) zone(teamName string) *time.Location {
	if teams, err := a.loadTeams(); err == nil {
		if t, ok := teams.Team(teamName); ok {
			if loc, err := t.Location(); err == nil {
				return loc
			}
		}
	}
	return time.Local
}

// statusOf parses "ID [flags]" and asks the incident for its status.
func (a *app) statusOf(ctx context.Context, fs *flag.FlagSet, cmd string, args []string) (workflows.IncidentStatus, error) {
	id, err := parseWithID(fs, cmd, args)
	if err != nil {
		return workflows.IncidentStatus{}, err
	}
	c, err := a.connect()
	if err != nil {
		return workflows.IncidentStatus{}, err
	}
	return incidentclient.Status(ctx, c, id)
}

// parseWithID parses "ID [flags]": the incident ID comes first, as in
// "incident ack ID --by bob".
func parseWithID(fs *flag.FlagSet, cmd string, args []string) (string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", exitError{code: exitUsage, msg: cmd + ": give the incident ID (see `starter incident list`)"}
	}
	return args[0], parse(fs, args[1:])
}

// whoAmI names the person at the terminal for the timeline.
func whoAmI() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}

// incidentLegacy lists the incidents still open under the ID scheme before
// the colon one (while there are any, the gateway keeps looking them up),
// marking those that run incident v1. It says what may be deleted.
func (a *app) incidentLegacy(ctx context.Context, args []string) error {
	fs := a.flags("incident legacy", "Lists the incidents still open under the old incident-<team>-<key> IDs, and those of them on incident v1.")
	c, err := a.parseConnect(fs, args)
	if err != nil {
		return err
	}
	open, err := incidentclient.OpenLegacy(ctx, c)
	if err != nil {
		return err
	}
	v1 := 0
	for _, r := range open {
		if r.V1 {
			v1++
			fmt.Fprintln(a.stdout, r.WorkflowID, "(incident v1)")
		} else {
			fmt.Fprintln(a.stdout, r.WorkflowID)
		}
	}
	switch {
	case len(open) == 0:
		fmt.Fprintln(a.stdout, "no incident is open under the old IDs: the legacy look-up and incident v1 may be deleted")
	case v1 == 0:
		fmt.Fprintln(a.stdout, "no incident runs v1: incident v1 may be deleted; the legacy look-up may not, yet")
	}
	return nil
}
