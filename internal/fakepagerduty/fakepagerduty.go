// Package fakepagerduty is an in-process fake of PagerDuty's REST API v2 for
// tests: the list of on-calls, GET /oncalls, as PagerDuty documents it
// (developer.pagerduty.com: REST API overview, authentication, versioning,
// pagination, errors, rate limits, and the OpenAPI reference of
// listOnCalls).
//
// It speaks PagerDuty's wire format rather than mocking Baton's Pager
// interface, so that a test exercises the real client:
//
//   - every request needs "Authorization: Token token=<Token>": otherwise
//     401 with PagerDuty's error body, {"error": {"message": "Authentication
//     failed", "code": 2006}};
//   - every request needs "Accept: application/vnd.pagerduty+json;version=2",
//     which the reference marks as required on every operation. It does not
//     say what a request without it gets (PagerDuty then answers with the
//     token's default version); the fake refuses it with 406, so that a
//     client that forgets it fails in tests rather than when PagerDuty
//     changes its default;
//   - since and until (ISO 8601, both defaulting to now; until may not be
//     before since) select the on-calls that overlap the range. The docs do
//     not say whether an on-call that ends, or starts, exactly at a bound
//     overlaps it; the fake counts it as overlapping, the reading that
//     returns the most, so that at a handover instant both the outgoing and
//     the incoming shift come back and a client must tell them apart;
//   - schedule_ids[], user_ids[] and escalation_policy_ids[] filter; an
//     unknown schedule ID is an invalid argument: 400 with {"error":
//     {"message": "Invalid Input Provided", "code": 2001, "errors": [...]}},
//     the error listOnCalls documents (it documents no 404);
//   - include[]=users puts full users (with their email) where references
//     would be; escalation_policies and schedules are accepted too;
//   - earliest=true keeps only the earliest on-call of each escalation
//     policy, level and user;
//   - time_zone renders start and end in that zone (default UTC, the fake
//     account's zone);
//   - classic pagination: limit (default 25, at most 100), offset, and
//     more; total is null unless total=true; offset plus limit may not pass
//     10000;
//   - every answer carries the ratelimit-limit, ratelimit-remaining and
//     ratelimit-reset headers; a 429 says {"error": {"message": "Rate Limit
//     Exceeded", "code": 2020}}, with the wait in ratelimit-reset (1 unless
//     RateLimitNext says otherwise).
//
// Faults come from the shared kit (internal/faults): a fault answers before
// the token is checked, with PagerDuty's error body, except 502, 503 and
// 504, which come from in front of the API and carry an HTML page. A route
// is a request's method and path: OnCallsEndpoint.
//
// Each schedule sits on one escalation policy of its own; a Shift's Level
// is the escalation level the schedule has there. Users are made up from
// the shifts' emails, with stable IDs. Not modelled: the 90-day limit on
// future on-calls, and the merging of a user's back-to-back on-calls into
// one (the fake returns shifts as added).
package fakepagerduty

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// Token is the only API token the fake accepts.
const Token = "test-pagerduty-token"

// OnCallsEndpoint is the list of on-calls, as On takes it.
const OnCallsEndpoint = "GET /oncalls"

// Shift is one stretch of a schedule: the people in Emails are on call from
// From (inclusive) to To (exclusive) at escalation level Level (0 means 1).
// A zero From is an on-call that always was (start null), a zero To one
// that does not end (end null). Emails may be empty: nobody is on call.
type Shift struct {
	From, To time.Time
	Emails   []string
	Level    int
}

// Server is a fake PagerDuty account served over HTTP.
type Server struct {
	faults.Kit
	srv *httptest.Server

	mu        sync.Mutex
	schedules map[string][]Shift
	order     []string // schedule IDs in the order added
	requests  fakehttp.Queries
	requestN  int
}

// New starts a fake PagerDuty; it is shut down when the test ends.
func New(t testing.TB) *Server {
	s := &Server{schedules: map[string][]Shift{}}
	s.srv = fakehttp.Start(t, s.serveHTTP)
	return s
}

// URL is the fake's base URL, as PAGERDUTY_API_URL takes it.
func (s *Server) URL() string { return s.srv.URL }

// AddSchedule adds a schedule, or replaces the one with that ID.
func (s *Server) AddSchedule(id string, shifts ...Shift) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.schedules[id]; !ok {
		s.order = append(s.order, id)
	}
	s.schedules[id] = slices.Clone(shifts)
}

// Requests returns the query of every request so far, in order, failed
// ones included.
func (s *Server) Requests() []url.Values {
	return s.requests.All()
}

// Count is how many requests the fake has seen.
func (s *Server) Count() int {
	return s.requests.Len()
}

// UserID is the ID the fake gives the user with this email.
func UserID(email string) string { return pdID("user", strings.ToLower(email)) }

// EscalationPolicyID is the ID of the escalation policy the schedule sits on.
func EscalationPolicyID(schedule string) string { return pdID("escalation_policy", schedule) }

