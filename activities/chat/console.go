package chat

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Console stands in for Slack when no bot token is set: every post, topic
// and user-group change is printed as a readable line. It remembers what it
// printed while the process runs, so that reruns behave as they would in
// Slack: nothing is printed twice.
type Console struct {
	mu     sync.Mutex
	out    io.Writer
	groups map[string][]string
	topics map[string]string
	posts  map[string]string // channel + "\x00" + key -> ts
	seq    int
}

// NewConsole prints to out.
func NewConsole(out io.Writer) *Console {
	return &Console{
		out:    out,
		groups: map[string][]string{},
		topics: map[string]string{},
		posts:  map[string]string{},
	}
}

// LookupUserByEmail implements Chat: the console's user ID for an email is
// "@" and its local part.
func (c *Console) LookupUserByEmail(_ context.Context, email string) (string, error) {
	local, _, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "", ErrUserNotFound
	}
	return "@" + local, nil
}

// UserGroupMembers implements Chat.
func (c *Console) UserGroupMembers(_ context.Context, group string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.groups[group]...), nil
}

// SetUserGroupMembers implements Chat.
func (c *Console) SetUserGroupMembers(_ context.Context, group string, users []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.groups[group] = append([]string(nil), users...)
	c.printf("user group @%s now reaches: %s", strings.TrimPrefix(group, "@"), strings.Join(users, ", "))
	return nil
}

// Topic implements Chat.
func (c *Console) Topic(_ context.Context, channel string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.topics[channel], nil
}

// SetTopic implements Chat.
func (c *Console) SetTopic(_ context.Context, channel, topic string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.topics[channel] = topic
	c.printf("%s topic: %s", channel, topic)
	return nil
}

// FindPost implements Chat.
func (c *Console) FindPost(_ context.Context, channel, key string, _ time.Time) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts, ok := c.posts[channel+"\x00"+key]
	return ts, ok, nil
}

// Post implements Chat.
func (c *Console) Post(_ context.Context, channel string, msg Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	ts := fmt.Sprintf("console.%06d", c.seq)
	c.posts[channel+"\x00"+msg.Key] = ts
	c.printf("%s:\n%s", channel, indent(msg.Text))
	return ts, nil
}

// OpenDM implements Chat.
func (c *Console) OpenDM(_ context.Context, user string) (string, error) {
	return "DM " + user, nil
}

func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, "[chat] "+format+"\n", args...)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
