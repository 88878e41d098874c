package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/handoverclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

func (a *app) handover(ctx context.Context, args []string) error {
	fs := a.flags("handover", "Runs a team's handover for the current shift now, waits until it has handed over and prints what it did.\n"+
		"A second run for the same shift changes nothing and posts nothing new. When the team tests the\n"+
		"incoming phone, the run goes on waiting for the acceptance; run it again to see it.")
	teamName := fs.String("team", "", "the team, as named in the team file (required)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the result")
	if err := parse(fs, args); err != nil {
		return err
	}
	t, loc, shift, err := a.currentShift("handover", *teamName)
	if err != nil {
		return err
	}

	c, err := a.connect()
	if err != nil {
		return err
	}
	id := contract.HandoverWorkflowID(t.Name, shift)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: contract.TaskQueue,
		// A finished handover of this shift may run again (it changes
		// nothing); one still running is joined, not started twice.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(contract.TeamKey.ValueSet(t.Name)),
		StaticSummary:            fmt.Sprintf("Handover of %s, shift from %s (started by hand)", t.Name, shift.In(loc).Format("Mon 2 Jan 15:04 MST")),
	}, contract.HandoverWorkflowName, workflows.HandoverInput{Team: t.Slim(), ShiftStart: shift})
	if err != nil {
		return fmt.Errorf("start handover of %s: %w", t.Name, err)
	}
	if !*asJSON {
		fmt.Fprintf(a.stderr, "started workflow %s (run %s), waiting for it...\n", id, run.GetRunID())
	}
	waitCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := handedOver(waitCtx, c, run)
	if err != nil {
		if errors.Is(waitCtx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("handover %s has not handed over after %s: is a worker running (go run ./deploy/dev, or the worker binary)? It will still run when one starts", id, *timeout)
		}
		return fmt.Errorf("handover %s failed: %w", id, err)
	}
	if *asJSON {
		if err := a.printJSON(struct {
			WorkflowID string `json:"workflow_id"`
			RunID      string `json:"run_id"`
			workflows.HandoverResult
		}{id, run.GetRunID(), res}); err != nil {
			return err
		}
	} else {
		a.printHandover(id, res, loc)
	}
	if len(res.Warnings) > 0 {
		return exitError{code: exitWarnings}
	}
	return nil
}

// currentShift finds a team, its zone and the start of its shift under
// way: the handover that began it is the one to run or accept.
func (a *app) currentShift(cmd, teamName string) (team.Team, *time.Location, time.Time, error) {
	t, loc, err := a.teamZone(cmd, teamName)
	if err != nil {
		return team.Team{}, nil, time.Time{}, err
	}
	shift, err := t.Handover.Previous(loc, a.now())
	return t, loc, shift, err
}

func (a *app) printHandover(id string, r workflows.HandoverResult, loc *time.Location) {
	names := func(ids []string) string {
		if len(ids) == 0 {
			return "nobody"
		}
		return strings.Join(ids, ", ")
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no (already so)"
	}
	w := a.stdout
	fmt.Fprintf(w, "Handover of %s: %s\n", r.Team, r.Status)
	fmt.Fprintf(w, "  shift:          %s to %s\n", r.ShiftStart.In(loc).Format(when), r.ShiftEnd.In(loc).Format(when))
	fmt.Fprintf(w, "  outgoing:       %s\n", names(r.Outgoing))
	fmt.Fprintf(w, "  on call:        %s\n", names(r.OnCall))
	fmt.Fprintf(w, "  next:           %s\n", names(r.Next))
	if len(r.OnCall) > 0 {
		fmt.Fprintf(w, "  user group set: %s\n", yes(r.GroupChanged))
		fmt.Fprintf(w, "  topic set:      %s\n", yes(r.TopicChanged))
		fmt.Fprintf(w, "  message posted: %s\n", yes(r.MessagePosted))
		fmt.Fprintf(w, "  checklist sent: %s\n", yes(r.ChecklistSent))
		fmt.Fprintf(w, "  open incidents: %d\n", r.OpenIncidents)
	}
	switch r.Acceptance {
	case "":
	case workflows.AcceptanceWaiting:
		fmt.Fprintf(w, "  acceptance:     waiting for %s until %s (test page: %s)\n", names(r.OnCall), r.AcceptBy.In(loc).Format(when), r.TestPage)
	case workflows.AcceptanceNever:
		fmt.Fprintf(w, "  acceptance:     not accepted (deadline %s)\n", r.AcceptBy.In(loc).Format(when))
	default:
		fmt.Fprintf(w, "  acceptance:     %s by %s at %s via %s\n", r.Acceptance, r.AcceptedBy, r.AcceptedAt.In(loc).Format(when), r.AcceptedVia)
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "  warning:        %s\n", warning)
	}
	fmt.Fprintf(w, "  workflow:       %s\n", id)
}

// handedOver waits until the handover has handed over: its result when the
// run ends, or, while it goes on waiting for the incoming person to
// accept, its status as it stands.
func handedOver(ctx context.Context, c client.Client, run client.WorkflowRun) (workflows.HandoverResult, error) {
	done := make(chan error, 1)
	var res workflows.HandoverResult
	go func() { done <- run.Get(ctx, &res) }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return res, err
		case <-tick.C:
			v, err := c.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), contract.HandoverStatusQuery)
			if err != nil {
				continue
			}
			var st workflows.HandoverResult
			if err := v.Get(&st); err == nil && st.Status != "" && st.Acceptance == workflows.AcceptanceWaiting {
				return st, nil
			}
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
}

// handoverAccept accepts a handover by hand, as its Accept button does:
// for someone without Slack or a phone at hand, and locally.
func (a *app) handoverAccept(ctx context.Context, args []string) error {
	fs := a.flags("handover accept", "Accepts a handover as the incoming person: starter handover accept --as carol WORKFLOW_ID\n"+
		"(or --team data for the current shift's).")
	as := fs.String("as", "", "the incoming person's ID (required)")
	teamName := fs.String("team", "", "accept the current shift's handover of this team")
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	id := fs.Arg(0)
	if *as == "" || (id == "") == (*teamName == "") {
		return exitError{code: exitUsage, msg: "handover accept: give --as PERSON and either a handover's workflow ID or --team NAME"}
	}
	if id == "" {
		t, _, shift, err := a.currentShift("handover accept", *teamName)
		if err != nil {
			return err
		}
		id = contract.HandoverWorkflowID(t.Name, shift)
	}
	c, err := a.connect()
	if err != nil {
		return err
	}
	msg, err := handoverclient.Accept(ctx, c, id, *as, "starter")
	if err := refusal("", err); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}
