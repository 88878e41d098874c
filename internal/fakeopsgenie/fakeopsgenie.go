// Package fakeopsgenie is an in-process fake of Opsgenie for tests: the
// Schedule API's "who is on call" endpoint, GET
// /v2/schedules/{identifier}/on-calls, and the Alert API's create (POST
// /v2/alerts), get (GET /v2/alerts/{identifier}) and close (POST
// /v2/alerts/{identifier}/close), with identifierType id, alias or tiny.
//
// It speaks Opsgenie's wire format rather than mocking Baton's Pager
// interface, so that a test exercises the real client (opsgenie-go-sdk-v2):
// the GenieKey header, the query parameters, the {"data": ...} envelope and
// Opsgenie's error bodies, which the SDK turns into *client.ApiError.
//
// Like Opsgenie, the fake answers alert creates and closes with 202 and
// {"result": "Request will be processed"}; unlike Opsgenie it applies them
// at once, so a get right after a create sees the alert. A close of an
// alias with no open alert is accepted (202) and does nothing, as in
// Opsgenie, which reports it only in the request's status.
//
// Faults come from the shared kit (internal/faults): a fault answers with
// Opsgenie's error body before the API key is checked, and changes
// nothing. A 429 says X-RateLimit-State: THROTTLED, as Opsgenie's does;
// Opsgenie sends no Retry-After, so RateLimitNext's wait is not sent. A
// route is an endpoint: OnCallsEndpoint, CreateAlertEndpoint,
// GetAlertEndpoint or CloseAlertEndpoint.
package fakeopsgenie

import (
	"cmp"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// APIKey is the only API key the fake accepts.
const APIKey = "test-genie-key"

// The endpoints, as On takes them.
const (
	OnCallsEndpoint     = "GET /v2/schedules/{identifier}/on-calls"
	CreateAlertEndpoint = "POST /v2/alerts"
	GetAlertEndpoint    = "GET /v2/alerts/{identifier}"
	CloseAlertEndpoint  = "POST /v2/alerts/{identifier}/close"
)

// Shift is one stretch of a schedule: the people in Emails are on call from
// From (inclusive) to To (exclusive). Emails may be empty: nobody is on call.
type Shift struct {
	From, To time.Time
	Emails   []string
}

// Server is a fake Opsgenie account served over HTTP.
type Server struct {
	faults.Kit
	srv       *httptest.Server
	endpoints *http.ServeMux // names a request's endpoint, for Take

	mu        sync.Mutex
	schedules map[string][]Shift // by name
	requests  fakehttp.Queries   // on-calls requests
	alerts    []*Alert           // in creation order
	alertReqs []AlertCall
	requestN  int
}

// Alert is an alert as the fake holds it.
type Alert struct {
	ID, TinyID string // set by the fake
	Alias      string
	// Message and Description are kept as sent: Opsgenie cuts them at 130
	// and 15000 characters, the fake does not, so that tests see what the
	// client sent.
	Message     string
	Description string
	Priority    string // P3 when the create left it out, as in Opsgenie
	Tags        []string
	Responders  []Responder
	Source      string
	Entity      string
	User        string // the create's "user"
	Details     map[string]string
	// Status is "open" or "closed"; an acknowledged alert is open.
	Status       string
	Acknowledged bool
	// Count is how many creates the alert has absorbed: 1, plus one per
	// create with its alias while it was open.
	Count int
	// ClosedBy and CloseNote are the close request's user and note.
	ClosedBy, CloseNote  string
	CreatedAt, UpdatedAt time.Time
}

// Responder is a responder of an alert as the create sent it: Type is
// "user", "team", "schedule" or "escalation"; users are named by
// Username, the others by Name, or any by ID.
type Responder struct {
	Type, ID, Name, Username string
}

// AlertCall is one request to the alert endpoints.
type AlertCall struct {
	Method string
	Path   string // unescaped, e.g. /v2/alerts/my key/close
	Query  url.Values
}

// New starts a fake Opsgenie; it is shut down when the test ends.
func New(t testing.TB) *Server {
	s := &Server{schedules: map[string][]Shift{}, endpoints: http.NewServeMux()}
	for _, e := range []string{OnCallsEndpoint, CreateAlertEndpoint, GetAlertEndpoint, CloseAlertEndpoint} {
		s.endpoints.Handle(e, http.NotFoundHandler())
	}
	s.srv = fakehttp.Start(t, s.serveHTTP)
	return s
}

// Host is the fake's address without a scheme, as OPSGENIE_API_URL takes
// it: the SDK speaks plain http to a host whose name does not contain "api".
func (s *Server) Host() string {
	return strings.TrimPrefix(s.srv.URL, "http://")
}

// AddSchedule adds a schedule, or replaces the one with that name.
func (s *Server) AddSchedule(name string, shifts ...Shift) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedules[name] = slices.Clone(shifts)
}

