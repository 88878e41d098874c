// Package gateway is Baton's HTTP ingress: health now, and the alert
// webhooks and Slack interactions that become workflow starts and signals.
package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
)

// Gateway serves Baton's HTTP endpoints.
type Gateway struct {
	temporal client.Client
	mux      *http.ServeMux
}

// New returns the gateway's handler.
func New(c client.Client) *Gateway {
	g := &Gateway{temporal: c, mux: http.NewServeMux()}
	g.mux.HandleFunc("GET /healthz", g.healthz)
	return g
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mux.ServeHTTP(w, r)
}

// healthz answers 200 when Temporal answers, 503 otherwise: a gateway that
// cannot reach Temporal cannot accept alerts.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, code := map[string]string{"status": "ok", "temporal": "ok"}, http.StatusOK
	if _, err := g.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		status, code = map[string]string{"status": "unavailable", "temporal": err.Error()}, http.StatusServiceUnavailable
	}
	writeJSON(w, code, status)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
