package chat

import (
	"context"
	"errors"
)

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
// Slack asks auth.test, the console answers at once.
type Identifier interface {
	Self(ctx context.Context) (Self, error)
}

var _ Identifier = (*Slack)(nil)

// Self implements Identifier with auth.test, which needs no scope:
// https://docs.slack.dev/reference/methods/auth.test
func (s *Slack) Self(ctx context.Context) (Self, error) {
	res, err := s.api.AuthTestContext(ctx)
	if err != nil {
		return Self{}, classify("auth.test", err)
	}
	if res.TeamID == "" {
		// Every answer Slack documents names the workspace: without it
		// no request could be told from another workspace's.
		return Self{}, errors.New("auth.test: Slack named no team_id for the bot token")
	}
	return Self{TeamID: res.TeamID, EnterpriseID: res.EnterpriseID, UserID: res.UserID}, nil
}
