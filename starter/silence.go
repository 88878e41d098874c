package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/baton-oncall/baton/silence"
	"github.com/baton-oncall/baton/silenceclient"
	"github.com/baton-oncall/baton/workflows"
)

// matchFlags is --match, given once per matcher.
type matchFlags []string

func (m *matchFlags) String() string     { return strings.Join(*m, " ") }
func (m *matchFlags) Set(v string) error { *m = append(*m, v); return nil }

func (a *app) silenceAdd(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("silence add", "Silences a team's alerts that match, for planned work: they open their incidents and show\n"+
		"in the channel, marked, but page nobody and ring no phone until the silence ends (at most 7 days).\n"+
		"Example: starter silence add --team data --match service=orders --for 2h --note \"warehouse migration\"")
	var match matchFlags
	fs.Var(&match, "match", "key=value, once per matcher; alertname, service and severity are the alert's fields, other keys its labels (required)")
	span := fs.Duration("for", 0, "how long, from now, such as 2h (required; at most 168h)")
	note := fs.String("note", "", "why, for the channel")
	by := fs.String("by", "", "who asks (default: $USER)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(match) == 0 || *span <= 0 {
		return exitError{code: exitUsage, msg: "silence add: give --team, at least one --match key=value, and --for"}
	}
	matchers, err := silence.ParseMatchers(match)
	if err != nil {
		return exitError{code: exitUsage, msg: "silence add: " + err.Error()}
	}
	t, loc, c, err := a.teamClient("silence add", *teamName)
	if err != nil {
		return err
	}
	s, err := silenceclient.Add(ctx, c, t, workflows.AddSilence{Matchers: matchers, For: *span, Note: *note, By: cmp.Or(*by, whoAmI())})
	if err := refusal("silence add", err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: alerts of %s matching %s page nobody until %s\n", s.ID, t.Name, s.Describe(), s.Until.In(loc).Format(when))
	return nil
}

func (a *app) silenceList(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("silence list", "Lists a team's silences: those that hold now, and those that ended within a week.")
	asJSON := jsonFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	t, loc, c, err := a.teamClient("silence list", *teamName)
	if err != nil {
		return err
	}
	list, err := silenceclient.List(ctx, c, t.Name)
	if err != nil {
		return err
	}
	now := a.now()
	return printList(a, *asJSON, list, t.Name+" has no silences", func(s silence.Silence) string {
		state := "until " + s.Until.In(loc).Format(when)
		switch {
		case !s.Ended.IsZero() && s.Ended.Before(s.Until):
			state = fmt.Sprintf("removed %s by %s", s.Ended.In(loc).Format(when), cmp.Or(s.RemovedBy, s.RemovedByChat))
		case !now.Before(s.Until):
			state = "ended " + s.Until.In(loc).Format(when)
		}
		line := fmt.Sprintf("%-4s %-30s %s, set by %s", s.ID, s.Describe(), state, cmp.Or(s.By, s.ByChat))
		if s.Note != "" {
			line += "  (" + s.Note + ")"
		}
		return line
	})
}

func (a *app) silenceRemove(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("silence remove", "Ends a silence now: starter silence remove --team data ID")
	by := fs.String("by", "", "who asks (default: $USER)")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return exitError{code: exitUsage, msg: "silence remove: give --team NAME and the silence's ID"}
	}
	t, loc, c, err := a.teamClient("silence remove", *teamName)
	if err != nil {
		return err
	}
	s, err := silenceclient.Remove(ctx, c, t.Name, workflows.RemoveSilence{ID: fs.Arg(0), By: cmp.Or(*by, whoAmI())})
	if err := refusal("silence remove", err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "removed %s (%s) at %s\n", s.ID, s.Describe(), s.End().In(loc).Format(when))
	return nil
}
