// Package chat is how Baton talks to people: Slack when a bot token is set,
// the console otherwise. Both speak one small interface, so activities hold
// the logic (look before write, never empty a group) once. The Slack
// adapter is package chat/slack, apart from the interface, so that the
// workflows and whatever else needs only the types link no Slack client.
package chat

import (
	"context"
	"errors"
	"time"
)

// ErrUserNotFound means no chat user has the email asked for.
var ErrUserNotFound = errors.New("no chat user with that email")

// ErrMessageNotFound means a channel holds no message of the timestamp
// asked for: deleted, never there, or in a channel Baton cannot read.
var ErrMessageNotFound = errors.New("no such message")

// Message is one post. Key makes posting idempotent: a post carries its key,
// and a post whose key is already in the channel is not made again.
type Message struct {
	Key  string
	Text string
	// Plain is Text without Slack's markup, for the console, when the
	// sender rendered one; else the console strips the markup itself.
	Plain string
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

// File is a file shared in a channel or a thread.
type File struct {
	// Name is the file name, such as "oncall-2026-W47.png". It is also the
	// idempotency key: a file whose name is already shared in the thread
	// (or, without ThreadTS, in the channel's recent history) is not
	// shared again.
	Name  string
	Title string
	// ThreadTS, when set, shares the file as a reply in that thread.
	ThreadTS string
	// Comment is the text posted with the file; it may be empty.
	Comment string
	Data    []byte
}

// Reply is a person's reply in a thread.
type Reply struct {
	User string
	Text string
	TS   string
}

// Said is one message as chat holds it, read back by its timestamp: what
// a support request asks about.
type Said struct {
	// User wrote it; empty for a message no person wrote (an app's, an
	// incoming webhook's).
	User string
	// Bot is set for a message a bot or an app posted.
	Bot bool
	// Text is what it says, as plain text: chat's own markup (mentions,
	// links, escapes) read back to what a person sees. It is text from
	// outside, for the renderers to escape.
	Text string
	TS   string
	// ThreadTS is the thread it is in: its own timestamp for a message in
	// the channel, its parent's for a reply in a thread.
	ThreadTS string
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
	// UploadFile shares a file in a channel or, when f.ThreadTS is set, in
	// that thread, unless a file of that name is already there.
	UploadFile(ctx context.Context, channel string, f File) error
	// Replies lists the replies people made in a thread, oldest first: the
	// parent and the bot's own posts are left out.
	Replies(ctx context.Context, channel, threadTS string) ([]Reply, error)
	// Permalink returns a link to a post.
	Permalink(ctx context.Context, channel, ts string) (string, error)
	// Message reads the message of a channel with timestamp ts, a reply
	// in a thread too, or returns ErrMessageNotFound.
	Message(ctx context.Context, channel, ts string) (Said, error)
}

// ChannelResolver is a chat that can tell a channel's ID from the name
// the team file may give it ("#data-help"), as events and interactions
// name channels by ID. An ID is returned as it is.
type ChannelResolver interface {
	ChannelID(ctx context.Context, channel string) (string, error)
}
