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
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
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
	// WebhookToken is the bearer token (BATON_WEBHOOK_TOKEN) that
	// delivers alerts and acts for every team.
	WebhookToken string
	// TeamWebhookTokens maps a team's name to its own bearer token (read
	// from the variable its incidents.webhook_token_env names), which
	// delivers and acts for that team only. With no token at all, the
	// webhooks are off.
	TeamWebhookTokens map[string]string
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
	// who and the status page of a team with status_page.show_on_call:
	// the worker wires it to the team's pager. Nil: /baton who says that
	// it cannot tell, and the status page names nobody.
	OnCall func(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error)
	// Metrics counts the alerts taken and refused, and times Slack's
	// answers; nil records nothing.
	Metrics *metrics.Metrics
	// CalendarToken guards the calendar feeds (BATON_CALENDAR_TOKEN),
	// sent as ?token=; empty: the feeds are off.
	CalendarToken string
	// StatusToken guards the status page (BATON_STATUS_TOKEN), sent as
	// ?token= or as a bearer token; empty: the page is public.
	StatusToken string
	// Workspace is the bot's own Slack workspace once known (auth.test); nil with no workspace to compare (the console chat). See authz.go.
	Workspace func() (ws Workspace, known bool)
	// People finds which team person a Slack user is by email; nil: by slack_id alone. See authz.go.
	People *People
	// ChannelID tells the ID of a channel the team file names "#name",
	// as events name channels by ID; nil: only channels given by ID are
	// recognised in reactions.
	ChannelID func(ctx context.Context, channel string) (string, error)
}

// Gateway serves Baton's HTTP endpoints.
type Gateway struct {
	opts Options
	mux  *http.ServeMux
	// The status page's input, and each team's status as last read.
	statusSource statusSource
	statusCache  *statusCache
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
	g := &Gateway{opts: opts, mux: http.NewServeMux(),
		statusSource: temporalStatus{client: opts.Temporal}, statusCache: newStatusCache(opts.Now)}
	g.mux.HandleFunc("GET /healthz", g.healthz)
	g.mux.HandleFunc("POST /webhooks/alertmanager", g.webhook(g.alertmanager))
	g.mux.HandleFunc("POST /webhooks/opsgenie", g.webhook(g.opsgenie))
	g.mux.HandleFunc("POST /webhooks/generic", g.webhook(g.generic))
	g.mux.HandleFunc(contract.HeartbeatRoute, g.heartbeat)
	g.mux.HandleFunc("POST /slack/interactions", g.timed(g.slackInteraction))
	g.mux.HandleFunc("POST /slack/commands", g.timed(g.slackCommand))
	g.mux.HandleFunc("POST /slack/events", g.timed(g.slackEvent))
	g.mux.HandleFunc("POST /twilio/sms", g.twilioSMS)
	g.mux.HandleFunc("POST "+contract.VoicePath, g.twilioVoice)
	g.mux.HandleFunc("GET /calendar/{file}", g.teamCalendar)
	g.mux.HandleFunc("GET /calendar/{team}/{file}", g.personCalendar)
	g.mux.HandleFunc("GET /status", g.statusPage)
	g.mux.HandleFunc("GET /status.json", g.statusJSON)
	g.mux.HandleFunc("GET /status/{page}", g.teamStatusPage)
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
// cannot reach Temporal cannot accept alerts. Anyone may ask, so Temporal's
// error (addresses, TLS details) goes to the log, not into the answer.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, code := map[string]string{"status": "ok", "temporal": "ok"}, http.StatusOK
	if _, err := g.opts.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		g.opts.Logger.Warn("healthz: Temporal does not answer", "error", err)
		status, code = map[string]string{"status": "unavailable", "temporal": "unavailable"}, http.StatusServiceUnavailable
	}
	writeJSON(w, code, status)
}

// httpError is an answer other than 202: its code and a message for the
// sender, with the alerts refused when the request held alerts.
type httpError struct {
	code     int
	msg      string
	rejected []refusal
}

func (e httpError) Error() string { return e.msg }

func badRequest(err error) error { return httpError{code: http.StatusBadRequest, msg: err.Error()} }

// caller is whom a webhook request acts for: every team
// (BATON_WEBHOOK_TOKEN), or the teams whose own token it sent.
type caller struct {
	all   bool
	teams map[string]bool
}

// mayActFor reports whether the caller may deliver and act for a team.
func (c caller) mayActFor(team string) bool { return c.all || c.teams[team] }