// pdID derives a stable, PagerDuty-shaped ID (P and six upper-case letters
// and digits) for an object.
func pdID(kind, key string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	h := sha1.Sum([]byte(kind + "\x00" + key))
	id := []byte{'P'}
	for _, b := range h[:6] {
		id = append(id, alphabet[int(b)%len(alphabet)])
	}
	return string(id)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestN++
	q := s.requests.Record(r)

	if f, ok := s.Take(r.Method + " " + r.URL.Path); ok {
		s.fail(w, f)
		return
	}
	if r.Header.Get("Authorization") != "Token token="+Token {
		s.writeError(w, http.StatusUnauthorized, "Authentication failed", 2006)
		return
	}
	if !acceptsV2(r.Header.Get("Accept")) {
		s.writeError(w, http.StatusNotAcceptable, "Not Acceptable", 2001,
			"Accept must be application/vnd.pagerduty+json;version=2")
		return
	}
	if r.URL.Path != "/oncalls" {
		s.writeError(w, http.StatusNotFound, "Not Found", 2100)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed", 2001)
		return
	}
	s.listOnCalls(w, q)
}

// acceptsV2 says whether an Accept header asks for version 2 of the API.
func acceptsV2(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "application/vnd.pagerduty+json" && params["version"] == "2" {
			return true
		}
	}
	return false
}

// fail answers an injected fault.
func (s *Server) fail(w http.ResponseWriter, f faults.Fault) {
	status := f.Status
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
		return
	case http.StatusTooManyRequests:
		s.rateLimitHeaders(w, 0, f.RetryAfterSeconds())
		s.writeError(w, status, cmp.Or(f.Error, "Rate Limit Exceeded"), 2020)
		return
	}
	message, code := http.StatusText(status), 2000
	switch status {
	case http.StatusBadRequest:
		message, code = "Invalid Input Provided", 2001
	case http.StatusUnauthorized:
		message, code = "Authentication failed", 2006
	case http.StatusForbidden:
		message, code = "Access Denied", 2010
	case http.StatusNotFound:
		message, code = "Not Found", 2100
	case http.StatusRequestTimeout:
		message, code = "The request took too long to process", 2016
	case http.StatusInternalServerError:
		message = "An internal error has occurred. PagerDuty team has been notified."
	}
	s.writeError(w, status, cmp.Or(f.Error, message), code)
}

// listOnCalls is GET /oncalls.
func (s *Server) listOnCalls(w http.ResponseWriter, q url.Values) {
	now := time.Now()
	since, until := now, now
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &since}, {"until", &until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "Invalid time values in 'since' and/or 'until' parameters", 2004)
			return
		}
		*p.to = t
	}
	if until.Before(since) {
		s.writeError(w, http.StatusBadRequest, "Invalid Query Date Range", 2005, "until cannot be before since")
		return
	}
	loc := time.UTC
	if tz := q.Get("time_zone"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001, "Time zone is invalid")
			return
		}
		loc = l
	}
	limit, offset := 25, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001, "Limit must be a positive integer")
			return
		}
		limit = min(n, 100)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001, "Offset must be a non-negative integer")
			return
		}
		offset = n
	}
	if offset+limit > 10000 {
		s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001, "Offset plus limit cannot exceed 10000")
		return
	}
	include := map[string]bool{}
	for _, v := range q["include[]"] {
		switch v {
		case "users", "schedules", "escalation_policies":
			include[v] = true
		default:
			s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001, fmt.Sprintf("include[] %q is not one of escalation_policies, users, schedules", v))
			return
		}
	}
	schedules := s.order
	if ids := q["schedule_ids[]"]; len(ids) > 0 {
		var unknown []string
		for _, id := range ids {
			if _, ok := s.schedules[id]; !ok {
				unknown = append(unknown, id)
			}
		}
		if len(unknown) > 0 {
			s.writeError(w, http.StatusBadRequest, "Invalid Input Provided", 2001,
				fmt.Sprintf("Schedule ids %s not found", strings.Join(unknown, ", ")))
			return
		}
		schedules = slices.DeleteFunc(slices.Clone(s.order), func(id string) bool { return !slices.Contains(ids, id) })
	}
	userIDs, policyIDs := q["user_ids[]"], q["escalation_policy_ids[]"]

	type entry struct {
		schedule, email string
		shift           Shift
	}
	var matched []entry
	for _, id := range schedules {
		if len(policyIDs) > 0 && !slices.Contains(policyIDs, EscalationPolicyID(id)) {
			continue
		}
		for _, sh := range s.schedules[id] {
			// Overlap, bounds included (see the package comment).
			if (!sh.From.IsZero() && sh.From.After(until)) || (!sh.To.IsZero() && sh.To.Before(since)) {
				continue
			}
			for _, email := range sh.Emails {
				if len(userIDs) > 0 && !slices.Contains(userIDs, UserID(email)) {
					continue
				}
				matched = append(matched, entry{id, email, sh})
			}
		}
	}
	if b, _ := strconv.ParseBool(q.Get("earliest")); b {
		type key struct {
			schedule, user string
			level          int
		}
		first := map[key]int{}
		var kept []entry
		for _, e := range matched {
			k := key{e.schedule, strings.ToLower(e.email), level(e.shift)}
			if i, ok := first[k]; ok {
				if e.shift.From.Before(kept[i].shift.From) {
					kept[i] = e
				}
				continue
			}
			first[k] = len(kept)
			kept = append(kept, e)
		}
		matched = kept
	}

	page := []map[string]any{}
	for i := offset; i < len(matched) && i < offset+limit; i++ {
		e := matched[i]
		page = append(page, map[string]any{
			"escalation_policy": s.policy(e.schedule, include["escalation_policies"]),
			"escalation_level":  level(e.shift),
			"schedule":          s.schedule(e.schedule, include["schedules"]),
			"user":              s.user(e.email, include["users"]),
			"start":             stamp(e.shift.From, loc),
			"end":               stamp(e.shift.To, loc),
		})
	}
	body := map[string]any{
		"oncalls": page,
		"limit":   limit,
		"offset":  offset,
		"more":    offset+limit < len(matched),
		"total":   nil,
	}
	if b, _ := strconv.ParseBool(q.Get("total")); b {
		body["total"] = len(matched)
	}
	s.rateLimitHeaders(w, 959, "60")
	s.writeJSON(w, http.StatusOK, body)
}

