// Package gateway is Baton's HTTP ingress: alert webhooks and Slack button
// presses, turned into incident signals, starts and updates; and health.
// Every inbound request is verified before anything is read into a
// workflow, and a bad one changes nothing.
package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// MaxBody is the largest request body accepted: an Alertmanager group of a
// few hundred alerts fits well within it.
const MaxBody = 1 << 20

// Options are what the gateway needs.
type Options struct {
	Temporal client.Client
	Teams    *team.File
	// WebhookToken is the bearer token every alert webhook must send.
	WebhookToken string
	// SlackSigningSecret verifies Slack's requests.
	SlackSigningSecret string
	// Now is the clock for Slack's timestamp window; time.Now if nil.
	Now func() time.Time
	// HTTPClient answers Slack's response_url; a 5-second client if nil.
	HTTPClient *http.Client
	// ResponseURLPrefixes are response_url prefixes trusted besides
	// Slack's own hooks hosts (a GovSlack or test host).
	ResponseURLPrefixes []string
	// Logger reports what cannot be answered to a caller; slog's default
	// if nil.
	Logger *slog.Logger
	// TwilioAuthToken verifies Twilio's requests, signed over PublicURL
	// (BATON_PUBLIC_URL); either empty: Twilio's endpoints are off.
	TwilioAuthToken string
	PublicURL       string
	// OnCall says who is on call for a team at an instant, for /baton
	// who: the worker wires it to the team's pager. Nil: /baton who says
	// that it cannot tell.
	OnCall func(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error)
	// Metrics counts the alerts taken and times Slack's answers; nil
	// records nothing.
	Metrics *metrics.Metrics
	// CalendarToken guards the calendar feeds (BATON_CALENDAR_TOKEN),
	// sent as ?token=; empty: the feeds are off.
	CalendarToken string
}

// Gateway serves Baton's HTTP endpoints.
type Gateway struct {
	opts Options
	mux  *http.ServeMux
}

// New returns the gateway's handler.
func New(opts Options) *Gateway {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	g := &Gateway{opts: opts, mux: http.NewServeMux()}
	g.mux.HandleFunc("GET /healthz", g.healthz)
	g.mux.HandleFunc("POST /webhooks/alertmanager", g.webhook(g.alertmanager))
	g.mux.HandleFunc("POST /webhooks/opsgenie", g.webhook(g.opsgenie))
	g.mux.HandleFunc("POST /webhooks/generic", g.webhook(g.generic))
	g.mux.HandleFunc("POST /slack/interactions", g.timed(g.slackInteraction))
	g.mux.HandleFunc("POST /slack/commands", g.timed(g.slackCommand))
	g.mux.HandleFunc("POST /twilio/sms", g.twilioSMS)
	g.mux.HandleFunc("POST /twilio/voice", g.twilioVoice)
	g.mux.HandleFunc("GET /calendar/{file}", g.teamCalendar)
	g.mux.HandleFunc("GET /calendar/{team}/{file}", g.personCalendar)
	return g
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mux.ServeHTTP(w, r)
}

// timed records how long Slack waited for an answer, which it wants
// within three seconds.
func (g *Gateway) timed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h(w, r)
		g.opts.Metrics.SlackInteraction(time.Since(start))
	}
}

// healthz answers 200 when Temporal answers, 503 otherwise: a gateway that
// cannot reach Temporal cannot accept alerts.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, code := map[string]string{"status": "ok", "temporal": "ok"}, http.StatusOK
	if _, err := g.opts.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		status, code = map[string]string{"status": "unavailable", "temporal": err.Error()}, http.StatusServiceUnavailable
	}
	writeJSON(w, code, status)
}

// httpError is an answer other than 202: its code and a message for the
// sender.
type httpError struct {
	code int
	msg  string
}

func (e httpError) Error() string { return e.msg }

func badRequest(err error) error { return httpError{http.StatusBadRequest, err.Error()} }

// webhook wraps an alert handler with what every webhook needs: the bearer
// token, the size limit, and one JSON answer.
func (g *Gateway) webhook(handle func(context.Context, []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g.opts.WebhookToken == "" {
			writeJSON(w, http.StatusServiceUnavailable, errorBody("webhooks are off: BATON_WEBHOOK_TOKEN is not set"))
			return
		}
		// The scheme is case-insensitive (RFC 9110); the token is not.
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(token), []byte(g.opts.WebhookToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
			writeJSON(w, http.StatusUnauthorized, errorBody("missing or wrong bearer token: send Authorization: Bearer $BATON_WEBHOOK_TOKEN"))
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		res, err := handle(ctx, body)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, res)
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", MaxBody)}
	}
	if err != nil {
		return nil, badRequest(fmt.Errorf("reading the body: %w", err))
	}
	return body, nil
}

