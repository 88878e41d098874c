package gateway

// The status page: how each team's services stand, for the people who
// depend on them, as HTML a phone reads without JavaScript and as JSON
// for dashboards.
//
//	GET /status              every team
//	GET /status.json
//	GET /status/{team}       one team
//	GET /status/{team}.json
//
// With BATON_STATUS_TOKEN set, each asks for the token (?token= or
// Authorization: Bearer); without it the page is public, and shows only
// what the team file allows (who is on call with status_page.show_on_call
// alone). statuspage computes and renders the page; this file reads what
// it is computed from, once per team per statusTTL, however many read it.

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/visibility"
	"github.com/baton-oncall/baton/statuspage"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// statusTTL is how long a team's status is served from memory: a crowd of
// readers during an incident costs Temporal one read per team per
// statusTTL, and a change shows on the page within about that much.
const statusTTL = 10 * time.Second

// statusFetchTimeout bounds one read of a team's status from Temporal. The
// read is the cache's, not the request's: a reader who leaves does not
// cancel it for the others waiting on it.
const statusFetchTimeout = 10 * time.Second

// Visibility is read statusPageSize runs to a call, and at most
// statusMostRuns runs a team: open incidents come first (visibility lists
// running runs before closed ones), so only the oldest history can be cut,
// and the page says when it was.
const (
	statusPageSize = 500
	statusMostRuns = 2000
)

// statusSource reads what a team's status is computed from.
type statusSource interface {
	// Incidents are the team's incidents open now or ended since; partial
	// when there were more than statusMostRuns.
	Incidents(ctx context.Context, team string, since time.Time) (records []statuspage.Record, partial bool, err error)
	// Checks are the team's checks as their last runs left them.
	Checks(ctx context.Context, t team.Team) ([]statuspage.Check, error)
}

// teamStatus is one team's status as computed at an instant.
type teamStatus struct {
	team statuspage.Team
	at   time.Time
}

// statusCache keeps each team's status for statusTTL. Readers of a team
// whose status is missing or expired share one read: the first starts it
// and the others wait for it (a singleflight). A failed read is shared by
// those waiting on it but not kept, so the next reader tries again.
type statusCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]*statusEntry
}

// statusEntry is a team's status, or the read of it under way.
type statusEntry struct {
	// ready is closed once the read is done and status and err are set.
	ready  chan struct{}
	done   bool
	status teamStatus
	err    error
	// waiters counts the readers that waited on this read.
	waiters int
}

func newStatusCache(now func() time.Time) *statusCache {
	return &statusCache{now: now, entries: map[string]*statusEntry{}}
}

// get is the team's status: kept, being read by another reader, or read now
// by fetch.
func (c *statusCache) get(ctx context.Context, name string, fetch func(context.Context) (teamStatus, error)) (teamStatus, error) {
	c.mu.Lock()
	e, ok := c.entries[name]
	if ok && (!e.done || e.err == nil && c.now().Sub(e.status.at) < statusTTL) {
		if !e.done {
			e.waiters++
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.status, e.err
		case <-ctx.Done():
			return teamStatus{}, ctx.Err()
		}
	}
	e = &statusEntry{ready: make(chan struct{})}
	c.entries[name] = e
	c.mu.Unlock()

	// Done however the read ends, a panic included, so that nobody waits
	// on a read that will never finish.
	st, err := teamStatus{}, errors.New("the read of the status stopped")
	defer func() {
		c.mu.Lock()
		e.status, e.err, e.done = st, err, true
		c.mu.Unlock()
		close(e.ready)
	}()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusFetchTimeout)
	defer cancel()
	st, err = fetch(fctx)
	return st, err
}

// statusPage serves GET /status.
func (g *Gateway) statusPage(w http.ResponseWriter, r *http.Request) {
	g.serveStatus(w, r, "", false)
}

// statusJSON serves GET /status.json.
func (g *Gateway) statusJSON(w http.ResponseWriter, r *http.Request) {
	g.serveStatus(w, r, "", true)
}

// teamStatusPage serves GET /status/{page}: {page} is "{team}" or
// "{team}.json".
func (g *Gateway) teamStatusPage(w http.ResponseWriter, r *http.Request) {
	name, asJSON := strings.CutSuffix(r.PathValue("page"), ".json")
	g.serveStatus(w, r, name, asJSON)
}

