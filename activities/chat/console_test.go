package chat_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
)

func newConsole(t *testing.T, out *bytes.Buffer, stateFile string) *chat.Console {
	t.Helper()
	c, err := chat.NewConsole(out, stateFile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConsolePosts(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(t, &out, "")
	ctx := context.Background()
	since := time.Now().Add(-time.Hour)

	ts1, err := c.Post(ctx, "#data", chat.Message{Key: "k1", Text: "Handover\n<@alice> is on call, see <https://wiki.example.com/rb|the runbook>\n"})
	if err != nil {
		t.Fatal(err)
	}
	want := "[chat] #data:\n    Handover\n    @alice is on call, see the runbook (https://wiki.example.com/rb)\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	ts2, err := c.Post(ctx, "#data", chat.Message{Key: "k2", Text: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if ts1 == ts2 {
		t.Errorf("two posts share the timestamp %q", ts1)
	}

	tests := []struct {
		channel, key string
		want         string
		wantFound    bool
	}{
		{channel: "#data", key: "k1", want: ts1, wantFound: true},
		{channel: "#data", key: "k2", want: ts2, wantFound: true},
		{channel: "#data", key: "k3"},
		{channel: "#other", key: "k1"},
	}
	for _, tt := range tests {
		got, found, err := c.FindPost(ctx, tt.channel, "", tt.key, since)
		if err != nil || found != tt.wantFound || got != tt.want {
			t.Errorf("FindPost(%s, %s) = %q, %v, %v; want %q, %v, nil", tt.channel, tt.key, got, found, err, tt.want, tt.wantFound)
		}
	}
}

func TestConsoleUserGroupAndTopic(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(t, &out, "")
	ctx := context.Background()

	users := []string{"alice", "lead"}
	if err := c.SetUserGroupMembers(ctx, "@data-oncall", users); err != nil {
		t.Fatal(err)
	}
	users[0] = "mallory" // the console keeps its own copy
	got, err := c.UserGroupMembers(ctx, "@data-oncall")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice", "lead"}; !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	if got, _ := c.UserGroupMembers(ctx, "@other"); len(got) != 0 {
		t.Errorf("unknown group has members %v", got)
	}

	if err := c.SetTopic(ctx, "#data", "On call: alice"); err != nil {
		t.Fatal(err)
	}
	if topic, err := c.Topic(ctx, "#data"); err != nil || topic != "On call: alice" {
		t.Errorf("Topic = %q, %v", topic, err)
	}
	want := "[chat] user group @data-oncall now reaches: @alice, @lead\n[chat] #data topic: On call: alice\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

func TestConsoleUsers(t *testing.T) {
	c := newConsole(t, &bytes.Buffer{}, "")
	ctx := context.Background()
	tests := []struct {
		email   string
		want    string
		wantErr error
	}{
		{email: "alice@example.com", want: "alice"},
		{email: "not-an-email", wantErr: chat.ErrUserNotFound},
		{email: "@example.com", wantErr: chat.ErrUserNotFound},
	}
	for _, tt := range tests {
		got, err := c.LookupUserByEmail(ctx, tt.email)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("LookupUserByEmail(%q) = %q, %v; want %q, %v", tt.email, got, err, tt.want, tt.wantErr)
		}
	}
	if dm, err := c.OpenDM(ctx, "alice"); err != nil || dm != "DM @alice" {
		t.Errorf("OpenDM = %q, %v", dm, err)
	}
}

