package airflow

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/internal/fakeairflow"
)

func job(details map[string]string) retries.Job {
	return retries.Job{Team: "data", DedupKey: "orders_daily", Summary: "orders_daily failed", Details: details, Attempt: 1}
}

// The client clears the failed task instances of the run the alert names,
// for real: Airflow's dry_run defaults to true, which would clear nothing.
func TestARetryClearsTheFailedTasksOfTheRun(t *testing.T) {
	af := fakeairflow.New(t)
	af.AddRun("orders_daily", "scheduled__2026-12-01", map[string]string{"extract": "success", "load": "failed", "report": "upstream_failed"})
	af.AddRun("orders_daily", "scheduled__2026-11-30", map[string]string{"load": "failed"})
	c := Client{BaseURL: af.URL(), User: fakeairflow.User, Password: fakeairflow.Password}
	detail, err := c.Retry(context.Background(), job(map[string]string{"dag_id": "orders_daily", "run_id": "scheduled__2026-12-01"}))
	if err != nil {
		t.Fatal(err)
	}
	if detail != "cleared 2 failed task instance(s) of orders_daily, run scheduled__2026-12-01: load, report" {
		t.Errorf("detail %q", detail)
	}
	if got := af.Clears(); len(got) != 1 || got[0].DryRun || got[0].DagRunID != "scheduled__2026-12-01" {
		t.Fatalf("clears %+v: want one real clear of that run", got)
	}
	if af.TaskState("orders_daily", "scheduled__2026-12-01", "load") != "" || af.TaskState("orders_daily", "scheduled__2026-12-01", "extract") != "success" ||
		af.RunState("orders_daily", "scheduled__2026-12-01") != "queued" {
		t.Error("the failed tasks were not cleared, or the run not queued again")
	}
	if af.TaskState("orders_daily", "scheduled__2026-11-30", "load") != "failed" {
		t.Error("another run was cleared")
	}
	// A bearer token works as well.
	c = Client{BaseURL: af.URL(), Token: fakeairflow.Token}
	if _, err := c.Retry(context.Background(), job(map[string]string{"dag_id": "orders_daily", "dag_run_id": "scheduled__2026-11-30"})); err != nil {
		t.Fatal(err)
	}
}

func TestARetryThatCannotBeMadeSaysWhy(t *testing.T) {
	af := fakeairflow.New(t)
	af.AddRun("orders_daily", "r1", map[string]string{"load": "failed"})
	good := Client{BaseURL: af.URL(), User: fakeairflow.User, Password: fakeairflow.Password}
	for _, tc := range []struct {
		name    string
		client  Client
		details map[string]string
		want    string
	}{
		{"the alert names no run", good, map[string]string{"dag_id": "orders_daily"}, "needs the details (labels) dag_id and run_id"},
		{"wrong password", Client{BaseURL: af.URL(), User: fakeairflow.User, Password: "nope"}, map[string]string{"dag_id": "orders_daily", "run_id": "r1"}, "answered 401"},
		{"unknown DAG", good, map[string]string{"dag_id": "nope", "run_id": "r1"}, "answered 404 clearing nope, run r1: Dag not found"},
		{"unknown run", good, map[string]string{"dag_id": "orders_daily", "run_id": "r9"}, "Dag Run id r9 not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.Retry(context.Background(), job(tc.details))
			if !errors.Is(err, retries.ErrCannotRetry) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v: want a retry that cannot be made, saying %q", err, tc.want)
			}
		})
	}
	if len(af.Clears()) != 0 || af.TaskState("orders_daily", "r1", "load") != "failed" {
		t.Error("a refused retry changed something")
	}
	af.On(fakeairflow.ClearEndpoint).FailNext(1, http.StatusServiceUnavailable)
	_, err := good.Retry(context.Background(), job(map[string]string{"dag_id": "orders_daily", "run_id": "r1"}))
	if err == nil || errors.Is(err, retries.ErrCannotRetry) {
		t.Errorf("a 503: %v, want an error a second try may fix", err)
	}
}
