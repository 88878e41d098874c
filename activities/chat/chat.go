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
	// ThreadTS, when set, makes the post a reply in that message's thread.
	ThreadTS string
	// Buttons are shown under the text, in order.
	Buttons []Button
}

// Button is a message button. Its value carries the entity it acts on (an
// incident's workflow ID), so that a press needs no lookup.
type Button struct {
	ActionID string
	Text     string
	Value    string
	// Style is "", "primary" or "danger".
	Style string
	// Command is the CLI command that does the same; the console shows it,
	// since a terminal has no buttons.
	Command string
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
	// FindPost looks for a post carrying key made since the given time, in
	// the channel or, when threadTS is set, in that thread, and returns its
	// timestamp.
	FindPost(ctx context.Context, channel, threadTS, key string, since time.Time) (ts string, found bool, err error)
	// Post posts a message and returns its timestamp.
	Post(ctx context.Context, channel string, msg Message) (string, error)
	// Update replaces a post's text and buttons in place.
	Update(ctx context.Context, channel, ts string, msg Message) error
	// OpenDM returns the direct-message channel with a user.
	OpenDM(ctx context.Context, user string) (string, error)
}
