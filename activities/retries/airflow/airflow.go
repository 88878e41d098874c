// Package airflow retries a failed Airflow DAG run through Airflow's stable
// REST API: it clears the run's failed task instances, which the scheduler
// then runs again.
package airflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/baton-oncall/baton/activities/retries"
)

// Client is a retries.Retrier on one Airflow's API.
type Client struct {
	// BaseURL is the API's base, such as https://airflow.example.com/api/v1.
	BaseURL string
	// User and Password authenticate by basic auth; Token, when set, as a
	// bearer token instead.
	User, Password, Token string
	HTTP                  *http.Client
}

// clearBody is clearTaskInstances' body. Airflow's dry_run defaults to
// true, which clears nothing: it is always sent, false.
type clearBody struct {
	DryRun       bool   `json:"dry_run"`
	DagRunID     string `json:"dag_run_id"`
	OnlyFailed   bool   `json:"only_failed"`
	ResetDagRuns bool   `json:"reset_dag_runs"`
}

// clearAnswer is the part of the answer Baton reads: the task instances
// cleared.
type clearAnswer struct {
	TaskInstances []struct {
		TaskID string `json:"task_id"`
	} `json:"task_instances"`
}

// problem is Airflow's error body (RFC 7807).
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// Retry clears the failed task instances of the DAG run the alert names
// by its details dag_id and run_id (or dag_run_id).
func (c Client) Retry(ctx context.Context, job retries.Job) (string, error) {
	dag := job.Details["dag_id"]
	run := job.Details["run_id"]
	if run == "" {
		run = job.Details["dag_run_id"]
	}
	if dag == "" || run == "" {
		return "", fmt.Errorf("%w: the alert does not name the DAG run: it needs the details (labels) dag_id and run_id", retries.ErrCannotRetry)
	}
	body, _ := json.Marshal(clearBody{DryRun: false, DagRunID: run, OnlyFailed: true, ResetDagRuns: true})
	endpoint := strings.TrimSuffix(c.BaseURL, "/") + "/dags/" + url.PathEscape(dag) + "/clearTaskInstances"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %v", retries.ErrCannotRetry, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	} else {
		req.SetBasicAuth(c.User, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("airflow: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var p problem
		_ = json.Unmarshal(raw, &p)
		msg := strings.TrimSpace(p.Title + ": " + p.Detail)
		if msg == ":" {
			msg = http.StatusText(resp.StatusCode)
		}
		err := fmt.Errorf("airflow answered %d clearing %s, run %s: %s", resp.StatusCode, dag, run, msg)
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return "", fmt.Errorf("%w: %w", retries.ErrCannotRetry, err)
		}
		return "", err
	}
	var a clearAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", fmt.Errorf("airflow: the answer does not parse: %w", err)
	}
	if len(a.TaskInstances) == 0 {
		return fmt.Sprintf("found no failed task instance to clear in %s, run %s", dag, run), nil
	}
	tasks := make([]string, len(a.TaskInstances))
	for i, ti := range a.TaskInstances {
		tasks[i] = ti.TaskID
	}
	return fmt.Sprintf("cleared %d failed task instance(s) of %s, run %s: %s", len(tasks), dag, run, strings.Join(tasks, ", ")), nil
}
