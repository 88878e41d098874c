// Package workflowerr reads what a workflow answers an update with, for
// the clients of incidents, handovers and rosters: a refusal a person can
// read ("already resolved by bob"), or that the workflow is closed.
package workflowerr

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// ErrRefused wraps a workflow's reason for refusing a change.
var ErrRefused = errors.New("refused")

// Refused turns the error an update's validator or handler returned into
// ErrRefused with its message; other errors pass as they are.
func Refused(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return fmt.Errorf("%w: %s", ErrRefused, app.Message())
	}
	return err
}

// Message is err's own message: an application error's without the
// wrapping Temporal puts around an activity's failure ("activity error
// (type: ..., scheduledEventID: ...)").
func Message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// Reason is a refusal's reason, without the ErrRefused prefix, for a
// person to read.
func Reason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrRefused.Error()+": ")
}

// IsClosed reports whether err says the workflow is not running: never
// started, or completed.
func IsClosed(err error) bool {
	var notFound *serviceerror.NotFound
	return err != nil && (errors.As(err, &notFound) || strings.Contains(err.Error(), "workflow execution already completed"))
}
