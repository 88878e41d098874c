// Package heartbeatclient is how the gateway, the worker and the starter
// reach heartbeat monitors: take a ping, make the running monitors match
// the team file, and read each heartbeat's state.
package heartbeatclient

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// startOptions start a heartbeat's monitor, or reach the running one: a
// ping and the team file's sync both signal with start, so neither has to
// come first.
func startOptions(t team.Team, h team.Heartbeat) client.StartWorkflowOptions {
	id := contract.HeartbeatID{Team: t.Name, Name: h.Name}.String()
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.TeamKey.ValueSet(t.Name),
			contract.ServiceKey.ValueSet(h.Service),
			contract.AlertNameKey.ValueSet(h.Name),
			contract.StateKey.ValueSet(workflows.HeartbeatWaiting),
		),
		StaticSummary: fmt.Sprintf("Heartbeat %s of %s, every %s", h.Name, t.Name, h.Every),
	}
}

// monitored is the team as a heartbeat's monitor keeps it: slim, with this
// heartbeat alone.
func monitored(t team.Team, h team.Heartbeat) team.Team {
	t = t.Slim()
	t.Heartbeats = []team.Heartbeat{h}
	return t
}

// Ping hands one ping, taken at at, to the heartbeat's monitor, starting
// the monitor if it is not running. It returns the monitor's workflow ID
// once Temporal holds the ping.
func Ping(ctx context.Context, c client.Client, t team.Team, h team.Heartbeat, p workflows.HeartbeatPing) (string, error) {
	opts := startOptions(t, h)
	_, err := c.SignalWithStartWorkflow(ctx, opts.ID, contract.HeartbeatPingSignal, p, opts,
		contract.HeartbeatWorkflowName, workflows.HeartbeatInput{Team: monitored(t, h), Heartbeat: h})
	if err != nil {
		return "", fmt.Errorf("ping %s: %w", opts.ID, err)
	}
	return opts.ID, nil
}

// Synced is what Sync did to one heartbeat.
type Synced struct {
	WorkflowID string `json:"workflow_id"`
	// Action is "watched" (started, or given the file's configuration) or
	// "stopped" (no longer in the file).
	Action string `json:"action"`
}

// Sync makes the running monitors match the team file: every heartbeat of
// the file is watched with its configuration as the file has it now, and
// every monitor whose heartbeat the file no longer has is stopped (an open
// incident of it is resolved). With only set, only that team's monitors
// are touched.
func Sync(ctx context.Context, c client.Client, file *team.File, only string) ([]Synced, error) {
	var done []Synced
	watched := map[string]bool{}
	for _, t := range file.Only(only) {
		for _, h := range t.Heartbeats {
			opts := startOptions(t, h)
			_, err := c.SignalWithStartWorkflow(ctx, opts.ID, contract.HeartbeatConfigureSignal,
				workflows.HeartbeatConfig{Team: monitored(t, h), Heartbeat: h}, opts,
				contract.HeartbeatWorkflowName, workflows.HeartbeatInput{Team: monitored(t, h), Heartbeat: h})
			if err != nil {
				return done, fmt.Errorf("watch %s: %w", opts.ID, err)
			}
			watched[opts.ID] = true
			done = append(done, Synced{WorkflowID: opts.ID, Action: "watched"})
		}
	}
	query := fmt.Sprintf("WorkflowType = %q AND ExecutionStatus = 'Running'", contract.HeartbeatWorkflowName)
	for e, err := range visibility.Runs(ctx, c, query, 100) {
		if err != nil {
			return done, fmt.Errorf("list the running heartbeats: %w", err)
		}
		id := e.GetExecution().GetWorkflowId()
		hb, perr := contract.ParseHeartbeatID(id)
		if perr != nil || watched[id] || only != "" && hb.Team != only {
			continue
		}
		err := c.SignalWorkflow(ctx, id, "", contract.HeartbeatStopSignal, "taken out of the team file")
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			continue // ended since it was listed
		}
		if err != nil {
			return done, fmt.Errorf("stop %s: %w", id, err)
		}
		done = append(done, Synced{WorkflowID: id, Action: "stopped"})
	}
	return done, nil
}

// Listed is one heartbeat of the team file as its monitor tells it.
type Listed struct {
	workflows.HeartbeatStatus
	// Error says why the monitor could not tell its state ("not running":
	// the worker has not started it yet).
	Error string `json:"error,omitempty"`
}

// List asks the monitor of each heartbeat of the file (of one team, when
// only is set) for its state.
func List(ctx context.Context, c client.Client, file *team.File, only string) []Listed {
	var out []Listed
	for _, t := range file.Only(only) {
		for _, h := range t.Heartbeats {
			l := Listed{HeartbeatStatus: workflows.HeartbeatStatus{Team: t.Name, Name: h.Name, Every: h.Every}}
			id := contract.HeartbeatID{Team: t.Name, Name: h.Name}.String()
			v, err := c.QueryWorkflow(ctx, id, "", contract.HeartbeatStatusQuery)
			if err == nil {
				err = v.Get(&l.HeartbeatStatus)
			}
			var notFound *serviceerror.NotFound
			switch {
			case errors.As(err, &notFound):
				l.Error = "not running: start the worker, or run `starter schedules apply`"
			case err != nil:
				l.Error = err.Error()
			}
			out = append(out, l)
		}
	}
	return out
}
