package main

import (
	"context"
	"fmt"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/pager/opsgenie"
	"github.com/baton-oncall/baton/activities/pager/pagerduty"
	"github.com/baton-oncall/baton/workflows"
)

func (a *app) summary(ctx context.Context, args []string) error {
	fs := a.flags("summary", "Computes a team's on-call summary of one shift from Temporal visibility and prints it.\n"+
		"It posts nothing: the WeeklySummary schedule does that.")
	teamName := fs.String("team", "", "the team, as named in the team file (required)")
	week := fs.String("week", "", "the ISO week the shift starts in, such as 2026-W47 (default: the shift that just ended)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	t, loc, err := a.teamZone("summary", *teamName)
	if err != nil {
		return err
	}
	end, err := t.Handover.Previous(loc, a.now())
	if *week != "" {
		if end, err = workflows.ShiftEndOfWeek(t, *week); err != nil {
			return exitError{code: exitUsage, msg: "summary: --week: " + err.Error()}
		}
	}
	if err != nil {
		return err
	}
	req, err := workflows.SummaryRequest(t, end)
	if err != nil {
		return err
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	acts := &activities.Activities{Temporal: c, Namespace: a.cfg.TemporalNamespace, UIURL: a.cfg.TemporalUIURL}
	if a.cfg.OpsgenieAPIKey != "" {
		// Without a handover record of the shift, who was on call comes
		// from the pager.
		if acts.Opsgenie, err = opsgenie.NewOpsgenie(a.cfg.OpsgenieAPIKey, a.cfg.OpsgenieAPIURL); err != nil {
			return err
		}
	}
	if a.cfg.PagerDutyAPIToken != "" {
		acts.PagerDuty = pagerduty.NewPagerDuty(a.cfg.PagerDutyAPIToken, a.cfg.PagerDutyAPIURL)
	}
	res, err := acts.ComputeSummary(ctx, req)
	if err != nil {
		return fmt.Errorf("summary of %s, %s: %w", t.Name, req.Shift.Week, err)
	}
	if *asJSON {
		return a.printJSON(res.Report)
	}
	_, err = fmt.Fprint(a.stdout, res.Report.Text())
	return err
}