// authenticate finds whom a request's bearer token acts for. Every
// configured token is compared, each in constant time, so that the time
// taken tells nothing about which token came close.
func (g *Gateway) authenticate(r *http.Request) (caller, bool) {
	// The scheme is case-insensitive (RFC 9110); the token is not.
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return caller{}, false
	}
	var c caller
	if g.opts.WebhookToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(g.opts.WebhookToken)) == 1 {
		c.all = true
	}
	for team, own := range g.opts.TeamWebhookTokens {
		if own != "" && subtle.ConstantTimeCompare([]byte(token), []byte(own)) == 1 {
			if c.teams == nil {
				c.teams = map[string]bool{}
			}
			c.teams[team] = true
		}
	}
	return c, c.all || len(c.teams) > 0
}

// webhooksOn reports whether any webhook token is configured.
func (g *Gateway) webhooksOn() bool {
	if g.opts.WebhookToken != "" {
		return true
	}
	for _, own := range g.opts.TeamWebhookTokens {
		if own != "" {
			return true
		}
	}
	return false
}

// webhookTimeout bounds the handling of one webhook request, every alert of
// it delivered side by side within it: below the server's write timeout,
// and well below what Alertmanager waits before it gives up.
const webhookTimeout = 10 * time.Second

// webhook wraps an alert handler with what every webhook needs: the bearer
// token, the size limit, and one JSON answer.
func (g *Gateway) webhook(handle func(context.Context, caller, []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !g.webhooksOn() {
			writeJSON(w, http.StatusServiceUnavailable, errorBody("webhooks are off: BATON_WEBHOOK_TOKEN is not set"))
			return
		}
		who, ok := g.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
			writeJSON(w, http.StatusUnauthorized, errorBody("missing or wrong bearer token: send Authorization: Bearer $BATON_WEBHOOK_TOKEN, or your team's own token"))
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), webhookTimeout)
		defer cancel()
		res, err := handle(ctx, who, body)
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
		return nil, httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("body over %d bytes", MaxBody)}
	}
	if err != nil {
		return nil, badRequest(fmt.Errorf("reading the body: %w", err))
	}
	return body, nil
}

// accepted is a webhook's answer: the incidents the alerts went to, and
// the alerts refused.
type accepted struct {
	Incidents []string `json:"incidents"`
	// Ignored says why nothing was done, for an event Baton does not act on.
	Ignored string `json:"ignored,omitempty"`
	// Rejected are the alerts of the request that were refused, each for
	// its own reason; the others were taken.
	Rejected []refusal `json:"rejected,omitempty"`
}

// refusal is one alert refused, in a webhook's answer.
type refusal struct {
	// Index is the alert's place in the request (0 for a one-alert body).
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Reason is one of the reason* constants; Error says it for a person.
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// Why an alert is refused: the reason label of
// baton_alerts_rejected_total, a small fixed set.
const (
	reasonInvalid       = "invalid"
	reasonUnknownTeam   = "unknown_team"
	reasonForbiddenTeam = "forbidden_team"
	reasonTooLarge      = "too_large"
)

// reasonStatus is the status of an answer whose every alert was refused
// for one reason.
var reasonStatus = map[string]int{
	reasonInvalid:       http.StatusBadRequest,
	reasonUnknownTeam:   http.StatusUnprocessableEntity,
	reasonForbiddenTeam: http.StatusForbidden,
	reasonTooLarge:      http.StatusRequestEntityTooLarge,
}

func (g *Gateway) alertmanager(ctx context.Context, who caller, body []byte) (any, error) {
	alerts, err := ParseAlertmanager(body)
	if err != nil {
		return nil, badRequest(err)
	}
	return g.deliverAll(ctx, who, workflows.SourceAlertmanager, alerts)
}

func (g *Gateway) generic(ctx context.Context, who caller, body []byte) (any, error) {
	alert, err := ParseGeneric(body)
	if err != nil {
		g.opts.Metrics.AlertRejected(workflows.SourceGeneric, reasonInvalid)
		return nil, badRequest(err)
	}
	return g.deliverAll(ctx, who, workflows.SourceGeneric, []ParsedAlert{{Alert: alert, Name: alert.DedupKey}})
}

func (g *Gateway) opsgenie(ctx context.Context, who caller, body []byte) (any, error) {
	ev, err := ParseOpsgenie(body)
	if errors.Is(err, ErrIgnoredAction) {
		return accepted{Incidents: []string{}, Ignored: err.Error()}, nil
	}
	if err != nil {
		g.opts.Metrics.AlertRejected(workflows.SourceOpsgenie, reasonInvalid)
		return nil, badRequest(err)
	}
	parsed := ParsedAlert{Alert: ev.Alert, Name: ev.Alert.DedupKey}
	switch ev.Action {
	case OpsgenieCreate, OpsgenieClose:
		return g.deliverAll(ctx, who, workflows.SourceOpsgenie, []ParsedAlert{parsed})
	}
	// Acknowledge and AddNote act on an open incident, of a team the
	// caller may act for.
	t, ref := g.admit(who, 0, parsed)
	if ref != nil {
		return nil, g.refuseAll(workflows.SourceOpsgenie, []refusal{*ref})
	}
	id, err := incidentclient.Locate(ctx, g.opts.Temporal, t.Name, ev.Alert.DedupKey)
	if err != nil {
		return nil, httpError{code: http.StatusServiceUnavailable, msg: err.Error()}
	}
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
		return nil, httpError{code: http.StatusServiceUnavailable, msg: err.Error()}
	}
	return accepted{Incidents: []string{id}}, nil
}

