// Package dbtcloud retries a failed dbt Cloud job through dbt Cloud's
// Administrative API (v2): it retries the failed run from its point of
// failure when the alert names the run, else it triggers a new run of the
// job.
package dbtcloud

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/baton-oncall/baton/activities/retries"
)

// Client is a retries.Retrier on one dbt Cloud account.
type Client struct {
	// BaseURL is dbt Cloud's address, such as https://cloud.getdbt.com
	// (or the account's own access URL); the API's path is added.
	BaseURL   string
	AccountID string
	// Token is a service token, sent as a bearer token.
	Token string
	// JobID is the job to run again when the alert names none.
	JobID string
	HTTP  *http.Client
}

// answer is dbt Cloud's envelope: the status, and the run in data.
type answer struct {
	Status struct {
		Code        int    `json:"code"`
		IsSuccess   bool   `json:"is_success"`
		UserMessage string `json:"user_message"`
	} `json:"status"`
	Data *struct {
		ID   int64  `json:"id"`
		Href string `json:"href"`
	} `json:"data"`
}

// Retry retries the run the alert names by its detail run_id (or
// dbt_run_id) from its point of failure; without one, it triggers a run of
// the job named by job_id (or dbt_job_id), else of the rule's job.
func (c Client) Retry(ctx context.Context, job retries.Job) (string, error) {
	base := strings.TrimSuffix(c.BaseURL, "/") + "/api/v2/accounts/" + url.PathEscape(c.AccountID)
	if run := cmp.Or(job.Details["run_id"], job.Details["dbt_run_id"]); run != "" {
		id, err := c.post(ctx, base+"/runs/"+url.PathEscape(run)+"/retry/", nil, "retrying run "+run)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("retried dbt Cloud run %s from its point of failure: run %d", run, id), nil
	}
	jobID := cmp.Or(job.Details["job_id"], job.Details["dbt_job_id"], c.JobID)
	if jobID == "" {
		return "", fmt.Errorf("%w: the alert names no dbt Cloud run nor job (details run_id or job_id), and the rule names no job_id", retries.ErrCannotRetry)
	}
	cause := fmt.Sprintf("Baton: retry %d before paging, for %s", job.Attempt, cmp.Or(job.AlertName, job.Summary))
	id, err := c.post(ctx, base+"/jobs/"+url.PathEscape(jobID)+"/run/", map[string]string{"cause": cut(cause, 255)}, "running job "+jobID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("started dbt Cloud job %s again: run %d", jobID, id), nil
}

// post sends body (or none) and returns the run dbt Cloud answered with.
// A refusal no second try fixes (a bad token, an unknown run, a run that
// cannot be retried) wraps retries.ErrCannotRetry.
func (c Client) post(ctx context.Context, endpoint string, body any, what string) (int64, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, rd)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", retries.ErrCannotRetry, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("dbt Cloud: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var a answer
	_ = json.Unmarshal(raw, &a)
	if resp.StatusCode/100 != 2 || !a.Status.IsSuccess || a.Data == nil {
		err := fmt.Errorf("dbt Cloud answered %d %s: %s", resp.StatusCode, what, cmp.Or(a.Status.UserMessage, http.StatusText(resp.StatusCode)))
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return 0, fmt.Errorf("%w: %w", retries.ErrCannotRetry, err)
		}
		return 0, err
	}
	return a.Data.ID, nil
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
