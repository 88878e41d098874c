package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/workflows"
)

// cover asks the team to cover someone (sub "ask"), or takes a request
// ("take").
func (a *app) cover(ctx context.Context, sub string, args []string) error {
	fs := a.flags("cover "+sub, "cover ask --team data --who alice --from 2026-12-08T18:00 --to 2026-12-09T09:00 [--note TEXT]\n"+
		"posts a cover request with an \"I'll cover\" button; cover take --team data --as bob ID takes one.")
	teamName := fs.String("team", "", "the team (required)")
	who := fs.String("who", "", "ask: who needs cover")
	as := fs.String("as", "", "take: who covers")
	from := fs.String("from", "", "ask: from, in the team's zone")
	to := fs.String("to", "", "ask: to, in the team's zone")
	note := fs.String("note", "", "ask: why")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	t, loc, c, err := a.teamClient("cover "+sub, *teamName)
	if err != nil {
		return err
	}
	defer c.Close()
	var rq workflows.Request
	if sub == "ask" {
		start, err1 := time.ParseInLocation(localLayout, *from, loc)
		end, err2 := time.ParseInLocation(localLayout, *to, loc)
		if *who == "" || err1 != nil || err2 != nil {
			return exitError{code: exitUsage, msg: "cover ask: give --who, and --from and --to as the team's local time, such as 2026-12-08T18:00"}
		}
		rq, err = rosterclient.AskCover(ctx, c, t, workflows.AskCover{Person: *who, From: start, To: end, Note: *note})
	} else {
		if *as == "" || fs.NArg() != 1 {
			return exitError{code: exitUsage, msg: "cover take: give --as PERSON and the request's ID"}
		}
		rq, err = rosterclient.TakeCover(ctx, c, t.Name, workflows.TakeCover{ID: fs.Arg(0), By: *as})
	}
	if err := refusal("cover "+sub, err); err != nil {
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
	fs := a.flags("swap "+sub, "swap ask --team data --who alice --shift 2026-12-07T12:00 --with bob --their-shift 2026-12-14T12:00\n"+
		"asks bob by DM to exchange the shifts that hold those instants; swap reply --team data --as bob [--accept] ID answers.")
	teamName := fs.String("team", "", "the team (required)")
	who := fs.String("who", "", "ask: who asks")
	shift := fs.String("shift", "", "ask: an instant in the asker's shift, in the team's zone")
	with := fs.String("with", "", "ask: the other person")
	theirs := fs.String("their-shift", "", "ask: an instant in the other person's shift")
	as := fs.String("as", "", "reply: the other person")
	accept := fs.Bool("accept", false, "reply: accept (without it: decline)")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	t, loc, c, err := a.teamClient("swap "+sub, *teamName)
	if err != nil {
		return err
	}
	defer c.Close()
	var rq workflows.Request
	if sub == "ask" {
		mine, err1 := time.ParseInLocation(localLayout, *shift, loc)
		other, err2 := time.ParseInLocation(localLayout, *theirs, loc)
		if *who == "" || *with == "" || err1 != nil || err2 != nil {
			return exitError{code: exitUsage, msg: "swap ask: give --who, --with, and --shift and --their-shift as the team's local time"}
		}
		rq, err = rosterclient.AskSwap(ctx, c, t, workflows.AskSwap{Person: *who, Shift: mine, With: *with, WithShift: other})
	} else {
		if *as == "" || fs.NArg() != 1 {
			return exitError{code: exitUsage, msg: "swap reply: give --as PERSON, --accept to accept, and the swap's ID"}
		}
		rq, err = rosterclient.ReplySwap(ctx, c, t.Name, workflows.ReplySwap{ID: fs.Arg(0), By: *as, Accept: *accept})
	}
	if err := refusal("swap "+sub, err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s (%s's %s to %s for %s's %s to %s)\n", rq.ID, rq.State, rq.By, rq.From.In(loc).Format(when), rq.To.In(loc).Format(when),
		rq.With, rq.WithFrom.In(loc).Format(when), rq.WithTo.In(loc).Format(when))
	return nil
}

// refusal turns a roster's refusal into the command's one-line error.
func refusal(cmd string, err error) error {
	if errors.Is(err, workflowerr.ErrRefused) {
		return exitError{code: exitFailed, msg: cmd + ": " + workflowerr.Reason(err)}
	}
	return err
}