// serveStatus answers a status page: every team's, or with name set, that
// team's.
func (g *Gateway) serveStatus(w http.ResponseWriter, r *http.Request, name string, asJSON bool) {
	fail := func(code int, msg string) {
		if asJSON {
			writeJSON(w, code, errorBody(msg))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintln(w, msg)
	}
	// Checked before anything is looked up, so that without the token
	// nobody learns which teams exist, and Temporal is not reached.
	if g.opts.StatusToken != "" && !g.statusAuthorized(r) {
		g.opts.Logger.Warn("status page refused: missing or wrong token", "path", r.URL.Path)
		fail(http.StatusForbidden, "missing or wrong token: add ?token= and the value of BATON_STATUS_TOKEN to the address, or send Authorization: Bearer with it")
		return
	}
	teams := g.opts.Teams.Teams
	if name != "" {
		t, ok := g.opts.Teams.Team(name)
		if !ok {
			fail(http.StatusNotFound, fmt.Sprintf("unknown team %q: the status page has %s (/status/{team})", name, strings.Join(g.opts.Teams.Names(), ", ")))
			return
		}
		teams = []team.Team{t}
	}

	var parts []statuspage.Team
	var oldest time.Time
	for _, t := range teams {
		st, err := g.statusCache.get(r.Context(), t.Name, func(ctx context.Context) (teamStatus, error) { return g.readStatus(ctx, t) })
		if err != nil {
			// Temporal's error (addresses, TLS details) goes to the log:
			// the page may be public.
			g.opts.Logger.Error("status page: cannot read a team's status", "team", t.Name, "error", err)
			fail(http.StatusServiceUnavailable, fmt.Sprintf("cannot read the status of team %q from Temporal just now; try again in a few seconds", t.Name))
			return
		}
		parts = append(parts, st.team)
		if oldest.IsZero() || st.at.Before(oldest) {
			oldest = st.at
		}
	}
	if oldest.IsZero() {
		oldest = g.opts.Now()
	}
	page := statuspage.Assemble(oldest, parts...)

	var body []byte
	contentType := "application/json"
	if asJSON {
		b, err := page.JSON()
		if err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		body = append(b, '\n')
	} else {
		var b bytes.Buffer
		if err := page.HTML(&b); err != nil {
			g.opts.Logger.Error("status page: cannot render", "error", err)
			fail(http.StatusInternalServerError, "cannot render the status page: "+err.Error())
			return
		}
		body, contentType = b.Bytes(), "text/html; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	// A page behind a token stays out of shared caches; a public one may
	// sit in a CDN for as long as the gateway keeps it itself.
	if g.opts.StatusToken != "" {
		h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(statusTTL.Seconds())))
	} else {
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(statusTTL.Seconds())))
	}
	// No script may run on the page, whatever an alert's text holds; the
	// address, which may hold the token, is not sent on.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// statusAuthorized reports whether the request carries BATON_STATUS_TOKEN,
