// Package fakeairflow is an in-process fake of Apache Airflow's stable
// REST API (v1), the part of it that retries a failed DAG run:
//
//	POST /api/v1/dags/{dag_id}/clearTaskInstances
//	GET  /api/v1/dags/{dag_id}
//
// It speaks Airflow's wire format rather than mocking Baton's Retrier, so
// that a test exercises the real client: basic auth (the basic_auth API
// backend) or a bearer token, a JSON body whose fields take Airflow's
// defaults when left out (dry_run true, only_failed true, reset_dag_runs
// true), an unknown field refused with 400, and RFC 7807 problem bodies
// ({"type", "title", "status", "detail"}) for 400, 401, 403 and 404.
//
// A dry run answers the task instances it would clear and changes
// nothing, as Airflow does: a client that forgets dry_run clears nothing.
// A real clear sets the cleared task instances' state to none and, with
// reset_dag_runs, the run's state to queued, so that the scheduler runs
// them again.
//
// Faults come from the shared kit (internal/faults) before the
// credentials are checked; the routes are ClearEndpoint and DagEndpoint.
package fakeairflow

import (
	"bytes"
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// The credentials the fake accepts: a user's (basic auth), or a token.
const (
	User     = "baton"
	Password = "airflow-pw"
	Token    = "airflow-token"
)

// The routes, as On takes them.
const (
	ClearEndpoint = "POST /api/v1/dags/{dag_id}/clearTaskInstances"
	DagEndpoint   = "GET /api/v1/dags/{dag_id}"
)

// Task instance states that only_failed clears.
var failedStates = []string{"failed", "upstream_failed"}

// Clear is one clearTaskInstances request the fake took.
type Clear struct {
	DagID    string
	DagRunID string
	DryRun   bool
	// Tasks are the task instances it answered: cleared, or for a dry
	// run, that would be.
	Tasks []string
}

// Server is a fake Airflow webserver.
type Server struct {
	faults.Kit
	tb  testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	mu     sync.Mutex
	runs   map[string]map[string]*run // dag -> run id -> run
	clears []Clear
}

type run struct {
	state string
	tasks map[string]string // task id -> state ("" is none)
}

// New starts a fake Airflow with no DAGs; it is shut down when the test
// ends.
func New(tb testing.TB) *Server {
	s := &Server{tb: tb, runs: map[string]map[string]*run{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(ClearEndpoint, s.clear)
	s.mux.HandleFunc(DagEndpoint, s.dag)
	s.srv = fakehttp.Start(tb, s.serveHTTP)
	return s
}

// URL is the API's base, as a team file's airflow.url takes it.
func (s *Server) URL() string { return s.srv.URL + "/api/v1" }

// AddRun adds a DAG run in state "failed" whose task instances are in the
// states given ("success", "failed", "upstream_failed", ...).
func (s *Server) AddRun(dagID, runID string, tasks map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs[dagID] == nil {
		s.runs[dagID] = map[string]*run{}
	}
	s.runs[dagID][runID] = &run{state: "failed", tasks: maps.Clone(tasks)}
}

// TaskState is a task instance's state; "" is none (cleared).
func (s *Server) TaskState(dagID, runID, task string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[dagID][runID].tasks[task]
}

// RunState is a DAG run's state.
func (s *Server) RunState(dagID, runID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[dagID][runID].state
}

// Clears are the clear requests taken, oldest first.
func (s *Server) Clears() []Clear {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.clears, func(c Clear) Clear { c.Tasks = slices.Clone(c.Tasks); return c })
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, pattern := s.mux.Handler(r)
	if f, ok := s.Take(pattern); ok {
		f.SetRetryAfter(w.Header())
		problem(w, f.Status, http.StatusText(f.Status), cmp.Or(f.Error, "injected fault"))
		return
	}
	bearer := r.Header.Get("Authorization") == "Bearer "+Token
	if u, p, ok := r.BasicAuth(); !bearer && (!ok || u != User || p != Password) {
		problem(w, http.StatusUnauthorized, "Unauthorized", "No credentials were provided, or they are not valid.")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// clearBody is clearTaskInstances' body; nil pointers take Airflow's
// defaults.
type clearBody struct {
	DryRun            *bool    `json:"dry_run"`
	DagRunID          *string  `json:"dag_run_id"`
	OnlyFailed        *bool    `json:"only_failed"`
	OnlyRunning       *bool    `json:"only_running"`
	ResetDagRuns      *bool    `json:"reset_dag_runs"`
	TaskIDs           []string `json:"task_ids"`
	IncludeUpstream   bool     `json:"include_upstream"`
	IncludeDownstream bool     `json:"include_downstream"`
	IncludeFuture     bool     `json:"include_future"`
	IncludePast       bool     `json:"include_past"`
	StartDate         *string  `json:"start_date"`
	EndDate           *string  `json:"end_date"`
}

func (s *Server) clear(w http.ResponseWriter, r *http.Request) {
	dag := r.PathValue("dag_id")
	var b clearBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		problem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	runs, ok := s.runs[dag]
	if !ok {
		problem(w, http.StatusNotFound, "Dag not found", "Dag id "+dag+" not found")
		return
	}
	dry := b.DryRun == nil || *b.DryRun
	onlyFailed := b.OnlyFailed == nil || *b.OnlyFailed
	reset := b.ResetDagRuns == nil || *b.ResetDagRuns
	var ids []string
	if b.DagRunID != nil {
		if _, ok := runs[*b.DagRunID]; !ok {
			problem(w, http.StatusNotFound, "Dag Run not found", "Dag Run id "+*b.DagRunID+" not found in dag "+dag)
			return
		}
		ids = []string{*b.DagRunID}
	} else {
		ids = slices.Sorted(maps.Keys(runs))
	}
	type ref struct {
		DagID    string `json:"dag_id"`
		DagRunID string `json:"dag_run_id"`
		TaskID   string `json:"task_id"`
	}
	answer := struct {
		TaskInstances []ref `json:"task_instances"`
	}{TaskInstances: []ref{}}
	for _, id := range ids {
		rn := runs[id]
		var cleared []string
		for _, task := range slices.Sorted(maps.Keys(rn.tasks)) {
			if len(b.TaskIDs) > 0 && !slices.Contains(b.TaskIDs, task) {
				continue
			}
			if onlyFailed && !slices.Contains(failedStates, rn.tasks[task]) {
				continue
			}
			cleared = append(cleared, task)
			answer.TaskInstances = append(answer.TaskInstances, ref{DagID: dag, DagRunID: id, TaskID: task})
		}
		s.clears = append(s.clears, Clear{DagID: dag, DagRunID: id, DryRun: dry, Tasks: cleared})
		if dry {
			continue
		}
		for _, task := range cleared {
			rn.tasks[task] = ""
		}
		if reset && len(cleared) > 0 {
			rn.state = "queued"
		}
	}
	fakehttp.WriteJSON(w, http.StatusOK, "application/json", answer)
}

// dag answers a DAG's few fields that the fake knows.
func (s *Server) dag(w http.ResponseWriter, r *http.Request) {
	dag := r.PathValue("dag_id")
	if _, ok := s.runs[dag]; !ok {
		problem(w, http.StatusNotFound, "Dag not found", "Dag id "+dag+" not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"dag_id": dag, "is_paused": false, "is_active": true})
}

// problem answers an RFC 7807 problem, as Airflow's API does.
func problem(w http.ResponseWriter, status int, title, detail string) {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(map[string]any{
		"type":  "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors",
		"title": title, "status": status, "detail": detail,
	})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