// admit checks an alert before delivery: valid, of a known team, and of a
// team the caller may act for. It returns the team, or why the alert is
// refused.
func (g *Gateway) admit(who caller, i int, p ParsedAlert) (team.Team, *refusal) {
	ref := func(reason, msg string) *refusal {
		return &refusal{Index: i, Name: p.Name, Reason: reason, Error: msg}
	}
	if p.Err != nil {
		return team.Team{}, ref(reasonInvalid, p.Err.Error())
	}
	if r := g.admitTeam(who, p.Alert.Team); r != nil {
		return team.Team{}, ref(r.Reason, r.Error)
	}
	t, _ := g.opts.Teams.Team(p.Alert.Team)
	return t, nil
}

// admitTeam checks that a team is known and that the caller may act for
// it; the refusal it returns has a reason and an error only.
func (g *Gateway) admitTeam(who caller, name string) *refusal {
	t, ok := g.opts.Teams.Team(name)
	switch {
	case !ok && who.all:
		return &refusal{Reason: reasonUnknownTeam, Error: fmt.Sprintf("unknown team %q: the team file has %s",
			name, strings.Join(g.opts.Teams.Names(), ", "))}
	case !ok:
		// A team's own token learns no other team's name.
		return &refusal{Reason: reasonUnknownTeam, Error: fmt.Sprintf("unknown team %q: this token delivers for %s",
			name, strings.Join(slices.Sorted(maps.Keys(who.teams)), ", "))}
	case !who.mayActFor(t.Name):
		return &refusal{Reason: reasonForbiddenTeam, Error: fmt.Sprintf("team %q: this token delivers for %s only",
			t.Name, strings.Join(slices.Sorted(maps.Keys(who.teams)), ", "))}
	}
	return nil
}

// maxParallelDeliveries bounds how many alerts of one request go to
// Temporal at once: a group of a few hundred alerts must not open a few
// hundred streams, and must still land within webhookTimeout.
const maxParallelDeliveries = 8

// deliverAll takes a request's alerts one by one: each valid alert of a
// known team the caller may act for is delivered, side by side with the
// others, and every other alert is refused alone with its reason, counted
// and logged. The answer is a 202 when any alert was taken, listing the
// refused ones, so that a sender that does not retry a 4xx (Alertmanager)
// does not drop the rest; a 4xx with every reason when none was; and a 503
// when Temporal failed in a way a retry may fix, so that the sender sends
// the whole request again (an alert delivered twice is a repeat on its
// incident, never a second page).
func (g *Gateway) deliverAll(ctx context.Context, who caller, source string, alerts []ParsedAlert) (any, error) {
	type outcome struct {
		team    string
		id      string
		err     error
		refused *refusal
	}
	out := make([]outcome, len(alerts))
	sem := make(chan struct{}, maxParallelDeliveries)
	var wg sync.WaitGroup
	for i, p := range alerts {
		t, ref := g.admit(who, i, p)
		if ref != nil {
			out[i].refused = ref
			continue
		}
		out[i].team = t.Name
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				out[i].err = ctx.Err()
				return
			}
			out[i].id, out[i].err = incidentclient.Intake(ctx, g.opts.Temporal, t, p.Alert)
		}()
	}
	wg.Wait()

	res := accepted{Incidents: []string{}}
	var retry []string
	for i, o := range out {
		switch {
		case o.refused != nil:
		case errors.Is(o.err, incidentclient.ErrNoOpenIncident):
			// A resolution for an incident already closed: taken, and
			// nothing to do.
		case o.err != nil:
			if reason, permanent := classify(o.err); permanent {
				out[i].refused = &refusal{Index: i, Name: alerts[i].Name, Reason: reason, Error: o.err.Error()}
			} else {
				g.opts.Logger.Error("alert not delivered; the sender is asked to retry", "source", source, "index", i, "name", alerts[i].Name, "error", o.err)
				retry = append(retry, o.err.Error())
			}
		default:
			g.opts.Metrics.AlertReceived(source, o.team)
			res.Incidents = append(res.Incidents, o.id)
		}
	}
	for _, o := range out {
		if o.refused != nil {
			res.Rejected = append(res.Rejected, *o.refused)
		}
	}
	g.noteRefusals(source, res.Rejected)
	if len(retry) > 0 {
		return nil, httpError{code: http.StatusServiceUnavailable, msg: strings.Join(retry, "\n"), rejected: res.Rejected}
	}
	if len(res.Rejected) == len(alerts) {
		return nil, refusedAll(res.Rejected)
	}
	return res, nil
}

