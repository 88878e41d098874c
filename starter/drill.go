package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

func (a *app) drill(ctx context.Context, args []string) error {
	fs, teamName := a.teamFlags("drill", "Runs a drill now: a page marked DRILL through the real path (the page, the DM, "+
		"the SMS and the call at the policy's steps), answered as a real page is. It files no ticket and tells no "+
		"stakeholder; the weekly summary lists it apart from the incidents.")
	severity := fs.String("severity", string(workflows.DrillSeverity), "the severity whose escalation policy the drill follows")
	via := fs.String("via", "", "sms or call: keep only the policy's steps of that kind to the person on call (default: the policy's first cycle)")
	by := fs.String("by", whoAmI(), "who starts it, for the timeline")
	if err := parse(fs, args); err != nil {
		return err
	}
	sev, ok := workflows.NormalizeSeverity(*severity)
	switch {
	case !ok:
		return exitError{code: exitUsage, msg: fmt.Sprintf("drill: --severity %q is not one of critical, high, medium, low", *severity)}
	case *via != "" && *via != team.DrillViaSMS && *via != team.DrillViaCall:
		return exitError{code: exitUsage, msg: fmt.Sprintf("drill: --via %q is not sms or call", *via)}
	case strings.TrimSpace(*by) == "":
		return exitError{code: exitUsage, msg: "drill: --by names who starts it; it may not be empty"}
	}
	t, err := a.team("drill", *teamName)
	if err != nil {
		return err
	}
	if err := workflows.CheckDrill(t, sev, *via); err != nil {
		return exitError{code: exitUsage, msg: "drill: " + err.Error()}
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	id, err := incidentclient.Deliver(ctx, c, t, workflows.DrillAlert(t.Name, a.now(), sev, *via, *by))
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, id)
	return nil
}
