package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// Console stands in for Slack when no bot token is set: every post, topic
// and user-group change is printed as a readable line. It remembers what it
// printed, so that reruns behave as they would in Slack: nothing is printed
// twice. With a state file the memory survives restarts.
type Console struct {
	// FilesDir is where UploadFile writes files; when empty,
	// os.TempDir()/baton-files. Set it before the console is used.
	FilesDir string

	mu        sync.Mutex
	out       io.Writer
	stateFile string
	state     consoleState
}

var _ Chat = (*Console)(nil)

// consoleState is what the console remembers; it is saved as JSON.
type consoleState struct {
	Groups map[string][]string `json:"groups"`
	Topics map[string]string   `json:"topics"`
	Posts  map[string]string   `json:"posts"`           // channel + "\x00" + key -> ts
	Files  map[string]string   `json:"files,omitempty"` // channel + "\x00" + thread + "\x00" + name -> path
	Seq    int                 `json:"seq"`
}

// NewConsole prints to out. stateFile, if not empty, keeps the console's
// memory across restarts; a missing file starts empty.
func NewConsole(out io.Writer, stateFile string) (*Console, error) {
	c := &Console{out: out, stateFile: stateFile, state: consoleState{
		Groups: map[string][]string{}, Topics: map[string]string{}, Posts: map[string]string{}, Files: map[string]string{},
	}}
	if stateFile == "" {
		return c, nil
	}
	data, err := os.ReadFile(stateFile)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("console chat state: %w", err)
	}
	if err := json.Unmarshal(data, &c.state); err != nil {
		return nil, fmt.Errorf("console chat state %s: %w", stateFile, err)
	}
	// A state file from before files were remembered has none.
	if c.state.Files == nil {
		c.state.Files = map[string]string{}
	}
	return c, nil
}

// save writes the state file; the caller holds mu. A write is small and
// rare (a handover, a page), so it is done in full each time.
func (c *Console) save() error {
	if c.stateFile == "" {
		return nil
	}
	data, err := json.Marshal(c.state)
	if err != nil {
		return err
	}
	tmp := c.stateFile + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("console chat state: %w", err)
	}
	return os.Rename(tmp, c.stateFile)
}

// LookupUserByEmail implements Chat: the console's user ID for an email is
// its local part.
func (c *Console) LookupUserByEmail(_ context.Context, email string) (string, error) {
	local, _, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "", ErrUserNotFound
	}
	return local, nil
}

// UserGroupMembers implements Chat.
func (c *Console) UserGroupMembers(_ context.Context, group string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.state.Groups[group]...), nil
}

// SetUserGroupMembers implements Chat.
func (c *Console) SetUserGroupMembers(_ context.Context, group string, users []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Groups[group] = append([]string(nil), users...)
	c.printf("user group @%s now reaches: @%s", strings.TrimPrefix(group, "@"), strings.Join(users, ", @"))
	return c.save()
}

// Topic implements Chat.
func (c *Console) Topic(_ context.Context, channel string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.Topics[channel], nil
}

// SetTopic implements Chat.
func (c *Console) SetTopic(_ context.Context, channel, topic string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Topics[channel] = topic
	c.printf("%s topic: %s", channel, topic)
	return c.save()
}

// FindPost implements Chat. Keys are unique across threads, so the thread
// needs no separate lookup.
func (c *Console) FindPost(_ context.Context, channel, _, key string, _ time.Time) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts, ok := c.state.Posts[channel+"\x00"+key]
	return ts, ok, nil
}

// Post implements Chat.
func (c *Console) Post(_ context.Context, channel string, msg Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Seq++
	ts := fmt.Sprintf("console.%06d", c.state.Seq)
	c.state.Posts[channel+"\x00"+msg.Key] = ts
	where := channel
	if msg.ThreadTS != "" {
		where = channel + " (thread " + msg.ThreadTS + ")"
	}
	c.printf("%s:\n%s", where, indent(render(msg)))
	return ts, c.save()
}

// Update implements Chat.
func (c *Console) Update(_ context.Context, channel, ts string, msg Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("%s message %s updated:\n%s", channel, ts, indent(render(msg)))
	return nil
}

// render is a message as a terminal shows it: buttons become the commands
// that do the same.
func render(msg Message) string {
	var b strings.Builder
	if msg.Plain != "" {
		b.WriteString(msg.Plain)
	} else {
		b.WriteString(mrkdwn.Plain(msg.Text))
	}
	for _, btn := range msg.Buttons {
		fmt.Fprintf(&b, "\n[%s] %s", btn.Text, btn.Command)
	}
	return b.String()
}

// OpenDM implements Chat.
func (c *Console) OpenDM(_ context.Context, user string) (string, error) {
	return "DM @" + user, nil
}

// UploadFile implements Chat: the file is written to FilesDir under its
// name, and a line tells where. A file of that name already shared in the
// same channel and thread is not written or printed again. FilesDir is one
// flat directory: a file of the same name shared elsewhere replaces the
// bytes on disk.
func (c *Console) UploadFile(_ context.Context, channel string, f File) error {
	if f.Name == "" || f.Name == "." || f.Name == ".." || filepath.Base(f.Name) != f.Name {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("invalid file name %q", f.Name), "InvalidFile", nil)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := channel + "\x00" + f.ThreadTS + "\x00" + f.Name
	if _, done := c.state.Files[key]; done {
		return nil
	}
	dir := c.FilesDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "baton-files")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("console chat files: %w", err)
	}
	path := filepath.Join(dir, f.Name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, f.Data, 0o600); err != nil {
		return fmt.Errorf("console chat files: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("console chat files: %w", err)
	}
	c.state.Files[key] = path
	where := channel
	if f.ThreadTS != "" {
		where = channel + " (thread " + f.ThreadTS + ")"
	}
	body := fmt.Sprintf("FILE %s (%d bytes) -> %s", f.Name, len(f.Data), path)
	if f.Comment != "" {
		body = mrkdwn.Plain(f.Comment) + "\n" + body
	}
	c.printf("%s:\n%s", where, indent(body))
	return c.save()
}

// Replies implements Chat. Nobody answers in a terminal: the console's
// threads hold only what Baton printed, so they never have a person's
// reply.
func (c *Console) Replies(_ context.Context, _, _ string) ([]Reply, error) {
	return nil, nil
}

// Permalink implements Chat: "console:<channel>/<ts>", since a terminal has
// no links.
func (c *Console) Permalink(_ context.Context, channel, ts string) (string, error) {
	return "console:" + channel + "/" + ts, nil
}

// Message implements Chat. The console holds only what Baton printed,
// and nobody writes in a terminal: it has no one's message to read back.
func (c *Console) Message(_ context.Context, channel, ts string) (Said, error) {
	return Said{}, fmt.Errorf("%w: the console keeps no people's messages (%s %s)", ErrMessageNotFound, channel, ts)
}

// ChannelID implements ChannelResolver: the console names channels as
// the team file does.
func (c *Console) ChannelID(_ context.Context, channel string) (string, error) {
	return channel, nil
}

func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, "[chat] "+format+"\n", args...)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
