// Package opsgenie is the Opsgenie adapter, through opsgenie-go-sdk-v2: a
// pager.Pager on Opsgenie schedules, and a pager.Alerter for pages. It is
// apart from package pager so that what only needs the interfaces (the
// workflows) does not link the SDK and logrus.
package opsgenie

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/opsgenie/opsgenie-go-sdk-v2/alert"
	"github.com/opsgenie/opsgenie-go-sdk-v2/client"
	"github.com/opsgenie/opsgenie-go-sdk-v2/schedule"
	"github.com/sirupsen/logrus"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/team"
)

// Opsgenie reads who is on call from Opsgenie schedules, and opens and
// closes Opsgenie alerts for pages (alerts.go).
type Opsgenie struct {
	schedules *schedule.Client
	alerts    *alert.Client
}

var _ pager.Pager = (*Opsgenie)(nil)

// NewOpsgenie returns an Opsgenie pager. apiURL is a host such as
// api.opsgenie.com or api.eu.opsgenie.com; the SDK speaks https to hosts
// whose name contains "api" and plain http to others (127.0.0.1:9000).
func NewOpsgenie(apiKey, apiURL string) (*Opsgenie, error) {
	c, err := schedule.NewClient(sdkConfig(apiKey, apiURL))
	if err != nil {
		return nil, fmt.Errorf("opsgenie client: %w", err)
	}
	a, err := alert.NewClient(sdkConfig(apiKey, apiURL))
	if err != nil {
		return nil, fmt.Errorf("opsgenie alert client: %w", err)
	}
	return &Opsgenie{schedules: c, alerts: a}, nil
}

// sdkConfig is the SDK configuration of every client; each gets its own,
// as the SDK writes defaults into it.
func sdkConfig(apiKey, apiURL string) *client.Config {
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	return &client.Config{
		ApiKey:         apiKey,
		OpsGenieAPIURL: client.ApiUrl(apiURL),
		RequestTimeout: 15 * time.Second,
		// Temporal owns retries: the SDK's own loop would hide failures
		// and hold the activity for minutes.
		RetryPolicy: func(context.Context, *http.Response, error) (bool, error) { return false, nil },
		// The SDK logs requests at debug level; nothing of it is wanted.
		Logger: quiet,
	}
}

// OnCall implements pager.Pager.
func (o *Opsgenie) OnCall(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error) {
	flat := true
	// The SDK formats the date with a literal "Z": it must be in UTC.
	date := at.UTC()
	res, err := o.schedules.GetOnCalls(ctx, &schedule.GetOnCallsRequest{
		ScheduleIdentifierType: schedule.Name,
		ScheduleIdentifier:     t.Pager.OpsgenieSchedule,
		Flat:                   &flat,
		Date:                   &date,
	})
	if err != nil {
		return nil, classifyOpsgenie(t, err)
	}
	people := make([]team.Person, 0, len(res.OnCallRecipients))
	for _, email := range res.OnCallRecipients {
		if p, ok := t.PersonByEmail(email); ok {
			people = append(people, p)
		} else {
			people = append(people, team.Person{ID: email, Email: email})
		}
	}
	return people, nil
}

func classifyOpsgenie(t team.Team, err error) error {
	var apiErr *client.ApiError
	if !errors.As(err, &apiErr) {
		// Network errors and timeouts: Temporal retries with backoff.
		return fmt.Errorf("team %q: Opsgenie schedule %q: %w", t.Name, t.Pager.OpsgenieSchedule, err)
	}
	switch {
	case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: Opsgenie refused the API key for schedule %q (HTTP %d): check OPSGENIE_API_KEY and that its integration may read schedules",
				t.Name, t.Pager.OpsgenieSchedule, apiErr.StatusCode),
			"OpsgenieUnauthorized", nil)
	case apiErr.StatusCode == http.StatusNotFound:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: Opsgenie schedule %q not found (check pager.opsgenie_schedule in the team file, and OPSGENIE_API_URL for EU accounts)",
				t.Name, t.Pager.OpsgenieSchedule),
			"OpsgenieScheduleNotFound", nil)
	case apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500:
		return fmt.Errorf("team %q: Opsgenie schedule %q: HTTP %d: %s", t.Name, t.Pager.OpsgenieSchedule, apiErr.StatusCode, apiErr.Message)
	default:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: Opsgenie schedule %q: HTTP %d: %s", t.Name, t.Pager.OpsgenieSchedule, apiErr.StatusCode, apiErr.Message),
			"OpsgenieError", nil)
	}
}
