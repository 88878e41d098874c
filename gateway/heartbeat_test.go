package gateway

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// hbTeams is the handler tests' team file with two heartbeats for data;
// platform has none.
func hbTeams(t *testing.T) *team.File {
	f := htTeams(t)
	f.Teams[0].Heartbeats = []team.Heartbeat{{Name: "orders_etl", Every: "1h"}, {Name: "export", Every: "1d"}}
	return f
}

// hbGateway is a gateway with the webhook token (none: no token at all,
// so webhooks are off) and platform's own token.
func hbGateway(c client.Client, f *team.File, token string) *Gateway {
	tokens := map[string]string{"platform": "platform-own-token"}
	if token == "" {
		tokens = nil
	}
	return New(Options{Temporal: c, Teams: f, WebhookToken: token, TeamWebhookTokens: tokens, Now: func() time.Time { return htNow }})
}

func TestAHeartbeatPingIsRefusedAloudAndChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name, token, auth, path string
		code                    int
		wantErr                 string
	}{
		{"webhooks off", "", "Bearer " + htToken, "/heartbeat/data/orders_etl", http.StatusServiceUnavailable, "BATON_WEBHOOK_TOKEN is not set"},
		{"no token", htToken, "", "/heartbeat/data/orders_etl", http.StatusUnauthorized, "bearer token"},
		{"wrong token", htToken, "Bearer nope", "/heartbeat/data/orders_etl", http.StatusUnauthorized, "bearer token"},
		{"unknown team", htToken, "Bearer " + htToken, "/heartbeat/nope/orders_etl", http.StatusNotFound, `unknown team "nope": the team file has data, platform`},
		{"another team's token", htToken, "Bearer platform-own-token", "/heartbeat/data/orders_etl", http.StatusForbidden, `team "data": this token delivers for platform only`},
		{"a team's token names no other team", htToken, "Bearer platform-own-token", "/heartbeat/nope/x", http.StatusNotFound, `unknown team "nope": this token delivers for platform`},
		{"unknown heartbeat", htToken, "Bearer " + htToken, "/heartbeat/data/orders", http.StatusNotFound, `team "data" has no heartbeat "orders": its heartbeats are orders_etl, export`},
		{"a team without heartbeats", htToken, "Bearer " + htToken, "/heartbeat/platform/x", http.StatusNotFound, "it has none: add it under heartbeats: in the team file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			rec := htServe(t, hbGateway(c, hbTeams(t), tc.token), htWebhookRequest(http.MethodPost, tc.path, tc.auth, nil))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			if msg := htErrorBody(t, rec); !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error %q lacks %q", msg, tc.wantErr)
			}
			if tc.name == "a team's token names no other team" && strings.Contains(rec.Body.String(), "data") {
				t.Errorf("a team's token learnt another team's name: %s", rec.Body)
			}
			htNoCalls(t, c)
		})
	}
	t.Run("GET is not a ping", func(t *testing.T) {
		c := &mocks.Client{}
		rec := htServe(t, hbGateway(c, hbTeams(t), htToken), htWebhookRequest(http.MethodGet, "/heartbeat/data/orders_etl", "Bearer "+htToken, nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want 405", rec.Code)
		}
		htNoCalls(t, c)
	})
}

// A ping goes to its monitor with the gateway's time, by signal-with-start
// with the team file's heartbeat, so that it also starts a monitor the
// worker has not started yet; a Temporal that fails asks the job to ping
// again.
func TestAHeartbeatPingReachesItsMonitor(t *testing.T) {
	teams := hbTeams(t)
	data := htTeam(t, teams, "data")
	id := contract.HeartbeatID{Team: "data", Name: "orders_etl"}.String()
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"taken", nil, http.StatusAccepted},
		{"Temporal down", errors.New("connection refused"), http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.HeartbeatPingSignal, workflows.HeartbeatPing{At: htNow},
				mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
					return o.ID == id && o.TaskQueue == contract.TaskQueue && o.TypedSearchAttributes.Size() > 0
				}),
				contract.HeartbeatWorkflowName, mock.MatchedBy(func(in workflows.HeartbeatInput) bool {
					// The monitor keeps the team slim: this heartbeat alone.
					return in.Heartbeat == data.Heartbeats[0] && len(in.Team.Heartbeats) == 1 && in.Team.Name == "data"
				}),
			).Return(nil, tc.err).Once()
			rec := htServe(t, hbGateway(c, teams, htToken), htWebhookRequest(http.MethodPost, "/heartbeat/data/orders_etl", "Bearer "+htToken, []byte("job log line")))
			c.AssertExpectations(t)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			if tc.err != nil {
				if msg := htErrorBody(t, rec); !strings.Contains(msg, "send it again") || strings.Contains(msg, "connection refused") {
					t.Errorf("error %q: want a retry asked for, and Temporal's error kept to the log", msg)
				}
				return
			}
			var got map[string]string
			htJSON(t, rec, &got, true)
			if got["heartbeat"] != id {
				t.Errorf("answer %v, want heartbeat %s", got, id)
			}
		})
	}
}
