package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// A check runs on its own Temporal Schedule (contract.CheckID): each run is
// a short workflow that probes once, reads the last run's result (the
// schedule hands it over), decides, and returns its own for the next run.
// So a check's state is in Temporal, never in one worker's memory, and no
// history grows beyond one probe.

// CheckInput is a check as its schedule was applied.
type CheckInput struct {
	Team  team.Team  `json:"team"`
	Check team.Check `json:"check"`
}

// CheckState is what a run hands to the next: its result, the failures in
// a row, and the incidents it holds open.
type CheckState struct {
	Last activities.CheckResult `json:"last"`
	// Failures and CannotRun count the runs in a row that failed, and
	// that could not run.
	Failures  int `json:"failures"`
	CannotRun int `json:"cannot_run"`
	// Incident is the open incident of the failing check, and
	// CannotRunIncident the one of a check that cannot run; empty while
	// none is open (or while its opening has not been delivered yet, so
	// that the next run tries again).
	Incident          string `json:"incident,omitempty"`
	CannotRunIncident string `json:"cannot_run_incident,omitempty"`
	Runs              int    `json:"runs"`
}

// A check's states: its BatonState, so that the Web UI finds the failing
// ones.
const (
	CheckStatePassing   = "passing"
	CheckStateFailing   = "failing"
	CheckStateCannotRun = "cannot_run"
)

// State is the check's state after its last run.
func (s CheckState) State() string {
	switch s.Last.Outcome {
	case activities.CheckFailed:
		return CheckStateFailing
	case activities.CheckCannotRun:
		return CheckStateCannotRun
	}
	return CheckStatePassing
}

// Check runs a check once.
func Check(ctx workflow.Context, in CheckInput) (CheckState, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return CheckState{}, err
	}
	var prev CheckState
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &prev); err != nil {
			workflow.GetLogger(ctx).Warn("the last run's result could not be read; counting afresh", "error", err)
		}
	}
	c := in.Check
	// A worker that dies mid-probe is worth one more try; a probe that
	// hangs is cut by its own timeout first.
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: c.RunTimeout() + 15*time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 2},
		Summary:             "Run the check " + c.Name,
	})
	var acts *activities.Activities
	var res activities.CheckResult
	if err := workflow.ExecuteActivity(actx, acts.RunCheck, activities.RunCheckInput{Team: in.Team.Name, Check: c}).Get(ctx, &res); err != nil {
		res = activities.CheckResult{Outcome: activities.CheckCannotRun, Detail: fmt.Sprintf("could not run: %v", err), At: workflow.Now(ctx)}
	}
	next, alerts := stepCheck(prev, res, in, loc)
	for _, d := range alerts {
		// Tried for at most one period: the next run tries again after.
		var id string
		if err := deliverAlert(ctx, in.Team, d.alert, max(c.Interval(), time.Minute)).Get(ctx, &id); err != nil {
			// Left as it was: the next run delivers it again.
			workflow.GetLogger(ctx).Error("check alert not delivered; the next run tries again", "check", c.Name, "status", d.alert.Status, "error", err)
			continue
		}
		d.delivered(&next, id)
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx,
		contract.TeamKey.ValueSet(in.Team.Name),
		contract.ServiceKey.ValueSet(c.Service),
		contract.AlertNameKey.ValueSet(c.Name),
		contract.StateKey.ValueSet(next.State()))
	return next, nil
}

// checkAlert is an alert a run delivers, and what its delivery changes in
// the state handed to the next run.
type checkAlert struct {
	alert     Alert
	delivered func(s *CheckState, incident string)
}

// stepCheck is the decision of one run, a pure function of the last
// state and this run's result: the new state, and the alerts to deliver.
// The check's incident opens when it has failed FailAfter times in a row,
// and the cannot-run incident when it could not run as many times; each
// resolves with the first run that says otherwise.
func stepCheck(prev CheckState, res activities.CheckResult, in CheckInput, loc *time.Location) (CheckState, []checkAlert) {
	c, id := in.Check, contract.CheckID{Team: in.Team.Name, Name: in.Check.Name}
	next := prev
	next.Last, next.Runs = res, prev.Runs+1
	next.Failures, next.CannotRun = 0, 0
	switch res.Outcome {
	case activities.CheckFailed:
		next.Failures = prev.Failures + 1
	case activities.CheckCannotRun:
		next.CannotRun = prev.CannotRun + 1
	}
	var out []checkAlert
	base := Alert{
		Team: in.Team.Name, Service: c.Service, AlertName: c.Name, Source: SourceCheck,
		RunbookURL: c.Runbook, At: res.At,
		Details: map[string]string{"check": c.Name, "kind": c.Kind},
	}
	switch {
	case next.Failures >= c.Failures() && prev.Incident == "":
		a := base
		a.DedupKey, a.Status = id.DedupKey(), AlertFiring
		a.Severity, _ = NormalizeSeverity(c.CheckSeverity())
		a.Summary = c.Name + " " + res.Detail
		a.Description = fmt.Sprintf("The %s check %s %s, %d runs in a row (it runs every %s; the last at %s). "+
			"This incident resolves itself when the check passes again.",
			c.Kind, c.Name, res.Detail, next.Failures, spanText(c.Interval()), res.At.In(loc).Format("15:04:05 MST"))
		out = append(out, checkAlert{alert: a, delivered: func(s *CheckState, inc string) { s.Incident = inc }})
	case next.Failures == 0 && prev.Incident != "":
		a := base
		a.DedupKey, a.Status, a.Severity = id.DedupKey(), AlertResolved, SeverityLow
		a.Summary = c.Name + " " + res.Detail
		out = append(out, checkAlert{alert: a, delivered: func(s *CheckState, _ string) { s.Incident = "" }})
	}
	switch {
	case next.CannotRun >= c.Failures() && prev.CannotRunIncident == "":
		a := base
		a.DedupKey, a.Status, a.Severity = id.CannotRunKey(), AlertFiring, SeverityLow
		a.Summary = c.Name + " " + res.Detail
		a.Description = fmt.Sprintf("The %s check %s %s, %d runs in a row. Until it runs, Baton cannot tell whether what it watches is well: "+
			"this is not the check failing. This incident resolves itself when the check runs again.",
			c.Kind, c.Name, res.Detail, next.CannotRun)
		out = append(out, checkAlert{alert: a, delivered: func(s *CheckState, inc string) { s.CannotRunIncident = inc }})
	case next.CannotRun == 0 && prev.CannotRunIncident != "":
		a := base
		a.DedupKey, a.Status, a.Severity = id.CannotRunKey(), AlertResolved, SeverityLow
		a.Summary = c.Name + " runs again"
		out = append(out, checkAlert{alert: a, delivered: func(s *CheckState, _ string) { s.CannotRunIncident = "" }})
	}
	return next, out
}
