package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/workflows"
)

// heartbeat takes a job's ping, POST /heartbeat/<team>/<name>, with the
// webhook token or the team's own. Its body is read up to MaxBody and
// dropped: a job may send its log line, which Baton does not keep. The
// answer is a 202 once Temporal holds the ping; a 503 asks the job to
// ping again (a ping lost is a page for nothing).
func (g *Gateway) heartbeat(w http.ResponseWriter, r *http.Request) {
	if !g.webhooksOn() {
		writeJSON(w, http.StatusServiceUnavailable, errorBody("heartbeats are off: BATON_WEBHOOK_TOKEN is not set"))
		return
	}
	who, ok := g.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
		writeJSON(w, http.StatusUnauthorized, errorBody("missing or wrong bearer token: send Authorization: Bearer $BATON_WEBHOOK_TOKEN, or your team's own token"))
		return
	}
	if _, err := readBody(w, r); err != nil {
		writeError(w, err)
		return
	}
	teamName, name := r.PathValue("team"), r.PathValue("name")
	ref := g.admitTeam(who, teamName)
	if ref != nil {
		code := reasonStatus[ref.Reason]
		if ref.Reason == reasonUnknownTeam {
			code = http.StatusNotFound
		}
		writeJSON(w, code, errorBody(ref.Error))
		return
	}
	t, _ := g.opts.Teams.Team(teamName)
	h, ok := t.Heartbeat(name)
	if !ok {
		has := "it has none: add it under heartbeats: in the team file"
		if names := t.HeartbeatNames(); len(names) > 0 {
			has = "its heartbeats are " + strings.Join(names, ", ")
		}
		writeJSON(w, http.StatusNotFound, errorBody(fmt.Sprintf("team %q has no heartbeat %q: %s", t.Name, name, has)))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webhookTimeout)
	defer cancel()
	id, err := heartbeatclient.Ping(ctx, g.opts.Temporal, t, h, workflows.HeartbeatPing{At: g.opts.Now()})
	if err != nil {
		g.opts.Logger.Error("heartbeat ping not recorded; the job is asked to ping again", "team", t.Name, "heartbeat", h.Name, "error", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody("Baton could not record the ping: send it again"))
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"heartbeat": id})
}