// Requests returns the query of every on-calls request so far, in order,
// failed ones included.
func (s *Server) Requests() []url.Values {
	return s.requests.All()
}

// Count is how many on-calls requests the fake has seen. Alert requests
// are not counted: see AlertCount.
func (s *Server) Count() int {
	return s.requests.Len()
}

// AddAlert stores an alert as if it had been created earlier, for example
// an acknowledged or a closed one. Status defaults to "open", Count to 1,
// Priority to P3; ID and TinyID are set by the fake.
func (s *Server) AddAlert(a Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a = cloneAlert(&a)
	if a.Status == "" {
		a.Status = "open"
	}
	if a.Count == 0 {
		a.Count = 1
	}
	if a.Priority == "" {
		a.Priority = "P3"
	}
	now := time.Now().UTC()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	s.storeAlert(&a)
}

// Alerts returns a copy of every alert, open or closed, in creation order.
func (s *Server) Alerts() []Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.alerts, cloneAlert)
}

// AlertRequests returns every request to the alert endpoints so far, in
// order, failed ones included.
func (s *Server) AlertRequests() []AlertCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.alertReqs, func(c AlertCall) AlertCall {
		return AlertCall{Method: c.Method, Path: c.Path, Query: fakehttp.CloneValues(c.Query)}
	})
}

// AlertCount is how many alert requests the fake has seen.
func (s *Server) AlertCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.alertReqs)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestN++
	if r.URL.Path == "/v2/alerts" || strings.HasPrefix(r.URL.Path, "/v2/alerts/") {
		s.serveAlerts(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/schedules/")
	ident, ok2 := strings.CutSuffix(rest, "/on-calls")
	if !ok || !ok2 || ident == "" || strings.Contains(ident, "/") {
		s.writeError(w, http.StatusNotFound, "Requested resource does not exist")
		return
	}
	q := s.requests.Record(r)

	if s.failOrDeny(w, r) {
		return
	}
	if r.Method != http.MethodGet {
		s.writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed")
		return
	}

	// Opsgenie takes the identifier as an ID unless told it is a name.
	kind := q.Get("scheduleIdentifierType")
	if kind != "name" {
		kind = "id"
	}
	name, found := ident, false
	if kind == "name" {
		_, found = s.schedules[ident]
	} else {
		for n := range s.schedules {
			if uuidFor("schedule", n) == ident {
				name, found = n, true
			}
		}
	}
	if !found {
		s.writeError(w, http.StatusNotFound, fmt.Sprintf("No schedule exists with %s [%s]", kind, ident))
		return
	}

	at := time.Now()
	if v := q.Get("date"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			s.writeError(w, http.StatusUnprocessableEntity, "Date ["+v+"] is not valid")
			return
		}
		at = t
	}
	var emails []string
	for _, sh := range s.schedules[name] {
		if !at.Before(sh.From) && at.Before(sh.To) {
			emails = sh.Emails
			break
		}
	}

	data := map[string]any{
		"_parent": map[string]any{"id": uuidFor("schedule", name), "name": name, "enabled": true},
	}
	if q.Get("flat") == "true" {
		data["onCallRecipients"] = append([]string{}, emails...)
	} else {
		participants := make([]map[string]any, 0, len(emails))
		for _, e := range emails {
			participants = append(participants, map[string]any{"id": uuidFor("user", e), "name": e, "type": "user"})
		}
		data["onCallParticipants"] = participants
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"data": data, "took": 0.012})
}

// failOrDeny answers an injected fault, else 401 for a wrong API key;
// it reports whether it answered.
func (s *Server) failOrDeny(w http.ResponseWriter, r *http.Request) bool {
	_, endpoint := s.endpoints.Handler(r)
	if f, ok := s.Take(endpoint); ok {
		if f.Status == http.StatusTooManyRequests {
			w.Header().Set("X-RateLimit-State", "THROTTLED")
		}
		s.writeError(w, f.Status, cmp.Or(f.Error, http.StatusText(f.Status)))
		return true
	}
	if r.Header.Get("Authorization") != "GenieKey "+APIKey {
		s.writeError(w, http.StatusUnauthorized, "Could not authenticate")
		return true
	}
	return false
}

// writeError answers as Opsgenie does: {"message", "took", "requestId"}.
func (s *Server) writeError(w http.ResponseWriter, status int, message string) {
	s.writeJSON(w, status, map[string]any{"message": message, "took": 0.001})
}