// as ?token= or as a bearer token, compared in constant time.
func (g *Gateway) statusAuthorized(r *http.Request) bool {
	want := []byte(g.opts.StatusToken)
	if q := r.URL.Query().Get("token"); q != "" && subtle.ConstantTimeCompare([]byte(q), want) == 1 {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer") && token != "" && subtle.ConstantTimeCompare([]byte(token), want) == 1
}

// readStatus reads a team's incidents, checks and, when it shows them, who
// is on call, and computes its status now. A check or on-call that cannot
// be read leaves that part off rather than the page.
func (g *Gateway) readStatus(ctx context.Context, t team.Team) (teamStatus, error) {
	now := g.opts.Now()
	records, partial, err := g.statusSource.Incidents(ctx, t.Name, now.AddDate(0, 0, -statuspage.HistoryDays))
	if err != nil {
		return teamStatus{}, err
	}
	checks, err := g.statusSource.Checks(ctx, t)
	if err != nil {
		g.opts.Logger.Warn("status page: cannot read the checks; shown without them", "team", t.Name, "error", err)
	}
	var onCall []team.Person
	if t.StatusPage.ShowOnCall && g.opts.OnCall != nil {
		if onCall, err = g.opts.OnCall(ctx, t, now); err != nil {
			g.opts.Logger.Warn("status page: cannot ask who is on call; shown without", "team", t.Name, "error", err)
		}
	}
	st, err := statuspage.ComputeTeam(statuspage.TeamInput{Team: t, Records: records, Checks: checks, OnCall: onCall, Partial: partial}, now)
	if err != nil {
		return teamStatus{}, err
	}
	return teamStatus{team: st, at: now}, nil
}

// temporalStatus reads a status page's input from Temporal: incidents from
// visibility, checks from their schedules' last runs.
type temporalStatus struct {
	client client.Client
}

// Incidents lists, in one visibility query, the team's incidents whose run
// is open or closed since: every incident that was open within the window,
// however long ago it started. A run continued as new is read once, as its
// latest.
func (s temporalStatus) Incidents(ctx context.Context, teamName string, since time.Time) ([]statuspage.Record, bool, error) {
	query := fmt.Sprintf("WorkflowType = %q AND %s = %q AND (ExecutionStatus = 'Running' OR CloseTime >= %q)",
		contract.IncidentWorkflowName, contract.TeamKey.GetName(), teamName, since.UTC().Format(time.RFC3339))
	dc := converter.GetDefaultDataConverter()
	byID := map[string]int{}
	var out []statuspage.Record
	var started []time.Time
	n := 0
	for e, err := range visibility.Runs(ctx, s.client, query, statusPageSize) {
		if err != nil {
			return nil, false, fmt.Errorf("list the incidents of team %q: %w", teamName, err)
		}
		id := e.GetExecution().GetWorkflowId()
		if inc, err := contract.ParseIncidentID(id); err == nil && inc.Drill() {
			continue // the team's own exercise: stakeholders never see a drill
		}
		if n == statusMostRuns {
			return out, true, nil
		}
		n++
		r := statuspage.Record{
			Running: e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		}
		if !r.Running && e.GetCloseTime() != nil {
			r.Ended = e.GetCloseTime().AsTime()
		}
		memo := e.GetMemo().GetFields()
		// A memo or attribute that does not decode leaves its field
		// empty: the incident is still shown with what is known.
		if p, ok := memo[contract.IncidentMemoKey]; ok {
			_ = dc.FromPayload(p, &r.Incident)
		}
		attrs := e.GetSearchAttributes().GetIndexedFields()
		fill := func(field *string, key string) {
			if *field == "" {
				_ = dc.FromPayload(attrs[key], field)
			}
		}
		fill(&r.State, contract.StateKey.GetName())
		fill(&r.Severity, contract.SeverityKey.GetName())
		fill(&r.Service, contract.ServiceKey.GetName())
		if r.Summary == "" {
			_ = dc.FromPayload(memo[contract.IncidentSummaryMemoKey], &r.Summary)
		}
		start := e.GetStartTime().AsTime()
		if r.Triggered.IsZero() {
			r.Triggered = start
		}
		if i, seen := byID[id]; seen {
			// The open run, else the later one, is the incident.
			if out[i].Running || !r.Running && start.Before(started[i]) {
				continue
			}
			out[i], started[i] = r, start
			continue
		}
		byID[id] = len(out)
		out = append(out, r)
		started = append(started, start)
	}
	return out, false, nil
}

// Checks reads each of the team's checks' last run (checkclient.List).
func (s temporalStatus) Checks(ctx context.Context, t team.Team) ([]statuspage.Check, error) {
	if len(t.Checks) == 0 {
		return nil, nil
	}
	var out []statuspage.Check
	var errs []error
	for _, l := range checkclient.List(ctx, s.client, &team.File{Teams: []team.Team{t}}, t.Name) {
		if l.Error != "" {
			errs = append(errs, fmt.Errorf("check %s: %s", l.Name, l.Error))
		}
		c, _ := t.Check(l.Name)
		out = append(out, statuspage.Check{Name: l.Name, Service: c.Service, Failing: l.State == workflows.CheckStateFailing})
	}
	return out, errors.Join(errs...)
}