// parseTime reads an ISO 8601 date-time (RFC 3339, fractions allowed) or a
// date alone, which is midnight UTC.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not ISO 8601: %q", v)
}

func level(sh Shift) int {
	if sh.Level == 0 {
		return 1
	}
	return sh.Level
}

// stamp renders an instant as PagerDuty does ("2015-03-06T15:28:51-05:00"),
// or null for a zero one.
func stamp(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc).Format(time.RFC3339)
}

func (s *Server) self(kind, id string) (string, string) {
	return s.srv.URL + "/" + kind + "/" + id, "https://fake.pagerduty.com/" + kind + "/" + id
}

func (s *Server) schedule(id string, full bool) map[string]any {
	self, html := s.self("schedules", id)
	ref := map[string]any{"id": id, "type": "schedule_reference", "summary": "Schedule " + id, "self": self, "html_url": html}
	if full {
		ref["type"], ref["name"], ref["time_zone"] = "schedule", "Schedule "+id, "UTC"
	}
	return ref
}

func (s *Server) policy(schedule string, full bool) map[string]any {
	id := EscalationPolicyID(schedule)
	self, html := s.self("escalation_policies", id)
	ref := map[string]any{"id": id, "type": "escalation_policy_reference", "summary": "Policy of " + schedule, "self": self, "html_url": html}
	if full {
		ref["type"], ref["name"] = "escalation_policy", "Policy of "+schedule
	}
	return ref
}

// user is a user reference, or the full user with include[]=users: only
// the full user has the email.
func (s *Server) user(email string, full bool) map[string]any {
	id := UserID(email)
	self, html := s.self("users", id)
	local, _, _ := strings.Cut(email, "@")
	name := strings.ToUpper(local[:min(1, len(local))]) + local[min(1, len(local)):]
	if !full {
		return map[string]any{"id": id, "type": "user_reference", "summary": name, "self": self, "html_url": html}
	}
	return map[string]any{
		"id": id, "type": "user", "summary": name, "self": self, "html_url": html,
		"name": name, "email": email, "time_zone": "UTC", "color": "purple", "role": "user",
		"avatar_url": "https://secure.gravatar.com/avatar/" + id, "description": nil,
		"invitation_sent": false, "job_title": "", "teams": []any{}, "contact_methods": []any{},
		"notification_rules": []any{},
	}
}

// rateLimitHeaders sets the headers PagerDuty sends on every request it has
// counted against the limit of 960 a minute; reset is in whole seconds.
func (s *Server) rateLimitHeaders(w http.ResponseWriter, remaining int, reset string) {
	w.Header().Set("ratelimit-limit", "960")
	w.Header().Set("ratelimit-remaining", strconv.Itoa(remaining))
	w.Header().Set("ratelimit-reset", reset)
}

// writeError answers with PagerDuty's error body.
func (s *Server) writeError(w http.ResponseWriter, status int, message string, code int, errs ...string) {
	e := map[string]any{"message": message, "code": code}
	if len(errs) > 0 {
		e["errors"] = errs
	}
	s.writeJSON(w, status, map[string]any{"error": e})
}

// writeJSON answers with PagerDuty's request ID.
func (s *Server) writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("x-request-id", fmt.Sprintf("fake-%08d", s.requestN))
	fakehttp.WriteJSON(w, status, "application/json; charset=utf-8", body)
}