// writeJSON sends body with Opsgenie's request ID and rate-limit headers,
// and the request ID in the body too.
func (s *Server) writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	id := fmt.Sprintf("0f1e2d3c-0000-4000-8000-%012x", s.requestN)
	body["requestId"] = id
	w.Header().Set("X-Request-Id", id)
	if w.Header().Get("X-RateLimit-State") == "" {
		w.Header().Set("X-RateLimit-State", "OK")
	}
	fakehttp.WriteJSON(w, status, "application/json", body)
}

// uuidFor derives a stable, UUID-shaped ID for an object, so that the same
// schedule or user always has the same ID, as in Opsgenie.
func uuidFor(kind, key string) string {
	h := sha1.Sum([]byte(kind + "\x00" + key))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// serveAlerts serves the alert endpoints. Requests are recorded, then
// answer their faults, then need the API key, as on-calls requests do.
func (s *Server) serveAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.alertReqs = append(s.alertReqs, AlertCall{Method: r.Method, Path: r.URL.Path, Query: q})
	if s.failOrDeny(w, r) {
		return
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v2/alerts"), "/")
	method := http.MethodPost
	var serve func()
	switch {
	case rest == "":
		serve = func() { s.createAlert(w, r) }
	case !strings.Contains(rest, "/"):
		method = http.MethodGet
		serve = func() { s.getAlert(w, q, rest) }
	default:
		ident, ok := strings.CutSuffix(rest, "/close")
		if !ok || ident == "" || strings.Contains(ident, "/") {
			s.writeError(w, http.StatusNotFound, "Requested resource does not exist")
			return
		}
		serve = func() { s.closeAlert(w, r, q, ident) }
	}
	if r.Method != method {
		s.writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed")
		return
	}
	serve()
}

// createAlert is POST /v2/alerts: a new alert, or, when an open alert has
// the alias, that alert's count goes up by one (Opsgenie's de-duplication).
func (s *Server) createAlert(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Message     string            `json:"message"`
		Alias       string            `json:"alias"`
		Description string            `json:"description"`
		Tags        []string          `json:"tags"`
		Details     map[string]string `json:"details"`
		Entity      string            `json:"entity"`
		Source      string            `json:"source"`
		Priority    string            `json:"priority"`
		User        string            `json:"user"`
		Responders  []struct {
			Type     string `json:"type"`
			ID       string `json:"id"`
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"responders"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.writeError(w, http.StatusBadRequest, "Could not parse request body: "+err.Error())
		return
	}
	errs := map[string]string{}
	if strings.TrimSpace(body.Message) == "" {
		errs["message"] = "Message can not be empty."
	}
	if utf8.RuneCountInString(body.Alias) > 512 {
		errs["alias"] = "Alias can not be longer than 512 characters."
	}
	switch body.Priority {
	case "":
		body.Priority = "P3"
	case "P1", "P2", "P3", "P4", "P5":
	default:
		errs["priority"] = "Priority should be one of [P1, P2, P3, P4, P5]."
	}
	if len(body.Tags) > 20 {
		errs["tags"] = "Tags can not be more than 20."
	}
	responders := make([]Responder, 0, len(body.Responders))
	for _, rs := range body.Responders {
		named := rs.Name
		if rs.Type == "user" {
			named = rs.Username
		}
		switch {
		case rs.Type != "user" && rs.Type != "team" && rs.Type != "schedule" && rs.Type != "escalation":
			errs["responders"] = fmt.Sprintf("Responder type [%s] is not valid.", rs.Type)
		case rs.ID == "" && named == "":
			errs["responders"] = fmt.Sprintf("Responder of type [%s] needs an id or a name.", rs.Type)
		}
		responders = append(responders, Responder{Type: rs.Type, ID: rs.ID, Name: rs.Name, Username: rs.Username})
	}
	if len(errs) > 0 {
		s.writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Request body is not processable. Please check the errors.",
			"errors":  errs,
			"took":    0.001,
		})
		return
	}

	now := time.Now().UTC()
	if open := s.openAlert(body.Alias); open != nil {
		open.Count++
		open.UpdatedAt = now
	} else {
		source := body.Source
		if source == "" {
			// Opsgenie's default: the caller's IP address.
			source, _, _ = strings.Cut(r.RemoteAddr, ":")
		}
		s.storeAlert(&Alert{
			Alias:       body.Alias,
			Message:     body.Message,
			Description: body.Description,
			Priority:    body.Priority,
			Tags:        slices.Clone(body.Tags),
			Responders:  responders,
			Source:      source,
			Entity:      body.Entity,
			User:        body.User,
			Details:     maps.Clone(body.Details),
			Status:      "open",
			Count:       1,
			CreatedAt:   now,
			UpdatedAt:   now,
		})
	}
	s.writeAccepted(w)
}

