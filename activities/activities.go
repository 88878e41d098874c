// Package activities holds every side effect of Baton's workflows: asking the
// pager, talking in chat, reading Temporal visibility. Each activity is one
// exported method on Activities, with one struct in and one struct out, and
// is idempotent: it looks before it writes, so a retry or a second run
// changes nothing that is already right.
package activities

import (
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/checks"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/team"
)

// Activities is built once by the worker with its clients injected.
type Activities struct {
	// Chat is Slack, or the console.
	Chat chat.Chat
	// Opsgenie is nil when OPSGENIE_API_KEY is not set.
	Opsgenie pager.Pager
	// PagerDuty is nil when PAGERDUTY_API_TOKEN is not set.
	PagerDuty pager.Pager
	// Alerts rings the Opsgenie app for pages; nil when OPSGENIE_API_KEY
	// is not set.
	Alerts pager.Alerter
	// Phone is Twilio, or the console.
	Phone phone.Phone
	// Tickets is Jira, or the console.
	Tickets tickets.Tracker
	// Temporal reads visibility (open incidents, the week's incidents).
	Temporal client.Client
	// Namespace is the Temporal namespace, whose retention the summary
	// checks.
	Namespace string
	// UIURL is the Temporal Web UI's base URL, for links; empty: no links.
	UIURL string
	// PublicURL is the gateway's public base URL (BATON_PUBLIC_URL) when
	// Twilio's webhooks reach it: an SMS is answered by reply, a call by a
	// key. Empty: people answer in Slack or with the starter.
	PublicURL string
	// Teams is the team file the worker runs with, which the starter reads
	// through the Teams workflow.
	Teams *team.File
	// Metrics counts notifications and times pages and escalation steps;
	// nil records nothing. ChatProvider and PhoneProvider label them
	// ("slack" or "console", "twilio" or "console").
	Metrics                     *metrics.Metrics
	ChatProvider, PhoneProvider string
	// Lines keep each person's phone from ringing once per incident in a
	// storm (phonelines.go).
	Lines Lines
	// SQL runs the queries of freshness and query checks.
	SQL checks.SQL
	// Retriers makes the retrier of a team's retry rule, with its
	// credentials from the environment; an error wrapping
	// retries.ErrCannotRetry when they are not set.
	Retriers func(team.Retry) (retries.Retrier, error)
}
