package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/workflows"
)

// heartbeat takes a job's ping, POST /heartbeat/<team>/<name>, as a
// webhook: with the webhook token or the team's own, its body read up to
// MaxBody and dropped (a job may send its log line, which Baton does not
// keep). The answer is a 202 once Temporal holds the ping; a 503 asks the
// job to ping again, as a ping lost is a page for nothing.
func (g *Gateway) heartbeat(w http.ResponseWriter, r *http.Request) {
	g.webhook(func(ctx context.Context, who caller, _ []byte) (any, error) {
		return g.ping(ctx, who, r.PathValue("team"), r.PathValue("name"))
	})(w, r)
}

func (g *Gateway) ping(ctx context.Context, who caller, teamName, name string) (any, error) {
	if ref := g.admitTeam(who, teamName); ref != nil {
		code := reasonStatus[ref.Reason]
		if ref.Reason == reasonUnknownTeam {
			code = http.StatusNotFound
		}
		return nil, httpError{code: code, msg: ref.Error}
	}
	t, _ := g.opts.Teams.Team(teamName)
	h, ok := t.Heartbeat(name)
	if !ok {
		has := "it has none: add it under heartbeats: in the team file"
		if names := t.HeartbeatNames(); len(names) > 0 {
			has = "its heartbeats are " + strings.Join(names, ", ")
		}
		return nil, httpError{code: http.StatusNotFound, msg: fmt.Sprintf("team %q has no heartbeat %q: %s", t.Name, name, has)}
	}
	id, err := heartbeatclient.Ping(ctx, g.opts.Temporal, t, h, workflows.HeartbeatPing{At: g.opts.Now()})
	if err != nil {
		g.opts.Logger.Error("heartbeat ping not recorded; the job is asked to ping again", "team", t.Name, "heartbeat", h.Name, "error", err)
		return nil, httpError{code: http.StatusServiceUnavailable, msg: "Baton could not record the ping: send it again"}
	}
	return map[string]string{"heartbeat": id}, nil
}