// getAlert is GET /v2/alerts/{identifier}.
func (s *Server) getAlert(w http.ResponseWriter, q url.Values, ident string) {
	a, ok := s.findAlert(w, q, ident)
	if !ok {
		return
	}
	if a == nil {
		s.writeError(w, http.StatusNotFound, "Alert does not exist")
		return
	}
	responders := make([]map[string]any, 0, len(a.Responders))
	for _, rs := range a.Responders {
		id := rs.ID
		if id == "" {
			name := rs.Name
			if rs.Type == "user" {
				name = rs.Username
			}
			id = uuidFor(rs.Type, name)
		}
		responders = append(responders, map[string]any{"type": rs.Type, "id": id})
	}
	report := map[string]any{}
	if a.Status == "closed" {
		report["closeTime"] = a.UpdatedAt.Sub(a.CreatedAt).Milliseconds()
		report["closedBy"] = a.ClosedBy
	}
	details := a.Details
	if details == nil {
		details = map[string]string{}
	}
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	s.writeJSON(w, http.StatusOK, map[string]any{
		"data": map[string]any{
			"id":             a.ID,
			"tinyId":         a.TinyID,
			"alias":          a.Alias,
			"message":        a.Message,
			"status":         a.Status,
			"acknowledged":   a.Acknowledged,
			"isSeen":         false,
			"tags":           tags,
			"snoozed":        false,
			"count":          a.Count,
			"lastOccurredAt": stamp(a.UpdatedAt),
			"createdAt":      stamp(a.CreatedAt),
			"updatedAt":      stamp(a.UpdatedAt),
			"source":         a.Source,
			"owner":          "",
			"priority":       a.Priority,
			"responders":     responders,
			"integration":    map[string]any{"id": uuidFor("integration", "API"), "name": "API", "type": "API"},
			"report":         report,
			"actions":        []string{},
			"entity":         a.Entity,
			"description":    a.Description,
			"details":        details,
		},
		"took": 0.003,
	})
}

// closeAlert is POST /v2/alerts/{identifier}/close. Like Opsgenie it
// accepts the request whether or not there is an open alert to close.
func (s *Server) closeAlert(w http.ResponseWriter, r *http.Request, q url.Values, ident string) {
	var body struct {
		User   string `json:"user"`
		Source string `json:"source"`
		Note   string `json:"note"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err != io.EOF {
		s.writeError(w, http.StatusBadRequest, "Could not parse request body: "+err.Error())
		return
	}
	a, ok := s.findAlert(w, q, ident)
	if !ok {
		return
	}
	if a != nil && a.Status == "open" {
		a.Status = "closed"
		a.ClosedBy = body.User
		a.CloseNote = body.Note
		a.UpdatedAt = time.Now().UTC()
	}
	s.writeAccepted(w)
}

// findAlert finds the alert an identifier names: by alias, the open alert
// with it, else the latest. It answers 422 for an unknown identifierType
// and reports false; a nil alert means none matched.
func (s *Server) findAlert(w http.ResponseWriter, q url.Values, ident string) (*Alert, bool) {
	kind := q.Get("identifierType")
	switch kind {
	case "", "id":
		for _, a := range s.alerts {
			if a.ID == ident {
				return a, true
			}
		}
	case "tiny":
		for _, a := range s.alerts {
			if a.TinyID == ident {
				return a, true
			}
		}
	case "alias":
		if a := s.openAlert(ident); a != nil {
			return a, true
		}
		for i := len(s.alerts) - 1; i >= 0; i-- {
			if s.alerts[i].Alias == ident {
				return s.alerts[i], true
			}
		}
	default:
		s.writeError(w, http.StatusUnprocessableEntity, "Invalid identifierType ["+kind+"], should be one of [id, alias, tiny]")
		return nil, false
	}
	return nil, true
}

// openAlert is the open alert with the alias, or nil.
func (s *Server) openAlert(alias string) *Alert {
	if alias == "" {
		return nil
	}
	for _, a := range s.alerts {
		if a.Alias == alias && a.Status == "open" {
			return a
		}
	}
	return nil
}

func (s *Server) storeAlert(a *Alert) {
	n := len(s.alerts) + 1
	a.ID = uuidFor("alert", strconv.Itoa(n))
	a.TinyID = strconv.Itoa(n)
	s.alerts = append(s.alerts, a)
}

// writeAccepted answers an asynchronous alert request as Opsgenie does.
func (s *Server) writeAccepted(w http.ResponseWriter) {
	s.writeJSON(w, http.StatusAccepted, map[string]any{"result": "Request will be processed", "took": 0.1})
}

func cloneAlert(a *Alert) Alert {
	c := *a
	c.Tags = slices.Clone(a.Tags)
	c.Responders = slices.Clone(a.Responders)
	c.Details = maps.Clone(a.Details)
	return c
}