func TestConsoleStateFile(t *testing.T) {
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "chat.json")

	first := newConsole(t, &bytes.Buffer{}, state) // the file does not exist yet
	ts, err := first.Post(ctx, "#data", chat.Message{Key: "k1", Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.SetUserGroupMembers(ctx, "@data-oncall", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if err := first.SetTopic(ctx, "#data", "On call: alice"); err != nil {
		t.Fatal(err)
	}

	// A restarted console remembers, and does not reuse a timestamp.
	var out bytes.Buffer
	second := newConsole(t, &out, state)
	if got, found, err := second.FindPost(ctx, "#data", "", "k1", time.Time{}); err != nil || !found || got != ts {
		t.Errorf("FindPost after restart = %q, %v, %v; want %q, true, nil", got, found, err, ts)
	}
	if got, _ := second.UserGroupMembers(ctx, "@data-oncall"); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("members after restart = %v", got)
	}
	if got, _ := second.Topic(ctx, "#data"); got != "On call: alice" {
		t.Errorf("topic after restart = %q", got)
	}
	ts2, err := second.Post(ctx, "#data", chat.Message{Key: "k2", Text: "again"})
	if err != nil {
		t.Fatal(err)
	}
	if ts2 == ts {
		t.Errorf("restarted console reused timestamp %q", ts)
	}
	if out.String() != "[chat] #data:\n    again\n" {
		t.Errorf("restarted console printed %q", out.String())
	}

	if err := os.WriteFile(state, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := chat.NewConsole(&bytes.Buffer{}, state); err == nil {
		t.Error("NewConsole accepted a corrupt state file")
	}
}

func TestConsoleUploadFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	state := filepath.Join(t.TempDir(), "chat.json")
	var out bytes.Buffer
	c := newConsole(t, &out, state)
	c.FilesDir = dir
	data := []byte("\x89PNG\r\n\x1a\n\x00week 47")
	f := chat.File{Name: "oncall-2026-W47.png", Title: "Pages by hour", ThreadTS: "console.000001", Comment: "Pages by hour, <@alice>", Data: data}

	if err := c.UploadFile(ctx, "#data", f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, f.Name)
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file on disk = %q, %v; want the uploaded bytes", got, err)
	}
	want := "[chat] #data (thread console.000001):\n    Pages by hour, @alice\n    FILE oncall-2026-W47.png (16 bytes) -> " + path + "\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}

	// Idempotent by name, across restarts too.
	out.Reset()
	if err := c.UploadFile(ctx, "#data", f); err != nil {
		t.Fatal(err)
	}
	restarted := newConsole(t, &out, state)
	restarted.FilesDir = dir
	if err := restarted.UploadFile(ctx, "#data", f); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("a second upload printed %q", out.String())
	}

	for _, name := range []string{"", "..", "../escape.png", "sub/dir.png"} {
		if err := c.UploadFile(ctx, "#data", chat.File{Name: name, Data: data}); err == nil {
			t.Errorf("UploadFile accepted the name %q", name)
		}
	}
}

func TestConsoleUploadFileDefaultDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out bytes.Buffer
	c := newConsole(t, &out, "")
	if err := c.UploadFile(context.Background(), "#data", chat.File{Name: "week.csv", Data: []byte("a,b\n")}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(tmp, "baton-files", "week.csv")
	if got, err := os.ReadFile(path); err != nil || string(got) != "a,b\n" {
		t.Errorf("%s = %q, %v", path, got, err)
	}
	if want := "[chat] #data:\n    FILE week.csv (4 bytes) -> " + path + "\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

func TestConsoleRepliesAndPermalink(t *testing.T) {
	c := newConsole(t, &bytes.Buffer{}, "")
	ctx := context.Background()
	ts, err := c.Post(ctx, "#data", chat.Message{Key: "k", Text: "Weekly summary"})
	if err != nil {
		t.Fatal(err)
	}
	if replies, err := c.Replies(ctx, "#data", ts); err != nil || replies != nil {
		t.Errorf("Replies = %v, %v; want none", replies, err)
	}
	if link, err := c.Permalink(ctx, "#data", ts); err != nil || link != "console:#data/"+ts {
		t.Errorf("Permalink = %q, %v", link, err)
	}
}

// The console shows the mrkdwn Baton posts as text: a group mentioned by
// handle as "@handle", escaped text as what was typed.
func TestConsoleShowsEscapedTextAsTyped(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(t, &out, "")
	_, err := c.Post(context.Background(), "#data", chat.Message{Key: "k", Text: "<!subteam^data-oncall>: &lt;!channel&gt; DB &amp; cache down"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[chat] #data:\n    @data-oncall: <!channel> DB & cache down\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

func TestConsoleHasNoPeoplesMessagesToRead(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(t, &out, "")
	ctx := context.Background()
	ts, err := c.Post(ctx, "#data-help", chat.Message{Key: "k", Text: "posted by Baton"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Message(ctx, "#data-help", ts); !errors.Is(err, chat.ErrMessageNotFound) {
		t.Errorf("Message: %v, want chat.ErrMessageNotFound", err)
	}
	if id, err := c.ChannelID(ctx, "#data-help"); err != nil || id != "#data-help" {
		t.Errorf("ChannelID: %q %v", id, err)
	}
}
