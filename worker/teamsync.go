package worker

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/team"
)

// How the worker makes the heartbeat monitors match its team file at
// start: at once, and again in the background, backing off, while
// Temporal does not answer. Nothing waits for it: a monitor not yet
// started is started by its job's first ping too.
const (
	heartbeatSyncTimeout  = 30 * time.Second
	heartbeatSyncRetryMin = 2 * time.Second
	heartbeatSyncRetryMax = 2 * time.Minute
)

// watchHeartbeats syncs the monitors with the team file in the
// background until it succeeds or the worker stops.
func (w *Worker) watchHeartbeats(c client.Client, teams *team.File) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	w.heartbeatsStop = func() { stop(); <-done }
	go func() {
		defer close(done)
		for wait := heartbeatSyncRetryMin; ; wait = min(2*wait, heartbeatSyncRetryMax) {
			sctx, cancel := context.WithTimeout(ctx, heartbeatSyncTimeout)
			synced, err := heartbeatclient.Sync(sctx, c, teams, "")
			cancel()
			if err == nil {
				for _, s := range synced {
					slog.Info("heartbeat "+s.Action, "workflow_id", s.WorkflowID)
				}
				return
			}
			slog.Warn("the heartbeats could not be matched to the team file; retrying", "error", err, "retry_in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
}
