// Package activities holds every side effect of Baton's workflows: asking the
// pager, talking in chat, reading Temporal visibility. Each activity is one
// exported method on Activities, with one struct in and one struct out, and
// is idempotent: it looks before it writes, so a retry or a second run
// changes nothing that is already right.
package activities

import (
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/phone"
)

// Activities is built once by the worker with its clients injected.
type Activities struct {
	// Chat is Slack, or the console.
	Chat chat.Chat
	// Opsgenie is nil when OPSGENIE_API_KEY is not set.
	Opsgenie pager.Pager
	// Phone is Twilio, or the console.
	Phone phone.Phone
	// Temporal reads visibility (open incidents).
	Temporal client.Client
}
