package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// cover asks the team to cover someone (sub "ask"), or takes a request
// ("take").
func (a *app) cover(ctx context.Context, sub string, args []string) error {
	fs, teamName := a.teamFlags("cover "+sub, "cover ask --team data --who alice --from 2026-12-08T18:00 --to 2026-12-09T09:00 [--note TEXT]\n"+
		"posts a cover request with an \"I'll cover\" button; cover take --team data --as bob ID takes one.")
	who := fs.String("who", "", "ask: who needs cover")
	as := fs.String("as", "", "take: who covers")
	from := fs.String("from", "", "ask: from, in the team's zone")
	to := fs.String("to", "", "ask: to, in the team's zone")
	note := fs.String("note", "", "ask: why")
	rq, loc, err := a.rosterRequest(fs, args, teamName, func(c client.Client, t team.Team, loc *time.Location) (workflows.Request, error) {
		if sub == "ask" {
			start, err1 := time.ParseInLocation(localLayout, *from, loc)
			end, err2 := time.ParseInLocation(localLayout, *to, loc)
			if *who == "" || err1 != nil || err2 != nil {
				return workflows.Request{}, exitError{code: exitUsage, msg: "cover ask: give --who, and --from and --to as the team's local time, such as 2026-12-08T18:00"}
			}
			return rosterclient.AskCover(ctx, c, t, workflows.AskCover{Person: *who, From: start, To: end, Note: *note})
		}
		if *as == "" || fs.NArg() != 1 {
			return workflows.Request{}, exitError{code: exitUsage, msg: "cover take: give --as PERSON and the request's ID"}
		}
		return rosterclient.TakeCover(ctx, c, t.Name, workflows.TakeCover{ID: fs.Arg(0), By: *as})
	})
	if err != nil {
		return err
	}
	if sub == "ask" {
		fmt.Fprintf(a.stdout, "%s: asked the channel to cover %s from %s to %s\n", rq.ID, rq.By, rq.From.In(loc).Format(when), rq.To.In(loc).Format(when))
	} else {
		fmt.Fprintf(a.stdout, "%s: %s covers %s from %s to %s (override %s)\n", rq.ID, rq.TakenBy, rq.By, rq.From.In(loc).Format(when), rq.To.In(loc).Format(when), strings.Join(rq.Overrides, ", "))
	}
	return nil
}

// swap asks to exchange two whole shifts (sub "ask"), or answers such a
// request ("reply").
func (a *app) swap(ctx context.Context, sub string, args []string) error {
	fs, teamName := a.teamFlags("swap "+sub, "swap ask --team data --who alice --shift 2026-12-07T12:00 --with bob --their-shift 2026-12-14T12:00\n"+
		"asks bob by DM to exchange the shifts that hold those instants; swap reply --team data --as bob [--accept] ID answers.")
	who := fs.String("who", "", "ask: who asks")
	shift := fs.String("shift", "", "ask: an instant in the asker's shift, in the team's zone")
	with := fs.String("with", "", "ask: the other person")
	theirs := fs.String("their-shift", "", "ask: an instant in the other person's shift")
	as := fs.String("as", "", "reply: the other person")
	accept := fs.Bool("accept", false, "reply: accept (without it: decline)")
	rq, loc, err := a.rosterRequest(fs, args, teamName, func(c client.Client, t team.Team, loc *time.Location) (workflows.Request, error) {
		if sub == "ask" {
			mine, err1 := time.ParseInLocation(localLayout, *shift, loc)
			other, err2 := time.ParseInLocation(localLayout, *theirs, loc)
			if *who == "" || *with == "" || err1 != nil || err2 != nil {
				return workflows.Request{}, exitError{code: exitUsage, msg: "swap ask: give --who, --with, and --shift and --their-shift as the team's local time"}
			}
			return rosterclient.AskSwap(ctx, c, t, workflows.AskSwap{Person: *who, Shift: mine, With: *with, WithShift: other})
		}
		if *as == "" || fs.NArg() != 1 {
			return workflows.Request{}, exitError{code: exitUsage, msg: "swap reply: give --as PERSON, --accept to accept, and the swap's ID"}
		}
		return rosterclient.ReplySwap(ctx, c, t.Name, workflows.ReplySwap{ID: fs.Arg(0), By: *as, Accept: *accept})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s (%s's %s to %s for %s's %s to %s)\n", rq.ID, rq.State, rq.By, rq.From.In(loc).Format(when), rq.To.In(loc).Format(when),
		rq.With, rq.WithFrom.In(loc).Format(when), rq.WithTo.In(loc).Format(when))
	return nil
}

// rosterRequest runs a sub-command of cover or swap, whose flags fs
// holds: it parses them, finds the team, and send asks for a request or
// answers one; a refusal is the command's error. It returns the request as
// the roster has it now, and the team's zone to show it in.
func (a *app) rosterRequest(fs *flag.FlagSet, args []string, teamName *string,
	send func(c client.Client, t team.Team, loc *time.Location) (workflows.Request, error)) (workflows.Request, *time.Location, error) {
	if err := parseWithArgs(fs, args); err != nil {
		return workflows.Request{}, nil, err
	}
	t, loc, c, err := a.teamClient(fs.Name(), *teamName)
	if err != nil {
		return workflows.Request{}, nil, err
	}
	rq, err := send(c, t, loc)
	return rq, loc, refusal(fs.Name(), err)
}
