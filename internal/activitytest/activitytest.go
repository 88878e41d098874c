// Package activitytest checks an adapter's errors as Temporal takes them:
// an activity's failure is retried unless it is a non-retryable
// ApplicationError, whose type and message the workflow and the Web UI
// show. The adapters' tests (Slack, Twilio, Jira, Opsgenie, PagerDuty)
// share it.
package activitytest

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
)

// AppError returns err's ApplicationError, failing the test when there is
// none.
func AppError(t testing.TB, err error) *temporal.ApplicationError {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not a Temporal ApplicationError", err, err)
	}
	return ae
}

// RequireNonRetryable checks that err stops Temporal's retries and that its
// message holds every one of want.
func RequireNonRetryable(t testing.TB, err error, want ...string) *temporal.ApplicationError {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	ae := AppError(t, err)
	if !ae.NonRetryable() {
		t.Fatalf("error %v is retryable, want non-retryable", err)
	}
	RequireMentions(t, err, want...)
	return ae
}

// RequireRetryable checks that Temporal would retry err, and that its
// message holds every one of want.
func RequireRetryable(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.NonRetryable() {
		t.Fatalf("error %v is non-retryable, want retryable", err)
	}
	RequireMentions(t, err, want...)
}

// RequireMentions checks that err's message holds every one of want.
func RequireMentions(t testing.TB, err error, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// RequireOutcome checks err as an adapter's table of errors states it:
// retryable, or non-retryable of type wantType; either way mentioning each
// of want. It returns err's ApplicationError, nil when a retryable error
// is none.
func RequireOutcome(t testing.TB, err error, retryable bool, wantType string, want ...string) *temporal.ApplicationError {
	t.Helper()
	if retryable {
		RequireRetryable(t, err, want...)
		var ae *temporal.ApplicationError
		errors.As(err, &ae)
		return ae
	}
	ae := RequireNonRetryable(t, err, want...)
	if ae.Type() != wantType {
		t.Errorf("error type = %q, want %q", ae.Type(), wantType)
	}
	return ae
}
