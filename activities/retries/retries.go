// Package retries is what a retry before paging needs of the system that
// runs the failed job: one call that runs it again. Its adapters are
// airflow (clear a DAG run's failed task instances), dbtcloud (retry the
// failed run, or run the job again) and hook (the team's own endpoint,
// signed).
package retries

import (
	"context"
	"errors"
)

// Job is the failed job, as the alert names it.
type Job struct {
	Team      string            `json:"team"`
	DedupKey  string            `json:"dedup_key"`
	Summary   string            `json:"summary"`
	AlertName string            `json:"alert_name,omitempty"`
	Service   string            `json:"service,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
	// Attempt counts from 1.
	Attempt int `json:"attempt"`
}

// Retrier runs a failed job again.
type Retrier interface {
	// Retry asks for the job to run again and says, in a phrase, what was
	// done ("cleared 2 failed task instances of orders_daily, run
	// scheduled__2026-12-01"). An error wrapping ErrCannotRetry is one no
	// second try fixes (the alert does not name the run, the credentials
	// are refused).
	Retry(ctx context.Context, job Job) (string, error)
}

// ErrCannotRetry: the retry cannot be made, and trying again changes
// nothing: the alert pages at once, saying why.
var ErrCannotRetry = errors.New("the retry cannot be made")
