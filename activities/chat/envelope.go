package chat

import (
	"context"
	"encoding/json"
)

// Envelope is a press or a command that a chat pushed over a connection
// Baton opened (Slack's Socket Mode), so that the chat needs no public URL
// to reach the gateway. It comes from the chat or from nobody: the
// connection was opened with the app's own token, so it needs no
// signature.
type Envelope struct {
	// Kind is what it carries: EnvelopePress, EnvelopeCommand, or the
	// chat's own name for anything else, which is acknowledged and left.
	Kind string
	// Payload is what the chat's HTTP request would have carried: the
	// interaction's JSON, or the command's form as JSON.
	Payload json.RawMessage
	// AcceptsResponse says whether the acknowledgement may carry the answer
	// shown to the person, as an HTTP response would.
	AcceptsResponse bool
}

// The kinds of envelope Baton acts on.
const (
	EnvelopePress   = "interactive"
	EnvelopeCommand = "slash_commands"
	// EnvelopeEvent carries an Events API event_callback, as Slack would
	// POST it to the Request URL.
	EnvelopeEvent = "events_api"
)

// EnvelopeHandler does what one envelope asks. It must call ack once, soon
// (Slack waits 3 seconds), with the answer to show or nil, and returns
// when it has; what the envelope started may go on after that. The one
// exception is an event it could not take now (EnvelopeEvent): left
// unacknowledged, Slack delivers it again, as it does an event whose HTTP
// answer failed.
type EnvelopeHandler func(ctx context.Context, env Envelope, ack func(payload any) error)
