// Package fakedbtcloud is an in-process fake of dbt Cloud's Administrative
// API (v2), the part of it that runs a failed job again:
//
//	POST /api/v2/accounts/{account_id}/runs/{run_id}/retry/
//	POST /api/v2/accounts/{account_id}/jobs/{job_id}/run/
//
// It speaks dbt Cloud's wire format rather than mocking Baton's Retrier:
// a service token as "Authorization: Token <token>" or "Bearer <token>";
// every answer in dbt Cloud's envelope, {"status": {"code",
// "is_success", "user_message", "developer_message"}, "data"}, the new run
// in data; 401 for a missing or wrong token, 404 for an unknown account,
// run or job, 400 for a trigger without its required "cause" or a retry
// of a run that cannot be retried. A run can be retried only when it
// ended in error (status 20) and is its job's latest run, as dbt Cloud's
// "retry failed job" requires; the retry is a new run of the same job.
//
// Faults come from the shared kit (internal/faults) before the token is
// checked; the routes are RetryEndpoint and RunEndpoint.
package fakedbtcloud

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// The account and the service token the fake knows.
const (
	AccountID = "70400"
	Token     = "dbtc_fake-service-token"
)

// The routes, as On takes them.
const (
	RetryEndpoint = "POST /api/v2/accounts/{account_id}/runs/{run_id}/retry/"
	RunEndpoint   = "POST /api/v2/accounts/{account_id}/jobs/{job_id}/run/"
)

// Run statuses, as dbt Cloud numbers them.
const (
	StatusQueued  = 1
	StatusSuccess = 10
	StatusError   = 20
)

// Run is one of the fake's job runs.
type Run struct {
	ID     int64
	JobID  int64
	Status int
	// Cause is what the trigger said; RetryOf the run a retry retried.
	Cause   string
	RetryOf int64
}

// Server is a fake dbt Cloud.
type Server struct {
	faults.Kit
	srv *httptest.Server
	mux *http.ServeMux

	mu   sync.Mutex
	jobs map[int64]bool
	runs []Run
	next int64
}

// New starts a fake dbt Cloud with no jobs; it is shut down when the test
// ends.
func New(tb testing.TB) *Server {
	s := &Server{jobs: map[int64]bool{}, next: 900}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(RetryEndpoint, s.retry)
	s.mux.HandleFunc(RunEndpoint, s.trigger)
	s.srv = fakehttp.Start(tb, s.serveHTTP)
	return s
}

// URL is dbt Cloud's address, as a team file's dbt_cloud.url takes it.
func (s *Server) URL() string { return s.srv.URL }

// AddJob adds a job, and a first run of it in the status given; it
// returns the run's ID.
func (s *Server) AddJob(jobID int64, status int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[jobID] = true
	return s.addRun(Run{JobID: jobID, Status: status}).ID
}

// Runs are the runs, oldest first.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Run(nil), s.runs...)
}

func (s *Server) addRun(r Run) Run {
	s.next++
	r.ID = s.next
	s.runs = append(s.runs, r)
	return r
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, pattern := s.mux.Handler(r)
	if f, ok := s.Take(pattern); ok {
		f.SetRetryAfter(w.Header())
		answer(w, f.Status, f.Error, nil)
		return
	}
	if a := r.Header.Get("Authorization"); a != "Token "+Token && a != "Bearer "+Token {
		answer(w, http.StatusUnauthorized, "Invalid token.", nil)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// account answers 404 for an account the fake does not know.
func account(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("account_id") != AccountID {
		answer(w, http.StatusNotFound, "Account not found.", nil)
		return false
	}
	return true
}

func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("run_id"), 10, 64)
	i := -1
	for j, rn := range s.runs {
		if rn.ID == id {
			i = j
		}
	}
	if i < 0 {
		answer(w, http.StatusNotFound, "Run not found.", nil)
		return
	}
	old := s.runs[i]
	for _, later := range s.runs[i+1:] {
		if later.JobID == old.JobID {
			answer(w, http.StatusBadRequest, "Only the most recent run of a job can be retried.", nil)
			return
		}
	}
	if old.Status != StatusError {
		answer(w, http.StatusBadRequest, "Only a run that ended in error can be retried.", nil)
		return
	}
	run := s.addRun(Run{JobID: old.JobID, Status: StatusQueued, RetryOf: old.ID})
	answer(w, http.StatusOK, "Success!", &run)
}

func (s *Server) trigger(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("job_id"), 10, 64)
	if !s.jobs[id] {
		answer(w, http.StatusNotFound, "Job not found.", nil)
		return
	}
	var body struct {
		Cause string `json:"cause"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Cause == "" {
		answer(w, http.StatusBadRequest, "cause: This field is required.", nil)
		return
	}
	run := s.addRun(Run{JobID: id, Status: StatusQueued, Cause: body.Cause})
	answer(w, http.StatusOK, "Success!", &run)
}

// answer writes dbt Cloud's envelope: the status, and the run or null.
func answer(w http.ResponseWriter, code int, message string, run *Run) {
	body := map[string]any{
		"status": map[string]any{"code": code, "is_success": code == http.StatusOK, "user_message": message, "developer_message": ""},
		"data":   nil,
	}
	if run != nil {
		body["data"] = map[string]any{"id": run.ID, "job_definition_id": run.JobID, "status": run.Status, "account_id": AccountID}
	}
	fakehttp.WriteJSON(w, code, "application/json", body)
}
