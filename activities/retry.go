package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/team"
)

// RunRetryInput is one retry of an alert's job under a team's rule.
type RunRetryInput struct {
	Rule team.Retry  `json:"rule"`
	Job  retries.Job `json:"job"`
}

// CannotRetryError is the type of the error of a retry that cannot be
// made: the workflow pages at once and says why.
const CannotRetryError = "CannotRetry"

// RunRetry asks the job's system to run it again and says what was done.
func (a *Activities) RunRetry(ctx context.Context, in RunRetryInput) (string, error) {
	if a.Retriers == nil {
		return "", temporal.NewNonRetryableApplicationError("this worker makes no retries", CannotRetryError, nil)
	}
	r, err := a.Retriers(in.Rule)
	if err == nil {
		var detail string
		if detail, err = r.Retry(ctx, in.Job); err == nil {
			return detail, nil
		}
	}
	if errors.Is(err, retries.ErrCannotRetry) {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), CannotRetryError, nil)
	}
	return "", err
}
