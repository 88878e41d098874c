// Package chat is how Baton talks to people: Slack when a bot token is set,
// the console otherwise. Both speak one small interface, so activities hold
// the logic (look before write, never empty a group) once.
package chat

import (
	"context"
	"errors"
	"time"
)

// ErrUserNotFound means no chat user has the email asked for.
var ErrUserNotFound = errors.New("no chat user with that email")

// Message is one post. Key makes posting idempotent: a post carries its key,
// and a post whose key is already in the channel is not made again.
type Message struct {
	Key  string
	Text string
}

// Chat is a chat workspace.
type Chat interface {
	// LookupUserByEmail returns the user ID for an email, or ErrUserNotFound.
	LookupUserByEmail(ctx context.Context, email string) (string, error)
	// UserGroupMembers lists the user IDs in a user group (ID or handle).
	UserGroupMembers(ctx context.Context, group string) ([]string, error)
	// SetUserGroupMembers overwrites a user group's members. users is never empty.
	SetUserGroupMembers(ctx context.Context, group string, users []string) error
	// Topic returns a channel's topic.
	Topic(ctx context.Context, channel string) (string, error)
	// SetTopic sets a channel's topic.
	SetTopic(ctx context.Context, channel, topic string) error
	// FindPost looks for a post carrying key made since the given time, and
	// returns its timestamp.
	FindPost(ctx context.Context, channel, key string, since time.Time) (ts string, found bool, err error)
	// Post posts a message and returns its timestamp.
	Post(ctx context.Context, channel string, msg Message) (string, error)
	// OpenDM returns the direct-message channel with a user.
	OpenDM(ctx context.Context, user string) (string, error)
}
