package slack

import (
	"context"
	"errors"

	"github.com/baton-oncall/baton/activities/chat"
)

var _ chat.Identifier = (*Slack)(nil)

// Self implements chat.Identifier with auth.test, which needs no scope:
// https://docs.slack.dev/reference/methods/auth.test
func (s *Slack) Self(ctx context.Context) (chat.Self, error) {
	res, err := s.api.AuthTestContext(ctx)
	if err != nil {
		return chat.Self{}, classify("auth.test", err)
	}
	if res.TeamID == "" {
		// Every answer Slack documents names the workspace: without it
		// no request could be told from another workspace's.
		return chat.Self{}, errors.New("auth.test: Slack named no team_id for the bot token")
	}
	return chat.Self{TeamID: res.TeamID, EnterpriseID: res.EnterpriseID, UserID: res.UserID}, nil
}
