package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/supportclient"
	"github.com/baton-oncall/baton/workflows"
)

// supportList lists support requests: the open ones, and with --all those
// done within a week.
func (a *app) supportList(ctx context.Context, args []string) error {
	fs := a.flags("support list", "Lists the support requests of the worker's teams: those open, oldest first, and with --all\n"+
		"those done within 7 days, newest first.")
	only := fs.String("team", "", "only this team")
	all := fs.Bool("all", false, "also the requests done within 7 days")
	asJSON := jsonFlag(fs)
	_, c, err := a.teamsAndClient(fs, args, only)
	if err != nil {
		return err
	}
	list, err := supportclient.List(ctx, c, *only, *all, a.now())
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "no open support requests", a.supportLine)
}

// supportLine is one request in the list, its times in its team's zone.
func (a *app) supportLine(r support.Request) string {
	loc := a.zone(r.Team)
	who := func(an *support.Answer) string {
		if an.By != "" {
			return an.By
		}
		return an.ByChat
	}
	asker := r.Asker
	if asker == "" {
		asker = "someone"
	}
	lines := []string{fmt.Sprintf("%-6s %s  since %s, asked by %s (%s)", r.State, r.ID, r.Opened.In(loc).Format(when), asker, r.Via)}
	if r.Text != "" {
		lines = append(lines, "  "+mrkdwn.CutPlain(mrkdwn.OneLine(r.Text), 120, "…"))
	}
	if r.Taken != nil {
		lines = append(lines, fmt.Sprintf("  taken by %s at %s", who(r.Taken), r.Taken.At.In(loc).Format(when)))
	}
	if r.Finished != nil {
		lines = append(lines, fmt.Sprintf("  done by %s at %s", who(r.Finished), r.Finished.At.In(loc).Format(when)))
	}
	if r.Reminders > 0 {
		lines = append(lines, fmt.Sprintf("  reminded %d times, last at %s", r.Reminders, r.Reminded.In(loc).Format(when)))
	}
	if r.Link != "" {
		lines = append(lines, "  "+r.Link)
	}
	return strings.Join(lines, "\n")
}

// supportAct takes a request (sub "take") or says it is done ("done"), as
// the person --as, as its buttons do.
func (a *app) supportAct(ctx context.Context, sub string, args []string) error {
	fs := a.flags("support "+sub, "support "+sub+" --as PERSON ID: "+map[string]string{
		support.ActTake: "takes a support request, as its Take button does: it is then yours to answer",
		support.ActDone: "says a support request is done, as its Done button does",
	}[sub])
	as := fs.String("as", "", "the person of the request's team who acts (required)")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	if *as == "" || fs.NArg() != 1 {
		return exitError{code: exitUsage, msg: "support " + sub + ": give --as PERSON and the request's ID (see `starter support list`)"}
	}
	id, err := contract.ParseSupportID(fs.Arg(0))
	if err != nil {
		return exitError{code: exitUsage, msg: "support " + sub + ": " + err.Error()}
	}
	t, _, c, err := a.teamClient("support "+sub, id.Team)
	if err != nil {
		return err
	}
	if _, ok := t.Person(*as); !ok {
		return exitError{code: exitUsage, msg: fmt.Sprintf("support %s: %q is not a person of team %s", sub, *as, t.Name)}
	}
	res, err := supportclient.Act(ctx, c, id.String(), workflows.SupportAction{Action: sub, By: *as, Via: "cli"})
	if err := refusal("support "+sub, err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", id, res.Message)
	return nil
}