// accepted is a webhook's answer: the incidents the alerts went to.
type accepted struct {
	Incidents []string `json:"incidents"`
	// Ignored says why nothing was done, for an event Baton does not act on.
	Ignored string `json:"ignored,omitempty"`
}

func (g *Gateway) alertmanager(ctx context.Context, body []byte) (any, error) {
	alerts, err := ParseAlertmanager(body)
	if err != nil {
		return nil, badRequest(err)
	}
	return g.deliverAll(ctx, alerts)
}

func (g *Gateway) generic(ctx context.Context, body []byte) (any, error) {
	alert, err := ParseGeneric(body)
	if err != nil {
		return nil, badRequest(err)
	}
	return g.deliverAll(ctx, []workflows.Alert{alert})
}

func (g *Gateway) opsgenie(ctx context.Context, body []byte) (any, error) {
	ev, err := ParseOpsgenie(body)
	if errors.Is(err, ErrIgnoredAction) {
		return accepted{Incidents: []string{}, Ignored: err.Error()}, nil
	}
	if err != nil {
		return nil, badRequest(err)
	}
	switch ev.Action {
	case OpsgenieCreate, OpsgenieClose:
		return g.deliverAll(ctx, []workflows.Alert{ev.Alert})
	}
	// Acknowledge and AddNote act on an open incident.
	t, err := g.team(ev.Alert.Team)
	if err != nil {
		return nil, err
	}
	id := workflows.IncidentWorkflowID(t.Name, ev.Alert.DedupKey)
	req := workflows.ActionRequest{Action: workflows.ActionAck, By: ev.By, Via: "opsgenie"}
	if ev.Action == OpsgenieAddNote {
		req = workflows.ActionRequest{Action: workflows.ActionNote, By: ev.By, Via: "opsgenie", Note: ev.Note}
	}
	if req.By == "" {
		req.By = "Opsgenie"
	}
	_, err = incidentclient.Act(ctx, g.opts.Temporal, id, req)
	if errors.Is(err, workflowerr.ErrRefused) {
		// Acknowledged in Slack first, or closed: Opsgenie needs no error.
		return accepted{Incidents: []string{id}, Ignored: err.Error()}, nil
	}
	if err != nil {
		return nil, httpError{http.StatusServiceUnavailable, err.Error()}
	}
	return accepted{Incidents: []string{id}}, nil
}

// deliverAll checks every alert's team first, so that one unknown team
// refuses the whole request and nothing is started; then delivers each.
func (g *Gateway) deliverAll(ctx context.Context, alerts []workflows.Alert) (any, error) {
	teams := make([]team.Team, len(alerts))
	for i, a := range alerts {
		t, err := g.team(a.Team)
		if err != nil {
			return nil, err
		}
		teams[i] = t
	}
	res := accepted{Incidents: []string{}}
	for i, a := range alerts {
		id, err := incidentclient.Deliver(ctx, g.opts.Temporal, teams[i], a)
		if errors.Is(err, incidentclient.ErrNoOpenIncident) {
			continue
		}
		if err != nil {
			return nil, httpError{http.StatusServiceUnavailable, err.Error()}
		}
		g.opts.Metrics.AlertReceived(a.Source, teams[i].Name)
		res.Incidents = append(res.Incidents, id)
	}
	return res, nil
}

func (g *Gateway) team(name string) (team.Team, error) {
	t, ok := g.opts.Teams.Team(name)
	if !ok {
		return team.Team{}, httpError{http.StatusUnprocessableEntity,
			fmt.Sprintf("unknown team %q: the team file has %s", name, strings.Join(g.opts.Teams.Names(), ", "))}
	}
	return t, nil
}

func errorBody(msg string) map[string]string {
	return map[string]string{"error": msg}
}

func writeError(w http.ResponseWriter, err error) {
	var he httpError
	if !errors.As(err, &he) {
		he = httpError{http.StatusInternalServerError, err.Error()}
	}
	writeJSON(w, he.code, errorBody(he.msg))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
