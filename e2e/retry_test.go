package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeairflow"
	"github.com/baton-oncall/baton/workflows"
)

// retryTeamYAML is the incident team with a rule: an Airflow alert is
// retried on the fake Airflow, and pages if it still fires 4 s later.
func retryTeamYAML(airflowURL string) string {
	return incidentTeamYAML("60s", "90s") + fmt.Sprintf(`      retries:
        - match: {service: airflow}
          action: airflow
          wait: 4s
          airflow: {url: %q, user_env: BATON_E2E_AIRFLOW_USER, password_env: BATON_E2E_AIRFLOW_PASSWORD}
`, airflowURL)
}

// fireDAG sends a generic alert for a DAG run, firing or resolved, and
// returns the workflow that took it.
func (s *incidentStack) fireDAG(t *testing.T, key, run, status string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"team": "data", "dedup_key": key, "summary": key + " failed", "severity": "high",
		"service": "airflow", "status": status, "details": map[string]string{"dag_id": key, "run_id": run}})
	resp := s.sendAlerts(t, "/webhooks/generic", body)
	var res struct{ Incidents []string }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusAccepted || len(res.Incidents) != 1 {
		t.Fatalf("webhook: %s %+v %v", resp.Status, res, err)
	}
	return res.Incidents[0]
}

// A failed DAG run is retried on Airflow before anyone is paged: the
// channel hears of it, Airflow clears the run for real, the alert resolves
// and nobody is paged. One still firing after the wait pages then, saying
// what the retry did. A run Airflow does not know cannot be retried, nor
// one while Airflow is down: each pages at once, saying why.
func TestAFailedRunIsRetriedBeforeAnyoneIsPaged(t *testing.T) {
	af := fakeairflow.New(t)
	af.AddRun("orders_daily", "scheduled__2026-12-01", map[string]string{"extract": "success", "load": "failed"})
	t.Setenv("BATON_E2E_AIRFLOW_USER", fakeairflow.User)
	t.Setenv("BATON_E2E_AIRFLOW_PASSWORD", fakeairflow.Password)
	s := newIncidentStack(t, retryTeamYAML(af.URL()))

	// Slack holds back the first post for 2 s: the retry is made and
	// told meanwhile, and the channel must still read in order.
	s.slack.On("chat.postMessage").RateLimitNext(1, 2*time.Second)
	id := s.fireDAG(t, "orders_daily", "scheduled__2026-12-01", "firing")
	if id != contract.RetryWorkflowID("data", "orders_daily") {
		t.Fatalf("the alert went to %s, not to its retry", id)
	}
	// The resolution is sent as soon as Airflow has the run cleared, not
	// after the held-back post: the retry waits 4 s for it.
	eventually(t, "the run cleared on Airflow", 10*time.Second, func() bool {
		return af.TaskState("orders_daily", "scheduled__2026-12-01", "load") == "" && af.RunState("orders_daily", "scheduled__2026-12-01") == "queued"
	})
	if c := af.Clears(); len(c) != 1 || c[0].DryRun {
		t.Fatalf("clears %+v: want one, for real", c)
	}
	// The re-run succeeded: Alertmanager (here the test) resolves the alert.
	if got := s.fireDAG(t, "orders_daily", "scheduled__2026-12-01", "resolved"); got != id {
		t.Fatalf("the resolution went to %s", got)
	}
	var res workflows.RetryResult
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.client.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil || !res.ResolvedByRetry {
		t.Fatalf("retry: %+v %v, want resolved by the retry", res, err)
	}
	_, err := s.client.DescribeWorkflowExecution(context.Background(), contract.IncidentWorkflowID("data", "orders_daily"), "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("an incident was opened: %v", err)
	}
	eventually(t, "the retry told in the channel", 10*time.Second, func() bool {
		_, ok := s.postedWith("Retrying orders_daily failed (attempt 1 of 1) before paging anyone")
		return ok
	})
	if _, ok := s.postedWith("resolved after the retry: nobody was paged"); !ok {
		t.Error("the channel was not told that the retry fixed it")
	}
	var told []string
	for _, m := range s.slack.Messages("C0DATA") {
		for _, what := range []string{"Retrying orders_daily", "Retry of orders_daily", "orders_daily failed resolved after the retry"} {
			if strings.Contains(m.Text, what) {
				told = append(told, what)
			}
		}
	}
	if want := []string{"Retrying orders_daily", "Retry of orders_daily", "orders_daily failed resolved after the retry"}; !slices.Equal(told, want) {
		t.Errorf("the channel reads %q, want %q", told, want)
	}
	if *record {
		saveHistory(t, s.client, s.client.GetWorkflow(ctx, id, ""), filepath.Join("..", "workflows", "testdata", "retry.json"))
	}

	// A retry that does not fix it: the page goes out once the wait is
	// over, with what the retry did.
	af.AddRun("sales_daily", "r1", map[string]string{"load": "failed"})
	fired := time.Now()
	s.fireDAG(t, "sales_daily", "r1", "firing")
	stillFiring := contract.IncidentWorkflowID("data", "sales_daily")
	eventually(t, "the page after the wait", 20*time.Second, func() bool {
		_, err := s.client.DescribeWorkflowExecution(context.Background(), stillFiring, "")
		return err == nil
	})
	notBefore(t, "the page of an alert still firing", time.Now(), fired.Add(4*time.Second))
	if st := s.status(t, stillFiring); !strings.Contains(st.Alert.Details["retry"], "Baton retried it first: cleared 1 failed task instance(s) of sales_daily, run r1: load. It still fired 4s later.") {
		t.Errorf("the page does not say what the retry did: %q", st.Alert.Details["retry"])
	}

	// A run Airflow does not know: the retry cannot be made.
	s.fireDAG(t, "users_daily", "r1", "firing")
	incident := contract.IncidentWorkflowID("data", "users_daily")
	eventually(t, "the page at once", 15*time.Second, func() bool {
		for _, m := range s.slack.Messages("C0DATA") {
			if m.ThreadTS == "" && strings.Contains(m.Text, "users_daily failed") && !strings.Contains(m.Text, "Retrying") {
				return true
			}
		}
		return false
	})
	st := s.status(t, incident)
	if !strings.Contains(st.Alert.Details["retry"], "Baton could not retry it first, so it pages at once") ||
		!strings.Contains(st.Alert.Details["retry"], "Dag not found") {
		t.Errorf("the page does not say why there was no retry: %q", st.Alert.Details["retry"])
	}
	// Its next delivery goes to the incident straight.
	if got := s.fireDAG(t, "users_daily", "r1", "firing"); got != incident {
		t.Errorf("a repeat went to %s, not to the open incident", got)
	}

	// Airflow down: the page goes out at once, saying so.
	af.AddRun("events_daily", "r1", map[string]string{"load": "failed"})
	af.Down(http.StatusServiceUnavailable)
	s.fireDAG(t, "events_daily", "r1", "firing")
	down := contract.IncidentWorkflowID("data", "events_daily")
	eventually(t, "the page while Airflow is down", 20*time.Second, func() bool {
		_, err := s.client.DescribeWorkflowExecution(context.Background(), down, "")
		return err == nil
	})
	if st := s.status(t, down); !strings.Contains(st.Alert.Details["retry"], "airflow answered 503") {
		t.Errorf("the page does not say Airflow was down: %q", st.Alert.Details["retry"])
	}
	if af.TaskState("events_daily", "r1", "load") != "failed" {
		t.Error("a run was cleared while Airflow was down")
	}
}
