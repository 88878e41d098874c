package chat

import "context"

// Self is the chat account Baton posts as, and the workspace it belongs
// to: the gateway takes presses and commands from that workspace alone.
type Self struct {
	// TeamID is the Slack workspace (T…) of the bot's token; empty for a
	// chat with no workspace to compare requests with (the console).
	TeamID string
	// EnterpriseID is the Enterprise Grid organisation (E…) the workspace
	// belongs to; empty outside Enterprise Grid.
	EnterpriseID string
	// UserID is the bot's own user.
	UserID string
}

// Identifier is a chat that can say who Baton is in it. Both chats are:
// Slack (package slack) asks auth.test, the console answers at once.
type Identifier interface {
	Self(ctx context.Context) (Self, error)
}
