package worker

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/team"
)

// How the worker makes the heartbeat monitors and the checks' schedules
// match its team file at start: at once, and again in the background,
// backing off, while Temporal does not answer. Nothing waits for it: a
// monitor not yet started is started by its job's first ping too.
const (
	// teamSyncTimeout bounds one whole sync: a file of a thousand
	// heartbeats takes a call each.
	teamSyncTimeout  = 5 * time.Minute
	teamSyncRetryMin = 2 * time.Second
	teamSyncRetryMax = 2 * time.Minute
)

// syncTeamFile syncs the monitors and schedules with the team file in the
// background until it succeeds or the worker stops.
func (w *Worker) syncTeamFile(c client.Client, teams *team.File) {
	warnUnsetDatabases(teams)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	w.syncStop = func() { stop(); <-done }
	go func() {
		defer close(done)
		for wait := teamSyncRetryMin; ; wait = min(2*wait, teamSyncRetryMax) {
			sctx, cancel := context.WithTimeout(ctx, teamSyncTimeout)
			err := syncOnce(sctx, c, teams)
			cancel()
			if err == nil {
				return
			}
			slog.Warn("the heartbeats and checks could not be matched to the team file; retrying", "error", err, "retry_in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
}

// syncOnce syncs the checks' schedules, which are few, before the
// heartbeats, which may be a thousand.
func syncOnce(ctx context.Context, c client.Client, teams *team.File) error {
	checks, cerr := checkclient.Sync(ctx, c, teams, "")
	for _, s := range checks {
		slog.Info("check schedule "+s.Action, "schedule_id", s.ScheduleID)
	}
	beats, herr := heartbeatclient.Sync(ctx, c, teams, "")
	for _, s := range beats {
		slog.Info("heartbeat "+s.Action, "workflow_id", s.WorkflowID)
	}
	return errors.Join(cerr, herr)
}

// warnUnsetDatabases says at start which checks will not run for want of
// their database's URL. It does not stop the worker: paging goes on, and
// each such check says so as its own low-severity incident.
func warnUnsetDatabases(teams *team.File) {
	for _, t := range teams.Teams {
		for _, c := range t.Checks {
			if c.DatabaseURLEnv == "" {
				continue
			}
			if v, ok := os.LookupEnv(c.DatabaseURLEnv); !ok || v == "" {
				slog.Warn("a check's database URL is not set: the check cannot run", "team", t.Name, "check", c.Name, "variable", c.DatabaseURLEnv)
			}
		}
	}
}