// refuseAll answers a request whose every alert was refused, counting and
// logging each refusal.
func (g *Gateway) refuseAll(source string, refused []refusal) error {
	g.noteRefusals(source, refused)
	return refusedAll(refused)
}

// noteRefusals counts and logs each refused alert: the sender may never
// read the answer (Alertmanager does not log a 202's body).
func (g *Gateway) noteRefusals(source string, refused []refusal) {
	for _, r := range refused {
		g.opts.Metrics.AlertRejected(source, r.Reason)
		g.opts.Logger.Warn("alert refused", "source", source, "index", r.Index, "name", r.Name, "reason", r.Reason, "error", r.Error)
	}
}

// refusedAll is the 4xx of a request none of whose alerts was taken: the
// status of their reason when they share one, else 422, and every reason.
func refusedAll(refused []refusal) error {
	code := reasonStatus[refused[0].Reason]
	for _, r := range refused[1:] {
		if r.Reason != refused[0].Reason {
			code = http.StatusUnprocessableEntity
		}
	}
	if len(refused) == 1 {
		return httpError{code: code, msg: refused[0].Error, rejected: refused}
	}
	lines := make([]string, len(refused))
	for i, r := range refused {
		name := ""
		if r.Name != "" {
			name = fmt.Sprintf(" (%q)", r.Name)
		}
		lines[i] = fmt.Sprintf("alerts[%d]%s: %s", r.Index, name, strings.ReplaceAll(r.Error, "\n", "; "))
	}
	return httpError{code: code, msg: "no alert was taken:\n" + strings.Join(lines, "\n"), rejected: refused}
}

// classify tells a delivery error that a retry cannot fix, with its
// reason, from one that a retry may fix (permanent false). Temporal
// refusing the alert for its size (InvalidArgument: a search attribute, a
// memo or a payload "exceeds" its limit) is permanent. Anything else is
// not, so that no alert is dropped on a guess: Temporal unavailable, slow
// or rate-limited, and also an InvalidArgument about Baton's own set-up
// (search attributes not registered yet), which the operator can fix
// while the sender retries.
func classify(err error) (reason string, permanent bool) {
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) && strings.Contains(strings.ToLower(invalid.Message), "exceeds") {
		return reasonTooLarge, true
	}
	return "", false
}

func (g *Gateway) team(name string) (team.Team, error) {
	t, ok := g.opts.Teams.Team(name)
	if !ok {
		return team.Team{}, httpError{code: http.StatusUnprocessableEntity,
			msg: fmt.Sprintf("unknown team %q: the team file has %s", name, strings.Join(g.opts.Teams.Names(), ", "))}
	}
	return t, nil
}

func errorBody(msg string) map[string]string {
	return map[string]string{"error": msg}
}

func writeError(w http.ResponseWriter, err error) {
	var he httpError
	if !errors.As(err, &he) {
		he = httpError{code: http.StatusInternalServerError, msg: err.Error()}
	}
	if len(he.rejected) > 0 {
		writeJSON(w, he.code, struct {
			Error    string    `json:"error"`
			Rejected []refusal `json:"rejected"`
		}{he.msg, he.rejected})
		return
	}
	writeJSON(w, he.code, errorBody(he.msg))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
