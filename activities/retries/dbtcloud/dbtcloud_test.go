package dbtcloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/internal/fakedbtcloud"
)

func job(details map[string]string) retries.Job {
	return retries.Job{Team: "data", DedupKey: "orders_dbt", Summary: "orders dbt job failed", AlertName: "DbtJobFailed", Details: details, Attempt: 1}
}

func client(d *fakedbtcloud.Server) Client {
	return Client{BaseURL: d.URL(), AccountID: fakedbtcloud.AccountID, Token: fakedbtcloud.Token}
}

// A run the alert names is retried from its point of failure: a new run
// of the same job that dbt Cloud counts as the failed one's retry.
func TestARetryRetriesTheFailedRun(t *testing.T) {
	d := fakedbtcloud.New(t)
	failed := d.AddJob(42, fakedbtcloud.StatusError)
	detail, err := client(d).Retry(context.Background(), job(map[string]string{"run_id": "901"}))
	if err != nil {
		t.Fatal(err)
	}
	runs := d.Runs()
	if failed != 901 || len(runs) != 2 || runs[1].RetryOf != failed || runs[1].JobID != 42 {
		t.Fatalf("runs %+v: want one retry of run %d", runs, failed)
	}
	if detail != "retried dbt Cloud run 901 from its point of failure: run 902" {
		t.Errorf("detail %q", detail)
	}
}

// Without a run, the job is run again, with the cause dbt Cloud requires.
func TestARetryWithoutARunRunsTheJob(t *testing.T) {
	d := fakedbtcloud.New(t)
	d.AddJob(42, fakedbtcloud.StatusError)
	c := client(d)
	c.JobID = "42"
	detail, err := c.Retry(context.Background(), job(nil))
	if err != nil {
		t.Fatal(err)
	}
	runs := d.Runs()
	if len(runs) != 2 || runs[1].JobID != 42 || runs[1].RetryOf != 0 || runs[1].Cause != "Baton: retry 1 before paging, for DbtJobFailed" {
		t.Fatalf("runs %+v", runs)
	}
	if !strings.HasPrefix(detail, "started dbt Cloud job 42 again: run 902") {
		t.Errorf("detail %q", detail)
	}
}

// What no second try fixes is ErrCannotRetry, with dbt Cloud's reason; a
// server error or a rate limit is not.
func TestRefusalsCannotBeRetriedOutagesCan(t *testing.T) {
	d := fakedbtcloud.New(t)
	d.AddJob(42, fakedbtcloud.StatusSuccess)
	for _, tc := range []struct {
		name    string
		c       func(Client) Client
		details map[string]string
		want    string
	}{
		{"a wrong token", func(c Client) Client { c.Token = "nope"; return c }, map[string]string{"run_id": "901"}, "401 retrying run 901: Invalid token."},
		{"an unknown run", func(c Client) Client { return c }, map[string]string{"run_id": "7"}, "404 retrying run 7: Run not found."},
		{"a run that did not fail", func(c Client) Client { return c }, map[string]string{"run_id": "901"}, "Only a run that ended in error can be retried."},
		{"an unknown job", func(c Client) Client { return c }, map[string]string{"job_id": "9"}, "404 running job 9: Job not found."},
		{"no run nor job", func(c Client) Client { return c }, nil, "names no dbt Cloud run nor job"},
	} {
		_, err := tc.c(client(d)).Retry(context.Background(), job(tc.details))
		if !errors.Is(err, retries.ErrCannotRetry) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrCannotRetry with %q", tc.name, err, tc.want)
		}
	}
	d.On(fakedbtcloud.RunEndpoint).FailNext(1, http.StatusServiceUnavailable)
	_, err := client(d).Retry(context.Background(), job(map[string]string{"job_id": "42"}))
	if err == nil || errors.Is(err, retries.ErrCannotRetry) {
		t.Errorf("a 503: %v, want an error worth another try", err)
	}
	if _, err := client(d).Retry(context.Background(), job(map[string]string{"job_id": "42"})); err != nil {
		t.Errorf("after the outage: %v", err)
	}
}
