package main

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// localLayout is how the starter takes times: the team's wall clock.
const localLayout = "2006-01-02T15:04"

func (a *app) overrideAdd(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("override add", "Gives a team's pager to someone for a while, instead of whoever the rotation says.\n"+
		"Times are the team's wall clock, as 2026-12-08T18:00; --for 2h starts now.")
	who := fs.String("who", "", "the person who holds the pager, by ID (required)")
	from := fs.String("from", "", "when the override starts, in the team's zone")
	to := fs.String("to", "", "when it ends, in the team's zone")
	span := fs.Duration("for", 0, "how long, from now (instead of --from and --to)")
	note := fs.String("note", "", "why, for the channel")
	by := fs.String("by", "", "who asks (default: $USER)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *who == "" || (*span == 0) == (*from == "" || *to == "") {
		return exitError{code: exitUsage, msg: "override add: give --team, --who, and either --from and --to, or --for"}
	}
	t, loc, err := a.teamZone("override add", *teamName)
	if err != nil {
		return err
	}
	req := workflows.AddOverride{Person: *who, Note: *note, By: cmp.Or(*by, whoAmI())}
	if *span > 0 {
		req.From = a.now().Truncate(time.Minute)
		req.To = req.From.Add(*span)
	} else {
		if req.From, err = time.ParseInLocation(localLayout, *from, loc); err != nil {
			return exitError{code: exitUsage, msg: fmt.Sprintf("override add: --from %q: want the team's local time, such as 2026-12-08T18:00", *from)}
		}
		if req.To, err = time.ParseInLocation(localLayout, *to, loc); err != nil {
			return exitError{code: exitUsage, msg: fmt.Sprintf("override add: --to %q: want the team's local time, such as 2026-12-09T09:00", *to)}
		}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	o, err := rosterclient.Add(ctx, c, t, req)
	if err := refusal("override add", err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s holds the pager of %s from %s to %s\n", o.ID, o.Person, t.Name, o.From.In(loc).Format(when), o.To.In(loc).Format(when))
	return nil
}

func (a *app) overrideList(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("override list", "Lists a team's overrides.")
	asJSON := jsonFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	t, loc, c, err := a.teamClient("override list", *teamName)
	if err != nil {
		return err
	}
	list, err := rosterclient.List(ctx, c, t.Name)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, t.Name+" has no overrides", func(o team.Override) string {
		line := fmt.Sprintf("%-4s %-10s %s to %s", o.ID, o.Person, o.From.In(loc).Format(when), o.To.In(loc).Format(when))
		if o.Note != "" {
			line += "  (" + o.Note + ")"
		}
		return line
	})
}

func (a *app) overrideRemove(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("override remove", "Removes an override: starter override remove --team data ID")
	by := fs.String("by", "", "who asks (default: $USER)")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return exitError{code: exitUsage, msg: "override remove: give --team NAME and the override's ID"}
	}
	t, err := a.team("override remove", *teamName)
	if err != nil {
		return err
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	o, err := rosterclient.Remove(ctx, c, t.Name, fs.Arg(0), cmp.Or(*by, whoAmI()))
	if err := refusal("override remove", err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "removed %s (%s)\n", o.ID, o.Person)
	return nil
}

// oncall prints who holds a team's pager when, overrides included.
func (a *app) oncall(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("oncall", "Prints who is on call for a team, and when, overrides included.")
	atFlag := fs.String("at", "", "from this local time (default: now)")
	weeks := fs.Int("weeks", 4, "how many weeks ahead")
	asJSON := jsonFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	t, err := a.team("oncall", *teamName)
	if err != nil {
		return err
	}
	if t.Pager.Rotation == nil {
		return fmt.Errorf("oncall: team %q takes its on-call from its pager: see the schedule there (pages and handovers ask it)", t.Name)
	}
	loc, err := t.Location()
	if err != nil {
		return err
	}
	from := a.now()
	if *atFlag != "" {
		if from, err = time.ParseInLocation(localLayout, *atFlag, loc); err != nil {
			return exitError{code: exitUsage, msg: fmt.Sprintf("oncall: --at %q: want the team's local time, such as 2026-12-08T18:00", *atFlag)}
		}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	overrides, err := rosterclient.List(ctx, c, t.Name)
	if err != nil {
		return err
	}
	segs, err := t.Schedule(overrides, from, from.AddDate(0, 0, 7**weeks))
	if err != nil {
		return err
	}
	return printList(a, *asJSON, segs, "", func(s team.Segment) string {
		line := fmt.Sprintf("%s to %s  %s", s.From.In(loc).Format(when), s.To.In(loc).Format(when), s.Person)
		if s.Override != "" {
			line += "  (override " + s.Override + ")"
		}
		return line
	})
}

// when is how the starter shows an instant.
const when = "Mon 2 Jan 15:04 MST"
