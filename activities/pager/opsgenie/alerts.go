package opsgenie

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opsgenie/opsgenie-go-sdk-v2/alert"
	"github.com/opsgenie/opsgenie-go-sdk-v2/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
)

var _ pager.Alerter = (*Opsgenie)(nil)

const (
	// alertSource is the alert's source, and the user of Baton's actions,
	// as Opsgenie shows them.
	alertSource = "Baton"
	alertTag    = "baton"

	maxAlertAlias       = 512
	maxAlertMessage     = 130
	maxAlertDescription = 15000
)

// OpenAlert implements pager.Alerter. It first looks the alias up, and
// creates the alert only when no open alert has it, so that a retried
// activity does not bump the alert's count. Opsgenie creates alerts
// asynchronously: a retry within a moment of a create may not see it yet
// and create again, which Opsgenie then dedups by alias (count 2, no
// second notification).
func (o *Opsgenie) OpenAlert(ctx context.Context, in pager.AlertRequest) error {
	req, err := createAlertRequest(in)
	if err != nil {
		return err
	}
	got, err := o.alerts.Get(ctx, &alert.GetAlertRequest{IdentifierType: alert.ALIAS, IdentifierValue: in.Alias})
	switch {
	case err == nil && got.Status == "open":
		// Acknowledged alerts are open too: nothing to do.
		return nil
	case err == nil || isStatus(err, http.StatusNotFound):
		// Closed, or never created: create it.
	default:
		return classifyAlert("lookup", in.Alias, err)
	}
	if _, err := o.alerts.Create(ctx, req); err != nil {
		return classifyAlert("create", in.Alias, err)
	}
	return nil
}

// CloseAlert implements pager.Alerter. Opsgenie accepts a close
// asynchronously (202) and reports an alias without an open alert only in
// the request's status, which Baton does not poll; a 404 is success too.
func (o *Opsgenie) CloseAlert(ctx context.Context, alias, note string) error {
	if err := checkAlias(alias); err != nil {
		return err
	}
	_, err := o.alerts.Close(ctx, &alert.CloseAlertRequest{
		IdentifierType:  alert.ALIAS,
		IdentifierValue: alias,
		User:            alertSource,
		Source:          alertSource,
		Note:            note,
	})
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return classifyAlert("close", alias, err)
	}
	return nil
}

func createAlertRequest(in pager.AlertRequest) (*alert.CreateAlertRequest, error) {
	if err := checkAlias(in.Alias); err != nil {
		return nil, err
	}
	prio := alert.Priority(strings.ToUpper(strings.TrimSpace(in.Priority)))
	switch prio {
	case "", alert.P1, alert.P2, alert.P3, alert.P4, alert.P5:
	default:
		return nil, invalidAlert(fmt.Sprintf("Opsgenie alert %q: priority %q is not one of P1..P5", in.Alias, in.Priority))
	}
	msg := strings.TrimSpace(in.Message)
	if msg == "" {
		msg = "Baton incident " + in.Alias
	}
	tags := []string{alertTag}
	if t := strings.TrimSpace(in.Team); t != "" {
		tags = append(tags, "team:"+t)
	}
	var responders []alert.Responder
	if s := strings.TrimSpace(in.Schedule); s != "" {
		responders = append(responders, alert.Responder{Type: alert.ScheduleResponder, Name: s})
	} else {
		for _, e := range in.UserEmails {
			if e = strings.TrimSpace(e); e != "" {
				responders = append(responders, alert.Responder{Type: alert.UserResponder, Username: e})
			}
		}
	}
	var details map[string]string
	if len(in.Details) > 0 {
		details = make(map[string]string, len(in.Details))
		for k, v := range in.Details {
			details[k] = v
		}
	}
	return &alert.CreateAlertRequest{
		Message:     truncate(msg, maxAlertMessage),
		Alias:       in.Alias,
		Description: truncate(in.Description, maxAlertDescription),
		Responders:  responders,
		Tags:        tags,
		Details:     details,
		Entity:      in.Entity,
		Source:      alertSource,
		Priority:    prio,
		User:        alertSource,
	}, nil
}

func checkAlias(alias string) error {
	switch {
	case strings.TrimSpace(alias) == "":
		return invalidAlert("Opsgenie alert: the alias (the incident's dedup key) is empty")
	case utf8.RuneCountInString(alias) > maxAlertAlias:
		return invalidAlert(fmt.Sprintf("Opsgenie alert %.40q...: the alias is longer than Opsgenie's %d characters", alias, maxAlertAlias))
	case strings.Contains(alias, "/"):
		// The SDK builds the path /v2/alerts/<alias>/close without
		// escaping "/": the request would reach another endpoint.
		return invalidAlert(fmt.Sprintf("Opsgenie alert %q: an alias with \"/\" cannot be sent through the Opsgenie SDK", alias))
	}
	return nil
}

func invalidAlert(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, "OpsgenieInvalidAlert", nil)
}

// truncate cuts s to at most n characters, the last an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
}

func isStatus(err error, status int) bool {
	var apiErr *client.ApiError
	return errors.As(err, &apiErr) && apiErr.StatusCode == status
}

// classifyAlert is classifyOpsgenie for the alert API: what ("lookup",
// "create", "close") is the request that failed. Neither the SDK's errors nor these
// messages carry the API key (it travels only in a header).
func classifyAlert(what, alias string, err error) error {
	var apiErr *client.ApiError
	if !errors.As(err, &apiErr) {
		// Network errors and timeouts: Temporal retries with backoff.
		return fmt.Errorf("alert %q: Opsgenie %s failed: %w", alias, what, err)
	}
	status := apiErr.StatusCode
	msg := apiErr.Message
	if len(apiErr.Errors) > 0 {
		// 422s name the offending fields here.
		keys := make([]string, 0, len(apiErr.Errors))
		for k := range apiErr.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + apiErr.Errors[k]
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("alert %q: Opsgenie refused the API key for %s (HTTP %d): check OPSGENIE_API_KEY and that its integration has create-and-update access",
				alias, what, status),
			"OpsgenieUnauthorized", nil)
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("alert %q: Opsgenie rejected the %s (HTTP %d): %s", alias, what, status, msg),
			"OpsgenieInvalidAlert", nil)
	case status == http.StatusTooManyRequests || status >= 500:
		return fmt.Errorf("alert %q: Opsgenie %s failed: HTTP %d: %s", alias, what, status, msg)
	default:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("alert %q: Opsgenie %s failed: HTTP %d: %s", alias, what, status, msg),
			"OpsgenieError", nil)
	}
}
