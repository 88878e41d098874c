// Package fakeopsgenie is an in-process fake of Opsgenie's Schedule API
// "who is on call" endpoint, GET /v2/schedules/{identifier}/on-calls, for
// tests.
//
// It speaks Opsgenie's wire format rather than mocking Baton's Pager
// interface, so that a test exercises the real client (opsgenie-go-sdk-v2):
// the GenieKey header, the query parameters, the {"data": ...} envelope and
// Opsgenie's error bodies, which the SDK turns into *client.ApiError.
package fakeopsgenie

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// APIKey is the only API key the fake accepts.
const APIKey = "test-genie-key"

// Shift is one stretch of a schedule: the people in Emails are on call from
// From (inclusive) to To (exclusive). Emails may be empty: nobody is on call.
type Shift struct {
	From, To time.Time
	Emails   []string
}

// Server is a fake Opsgenie account served over HTTP.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	schedules map[string][]Shift // by name
	requests  []url.Values
	failures  []int
	requestN  int
}

// New starts a fake Opsgenie; it is shut down when the test ends.
func New(t testing.TB) *Server {
	s := &Server{schedules: map[string][]Shift{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
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

// FailNext makes the next n on-calls requests answer the HTTP status with an
// Opsgenie error body.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, status)
	}
}

// Requests returns the query of every on-calls request so far, in order,
// failed ones included.
func (s *Server) Requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.requests))
	for i, q := range s.requests {
		out[i] = url.Values{}
		for k, vs := range q {
			out[i][k] = slices.Clone(vs)
		}
	}
	return out
}

// Count is how many on-calls requests the fake has seen.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestN++
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/schedules/")
	ident, ok2 := strings.CutSuffix(rest, "/on-calls")
	if !ok || !ok2 || ident == "" || strings.Contains(ident, "/") {
		s.writeError(w, http.StatusNotFound, "Requested resource does not exist")
		return
	}
	q := r.URL.Query()
	s.requests = append(s.requests, q)

	if len(s.failures) > 0 {
		status := s.failures[0]
		s.failures = s.failures[1:]
		if status == http.StatusTooManyRequests {
			w.Header().Set("X-RateLimit-State", "THROTTLED")
		}
		s.writeError(w, status, http.StatusText(status))
		return
	}
	if r.Header.Get("Authorization") != "GenieKey "+APIKey {
		s.writeError(w, http.StatusUnauthorized, "Could not authenticate")
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

// writeError answers as Opsgenie does: {"message", "took", "requestId"}.
func (s *Server) writeError(w http.ResponseWriter, status int, message string) {
	s.writeJSON(w, status, map[string]any{"message": message, "took": 0.001})
}

// writeJSON sends body with Opsgenie's request ID and rate-limit headers,
// and the request ID in the body too.
func (s *Server) writeJSON(w http.ResponseWriter, status int, body map[string]any) {
	id := fmt.Sprintf("0f1e2d3c-0000-4000-8000-%012x", s.requestN)
	body["requestId"] = id
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", id)
	if w.Header().Get("X-RateLimit-State") == "" {
		w.Header().Set("X-RateLimit-State", "OK")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// uuidFor derives a stable, UUID-shaped ID for an object, so that the same
// schedule or user always has the same ID, as in Opsgenie.
func uuidFor(kind, key string) string {
	h := sha1.Sum([]byte(kind + "\x00" + key))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
