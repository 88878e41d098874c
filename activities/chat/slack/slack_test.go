package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakeslack"
)

// newSlack starts a fake workspace and a client for it.
func newSlack(t *testing.T) (*fakeslack.Server, *slack.Slack) {
	t.Helper()
	srv := fakeslack.New(t)
	return srv, slack.NewSlack(fakeslack.Token, srv.URL())
}

func TestSlackLookupUserByEmail(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddUser("U0ALICE", "alice@example.com")
	srv.AddUser("U0BOB", "bob@example.com")

	tests := []struct {
		email   string
		want    string
		wantErr error
	}{
		{email: "alice@example.com", want: "U0ALICE"},
		{email: "Bob@Example.com", want: "U0BOB"},
		{email: "nobody@example.com", wantErr: chat.ErrUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			got, err := s.LookupUserByEmail(context.Background(), tt.email)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LookupUserByEmail(%q) error = %v, want %v", tt.email, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("LookupUserByEmail(%q) = %q, want %q", tt.email, got, tt.want)
			}
		})
	}
	calls := srv.Calls("users.lookupByEmail")
	if len(calls) != len(tests) {
		t.Fatalf("users.lookupByEmail called %d times, want %d", len(calls), len(tests))
	}
	if got := calls[0].Get("email"); got != "alice@example.com" {
		t.Errorf("first lookup sent email=%q", got)
	}
}

func TestSlackUserGroupMembers(t *testing.T) {
	tests := []struct {
		name      string
		group     string
		wantLists int // usergroups.list calls needed to resolve the group
	}{
		{name: "handle", group: "data-oncall", wantLists: 1},
		{name: "at handle", group: "@data-oncall", wantLists: 1},
		{name: "ID", group: "S0DATA", wantLists: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := newSlack(t)
			srv.AddUserGroup("S0OTHER", "other-oncall", "U0CAROL")
			srv.AddUserGroup("S0DATA", "data-oncall", "U0ALICE", "U0BOB")

			got, err := s.UserGroupMembers(context.Background(), tt.group)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"U0ALICE", "U0BOB"}; !slices.Equal(got, want) {
				t.Errorf("members = %v, want %v", got, want)
			}
			lists := srv.Calls("usergroups.users.list")
			if len(lists) != 1 || lists[0].Get("usergroup") != "S0DATA" {
				t.Errorf("usergroups.users.list calls = %v, want one for S0DATA", lists)
			}
			if n := len(srv.Calls("usergroups.list")); n != tt.wantLists {
				t.Errorf("usergroups.list called %d times, want %d", n, tt.wantLists)
			}

			// The handle's ID is remembered: no second usergroups.list.
			if _, err := s.UserGroupMembers(context.Background(), tt.group); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Calls("usergroups.list")); n != tt.wantLists {
				t.Errorf("after a second read usergroups.list called %d times, want %d", n, tt.wantLists)
			}
		})
	}
}

func TestSlackUserGroupNotFound(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddUserGroup("S0DATA", "data-oncall", "U0ALICE")

	_, err := s.UserGroupMembers(context.Background(), "@nosuch")
	activitytest.RequireNonRetryable(t, err, "@nosuch")
	if typ := activitytest.AppError(t, err).Type(); typ != "SlackUserGroupNotFound" {
		t.Errorf("error type = %q", typ)
	}
	if n := len(srv.Calls("usergroups.users.list")); n != 0 {
		t.Errorf("usergroups.users.list called %d times for an unknown group", n)
	}
}

func TestSlackSetUserGroupMembers(t *testing.T) {
	srv, s := newSlack(t)
	for _, id := range []string{"U0ALICE", "U0BOB", "U0LEAD"} {
		srv.AddUser(id, strings.ToLower(id[2:])+"@example.com")
	}
	srv.AddUserGroup("S0DATA", "data-oncall", "U0ALICE")
	ctx := context.Background()

	if err := s.SetUserGroupMembers(ctx, "@data-oncall", []string{"U0BOB", "U0LEAD"}); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.GroupMembers("S0DATA"), []string{"U0BOB", "U0LEAD"}; !slices.Equal(got, want) {
		t.Errorf("group members = %v, want %v", got, want)
	}
	updates := srv.Calls("usergroups.users.update")
	if len(updates) != 1 || updates[0].Get("usergroup") != "S0DATA" || updates[0].Get("users") != "U0BOB,U0LEAD" {
		t.Errorf("usergroups.users.update calls = %v", updates)
	}

	err := s.SetUserGroupMembers(ctx, "S0DATA", nil)
	activitytest.RequireNonRetryable(t, err, "S0DATA")
	if n := len(srv.Calls("usergroups.users.update")); n != 1 {
		t.Errorf("emptying the group made an update call (%d calls)", n)
	}

	// Slack refuses IDs that are no member's, such as an email.
	err = s.SetUserGroupMembers(ctx, "S0DATA", []string{"alice@example.com"})
	activitytest.RequireNonRetryable(t, err, "invalid_users")
	if got, want := srv.GroupMembers("S0DATA"), []string{"U0BOB", "U0LEAD"}; !slices.Equal(got, want) {
		t.Errorf("after a refused update, group members = %v, want %v", got, want)
	}
}

func TestSlackChannelByName(t *testing.T) {
	srv, s := newSlack(t)
	for _, c := range [][2]string{{"C01", "general"}, {"C02", "random"}, {"C03", "eng"}, {"C04", "ops"}, {"C05", "data-oncall"}} {
		srv.AddChannel(c[0], c[1], "topic of "+c[1])
	}
	// Slack may return fewer channels than asked for; with two a page,
	// finding the fifth channel takes three pages.
	srv.SetPageSize(2)
	ctx := context.Background()

	got, err := s.Topic(ctx, "#data-oncall")
	if err != nil {
		t.Fatal(err)
	}
	if got != "topic of data-oncall" {
		t.Errorf("Topic = %q", got)
	}
	lists := srv.Calls("conversations.list")
	if len(lists) != 3 {
		t.Fatalf("conversations.list called %d times, want 3 pages", len(lists))
	}
	if lists[0].Has("cursor") || lists[1].Get("cursor") == "" || lists[2].Get("cursor") == lists[1].Get("cursor") {
		t.Errorf("cursors not followed: %v", lists)
	}
	if got := lists[0].Get("types"); got != "public_channel,private_channel" {
		t.Errorf("types = %q", got)
	}
	if info := srv.Calls("conversations.info"); len(info) != 1 || info[0].Get("channel") != "C05" {
		t.Errorf("conversations.info calls = %v, want one for C05", info)
	}

	// The name is remembered, and IDs are used as they are.
	if err := s.SetTopic(ctx, "#data-oncall", "On call: alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Topic(ctx, "C01"); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Calls("conversations.list")); n != 3 {
		t.Errorf("conversations.list called %d times after the name was resolved, want 3", n)
	}
	if got := srv.Topic("C05"); got != "On call: alice" {
		t.Errorf("topic in Slack = %q", got)
	}

	_, err = s.Topic(ctx, "#nosuch")
	activitytest.RequireNonRetryable(t, err, "#nosuch")
	if typ := activitytest.AppError(t, err).Type(); typ != "SlackChannelNotFound" {
		t.Errorf("error type = %q", typ)
	}
}

func TestSlackPostAndFindPost(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddChannel("C0OTHER", "other", "")
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	const key = "handover/data/2026-10-19"

	ts, err := s.Post(ctx, "#data", chat.Message{Key: key, Text: "Handover: *alice* is on call"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("C0DATA")
	if len(msgs) != 1 {
		t.Fatalf("channel holds %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.TS != ts || m.Text != "Handover: *alice* is on call" {
		t.Errorf("posted %+v, Post returned ts %q", m, ts)
	}
	if m.MetadataEventType != "baton_message" || m.MetadataPayload["key"] != key {
		t.Errorf("metadata = %q %v, want baton_message with key %q", m.MetadataEventType, m.MetadataPayload, key)
	}
	if !strings.Contains(m.Blocks, `"mrkdwn"`) || !strings.Contains(m.Blocks, "*alice*") {
		t.Errorf("blocks = %s, want a mrkdwn section with the text", m.Blocks)
	}

	tests := []struct {
		name      string
		channel   string
		key       string
		since     time.Time
		wantFound bool
	}{
		{name: "same key", channel: "#data", key: key, since: before, wantFound: true},
		{name: "by ID", channel: "C0DATA", key: key, since: before, wantFound: true},
		{name: "other key", channel: "#data", key: "handover/data/2026-10-26", since: before},
		{name: "other channel", channel: "C0OTHER", key: key, since: before},
		{name: "since after the post", channel: "#data", key: key, since: time.Now().Add(2 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := s.FindPost(ctx, tt.channel, "", tt.key, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.wantFound {
				t.Fatalf("found = %v, want %v", found, tt.wantFound)
			}
			if found && got != ts {
				t.Errorf("ts = %q, want %q", got, ts)
			}
		})
	}
	for _, c := range srv.Calls("conversations.history") {
		if c.Get("include_all_metadata") != "1" {
			t.Errorf("conversations.history without include_all_metadata: %v", c)
		}
	}
}

func TestSlackFindPostPages(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()

	ts, err := s.Post(ctx, "C0DATA", chat.Message{Key: "wanted", Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "later-" + string(rune('a'+i)), Text: "later"}); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetPageSize(2)

	got, found, err := s.FindPost(ctx, "C0DATA", "", "wanted", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !found || got != ts {
		t.Fatalf("FindPost = %q, %v; want %q, true", got, found, ts)
	}
	// Newest first, two a page: the oldest post is on the third page.
	if n := len(srv.Calls("conversations.history")); n != 3 {
		t.Errorf("conversations.history called %d times, want 3", n)
	}
}

func TestSlackOpenDM(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddUser("U0ALICE", "alice@example.com")
	ctx := context.Background()

	dm, err := s.OpenDM(ctx, "U0ALICE")
	if err != nil {
		t.Fatal(err)
	}
	if dm != "DU0ALICE" {
		t.Errorf("OpenDM = %q", dm)
	}
	ts, err := s.Post(ctx, dm, chat.Message{Key: "dm-key", Text: "You are on call"})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.FindPost(ctx, dm, "", "dm-key", time.Now().Add(-time.Minute)); err != nil || !found {
		t.Errorf("FindPost in the DM = %v, %v", found, err)
	}
	if msgs := srv.Messages(dm); len(msgs) != 1 || msgs[0].TS != ts {
		t.Errorf("DM messages = %+v", msgs)
	}

	_, err = s.OpenDM(ctx, "U0NOBODY")
	activitytest.RequireNonRetryable(t, err, "user_not_found")
}

func TestSlackErrors(t *testing.T) {
	lookup := func(s *slack.Slack) error {
		_, err := s.LookupUserByEmail(context.Background(), "alice@example.com")
		return err
	}
	post := func(s *slack.Slack) error {
		_, err := s.Post(context.Background(), "C0DATA", chat.Message{Key: "k", Text: "hi"})
		return err
	}
	upload := func(s *slack.Slack) error {
		return s.UploadFile(context.Background(), "C0DATA", chat.File{Name: "chart.png", Data: png})
	}
	tests := []struct {
		name    string
		token   string // when empty, fakeslack.Token
		noToken bool
		inject  func(*fakeslack.Server)
		call    func(*slack.Slack) error
		// retryable: Temporal retries the error, after retryAfter if set.
		retryable  bool
		retryAfter time.Duration
		// want are substrings of the error.
		want []string
	}{
		{
			name:      "rate limited",
			inject:    func(f *fakeslack.Server) { f.On("users.lookupByEmail").RateLimitNext(1, 3*time.Second) },
			call:      lookup,
			retryable: true, retryAfter: 3 * time.Second,
		},
		{
			name:      "rate limited, Retry-After rounded up",
			inject:    func(f *fakeslack.Server) { f.On("chat.postMessage").RateLimitNext(1, 1500*time.Millisecond) },
			call:      post,
			retryable: true, retryAfter: 2 * time.Second,
		},
		{
			name:      "HTTP 503",
			inject:    func(f *fakeslack.Server) { f.On("users.lookupByEmail").FailNext(1, 503) },
			call:      lookup,
			retryable: true, want: []string{"503"},
		},
		{
			name:   "HTTP 404",
			inject: func(f *fakeslack.Server) { f.On("chat.postMessage").FailNext(1, 404) },
			call:   post,
			want:   []string{"HTTP 404"},
		},
		{
			name:  "wrong token",
			token: "xoxb-wrong",
			call:  lookup,
			want:  []string{"invalid_auth", "SLACK_BOT_TOKEN"},
		},
		{
			name:    "no token",
			noToken: true,
			call:    lookup,
			want:    []string{"not_authed", "SLACK_BOT_TOKEN"},
		},
		{
			name:   "token revoked",
			inject: func(f *fakeslack.Server) { f.ErrorNext("chat.postMessage", "token_revoked") },
			call:   post,
			want:   []string{"token_revoked", "SLACK_BOT_TOKEN"},
		},
		{
			name:   "missing scope",
			inject: func(f *fakeslack.Server) { f.ErrorNext("users.lookupByEmail", "missing_scope") },
			call:   lookup,
			want:   []string{"missing_scope", `"users:read.email"`},
		},
		{
			name:      "upload URL rate limited",
			inject:    func(f *fakeslack.Server) { f.On("files.getUploadURLExternal").RateLimitNext(1, 20*time.Second) },
			call:      upload,
			retryable: true, retryAfter: 20 * time.Second,
		},
		{
			name:      "upload URL down",
			inject:    func(f *fakeslack.Server) { f.On(fakeslack.UploadURLMethod).FailNext(1, 502) },
			call:      upload,
			retryable: true,
		},
		{
			name:   "upload missing scope",
			inject: func(f *fakeslack.Server) { f.ErrorNext("files.completeUploadExternal", "missing_scope") },
			call:   upload,
			want:   []string{"files.completeUploadExternal", "missing_scope", `"files:write"`},
		},
		{
			name:      "transient Slack error",
			inject:    func(f *fakeslack.Server) { f.ErrorNext("chat.postMessage", "internal_error") },
			call:      post,
			retryable: true,
		},
		{
			name: "unknown channel ID",
			call: func(s *slack.Slack) error {
				_, err := s.Post(context.Background(), "C0NOPE", chat.Message{Key: "k", Text: "hi"})
				return err
			},
			want: []string{"chat.postMessage", "channel_not_found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeslack.New(t)
			srv.AddUser("U0ALICE", "alice@example.com")
			srv.AddChannel("C0DATA", "data", "")
			if tt.inject != nil {
				tt.inject(srv)
			}
			token := fakeslack.Token
			if tt.token != "" {
				token = tt.token
			}
			if tt.noToken {
				token = ""
			}
			s := slack.NewSlack(token, srv.URL())

			err := tt.call(s)
			if !tt.retryable {
				activitytest.RequireNonRetryable(t, err, tt.want...)
			} else {
				activitytest.RequireRetryable(t, err)
				if tt.retryAfter != 0 {
					if d := activitytest.AppError(t, err).NextRetryDelay(); d != tt.retryAfter {
						t.Errorf("NextRetryDelay = %v, want %v", d, tt.retryAfter)
					}
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
			}

			// An injected fault is used up: the next call succeeds.
			if tt.inject != nil {
				if err := tt.call(s); err != nil {
					t.Errorf("call after the fault: %v", err)
				}
			}
		})
	}
}

func TestPostLongMessage(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C1", "ops", "")
	s := slack.NewSlack(fakeslack.Token, srv.URL())
	// A handover listing many open incidents runs past one section's 3,000
	// characters; it must still be posted, whole.
	text := strings.Repeat("• orders_daily DAG failed on the warehouse load step, since Mon 23 Nov 03:12 CET (`incident-data-orders`)\n", 40)
	if _, err := s.Post(context.Background(), "C1", chat.Message{Key: "k", Text: text}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("C1")
	if len(msgs) != 1 || msgs[0].Text != text {
		t.Fatalf("want the whole text posted once, got %d messages", len(msgs))
	}
	if strings.Count(msgs[0].Blocks, `"type":"section"`) < 2 {
		t.Errorf("want the text split over sections, got blocks %s", msgs[0].Blocks)
	}
}

func TestThreadRepliesAreFoundInTheirThread(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C1", "ops", "")
	s := slack.NewSlack(fakeslack.Token, srv.URL())
	ctx := context.Background()
	since := time.Now().Add(-time.Minute)
	parent, err := s.Post(ctx, "C1", chat.Message{Key: "page", Text: "page"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, "C1", chat.Message{Key: "line-1", Text: "acknowledged", ThreadTS: parent}); err != nil {
		t.Fatal(err)
	}
	// Replies are not in the channel's history, only in the thread.
	if _, found, err := s.FindPost(ctx, "C1", "", "line-1", since); err != nil || found {
		t.Fatalf("a reply found in the channel: found=%v err=%v", found, err)
	}
	if _, found, err := s.FindPost(ctx, "C1", parent, "line-1", since); err != nil || !found {
		t.Fatalf("the reply not found in its thread: found=%v err=%v", found, err)
	}
	msgs := srv.Messages("C1")
	if len(msgs) != 2 || msgs[1].ThreadTS != parent {
		t.Fatalf("messages %+v", msgs)
	}
	if err := s.Update(ctx, "C1", parent, chat.Message{Text: "page, acknowledged", Buttons: []chat.Button{{ActionID: "incident.resolve", Text: "Resolve", Value: "incident-x"}}}); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages("C1")[0]
	if got.Text != "page, acknowledged" || !strings.Contains(got.Blocks, `"action_id":"incident.resolve"`) {
		t.Errorf("updated message %+v", got)
	}
}

// png is a small stand-in for a chart: its bytes include a NUL and
// non-UTF-8, which a text-only path would mangle.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe week 47")

func TestSlackUploadFile(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()
	parent, err := s.Post(ctx, "#data", chat.Message{Key: "summary/2026-W47", Text: "Weekly summary"})
	if err != nil {
		t.Fatal(err)
	}
	f := chat.File{Name: "oncall-2026-W47.png", Title: "Pages by hour", ThreadTS: parent, Comment: "Pages by hour, week 47", Data: png}

	if err := s.UploadFile(ctx, "#data", f); err != nil {
		t.Fatal(err)
	}
	files := srv.Files()
	if len(files) != 1 {
		t.Fatalf("%d files shared, want 1", len(files))
	}
	got := files[0]
	if got.Name != f.Name || got.Title != f.Title || got.Channel != "C0DATA" || got.ThreadTS != parent || !bytes.Equal(got.Data, png) {
		t.Errorf("shared %+v, want %s in C0DATA thread %s with the exact bytes", got, f.Name, parent)
	}
	msgs := srv.Messages("C0DATA")
	if len(msgs) != 2 {
		t.Fatalf("channel holds %d messages, want the parent and the file", len(msgs))
	}
	if m := msgs[1]; m.ThreadTS != parent || m.Text != f.Comment || !slices.Equal(m.FileIDs, []string{got.ID}) {
		t.Errorf("file message %+v, want a reply in %s with the comment and file %s", m, parent, got.ID)
	}
	urls := srv.Calls("files.getUploadURLExternal")
	if len(urls) != 1 || urls[0].Get("filename") != f.Name || urls[0].Get("length") != strconv.Itoa(len(png)) {
		t.Errorf("files.getUploadURLExternal calls = %v", urls)
	}
	completes := srv.Calls("files.completeUploadExternal")
	if len(completes) != 1 || completes[0].Get("channel_id") != "C0DATA" || completes[0].Get("thread_ts") != parent {
		t.Errorf("files.completeUploadExternal calls = %v", completes)
	}

	// A rerun finds the file in the thread and does nothing.
	if err := s.UploadFile(ctx, "#data", f); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Calls("files.getUploadURLExternal")); n != 1 {
		t.Errorf("second upload of %s asked for an upload URL (%d calls)", f.Name, n)
	}
	if n := len(srv.Files()); n != 1 {
		t.Errorf("%d files after a second upload, want 1", n)
	}

	// The name is the key within a thread or the channel: the same name in
	// the channel itself is another file, shared once.
	inChannel := f
	inChannel.ThreadTS, inChannel.Comment = "", ""
	for range 2 {
		if err := s.UploadFile(ctx, "C0DATA", inChannel); err != nil {
			t.Fatal(err)
		}
	}
	files = srv.Files()
	if len(files) != 2 || files[1].ThreadTS != "" || files[1].Channel != "C0DATA" {
		t.Fatalf("files = %+v, want a second one in the channel", files)
	}
	if n := len(srv.Calls(fakeslack.UploadURLMethod)); n != 2 {
		t.Errorf("bytes uploaded %d times, want 2", n)
	}
}

func TestSlackUploadFileRefusesEmpty(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	for _, f := range []chat.File{{Name: "", Data: png}, {Name: "empty.csv"}} {
		activitytest.RequireNonRetryable(t, s.UploadFile(context.Background(), "C0DATA", f))
	}
	if n := len(srv.Calls("files.getUploadURLExternal")); n != 0 {
		t.Errorf("files.getUploadURLExternal called %d times", n)
	}
}

// TestFakeSlackUploadLengthMustMatch checks the fake as Slack behaves:
// bytes that are not the length declared are not a file.
func TestFakeSlackUploadLengthMustMatch(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	api := slackgo.New(fakeslack.Token, slackgo.OptionAPIURL(srv.URL()))
	ctx := context.Background()

	up, err := api.GetUploadURLExternalContext(ctx, slackgo.GetUploadURLExternalParameters{FileName: "a.csv", FileSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.UploadToURL(ctx, slackgo.UploadToURLParameters{UploadURL: up.UploadURL, Content: "short", Filename: "a.csv"}); err != nil {
		t.Fatal(err)
	}
	_, err = api.CompleteUploadExternalContext(ctx, slackgo.CompleteUploadExternalParameters{
		Files: []slackgo.FileSummary{{ID: up.FileID}}, Channel: "C0DATA",
	})
	var se slackgo.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "file_not_found" {
		t.Errorf("completing a short upload: %v, want file_not_found", err)
	}
	if files, msgs := srv.Files(), srv.Messages("C0DATA"); len(files) != 0 || len(msgs) != 0 {
		t.Errorf("a short upload was shared: files %+v, messages %+v", files, msgs)
	}
}

func TestSlackReplies(t *testing.T) {
	srv := fakeslack.New(t)
	// No posting limit: this is about reading a thread, not pacing it.
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(0, 1))
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()
	parent, err := s.Post(ctx, "#data", chat.Message{Key: "summary", Text: "Weekly summary: anything to add?"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Post(ctx, "#data", chat.Message{Key: "other", Text: "another thread"})
	if err != nil {
		t.Fatal(err)
	}
	srv.AddReply("C0DATA", parent, "U0ALICE", "the Tuesday page was a false alarm")
	if _, err := s.Post(ctx, "#data", chat.Message{Key: "bot-reply", Text: "noted", ThreadTS: parent}); err != nil {
		t.Fatal(err)
	}
	srv.AddReply("C0DATA", other, "U0CAROL", "not this thread")
	if err := s.UploadFile(ctx, "#data", chat.File{Name: "chart.png", ThreadTS: parent, Data: png}); err != nil {
		t.Fatal(err)
	}
	srv.AddReply("C0DATA", parent, "U0BOB", "disk alerts need a runbook")
	srv.AddReply("C0DATA", parent, "U0ALICE", "+1")
	// Six messages in the thread, two a page: three pages.
	srv.SetPageSize(2)
	before := len(srv.Calls("conversations.replies")) // UploadFile looked first

	got, err := s.Replies(ctx, "#data", parent)
	if err != nil {
		t.Fatal(err)
	}
	// People's replies only, oldest first: not the parent, the bot's
	// reply, the bot's file or the other thread's reply.
	want := [][2]string{
		{"U0ALICE", "the Tuesday page was a false alarm"},
		{"U0BOB", "disk alerts need a runbook"},
		{"U0ALICE", "+1"},
	}
	if len(got) != len(want) {
		t.Fatalf("Replies = %+v, want %d replies", got, len(want))
	}
	for i, r := range got {
		if r.User != want[i][0] || r.Text != want[i][1] {
			t.Errorf("reply %d = %+v, want %s: %q", i, r, want[i][0], want[i][1])
		}
		if i > 0 && !(got[i-1].TS < r.TS) {
			t.Errorf("reply %d has ts %s, not after %s", i, r.TS, got[i-1].TS)
		}
	}
	calls := srv.Calls("conversations.replies")[before:]
	if len(calls) != 3 {
		t.Fatalf("conversations.replies called %d times, want 3 pages", len(calls))
	}
	if calls[0].Has("cursor") || calls[1].Get("cursor") == "" || calls[2].Get("cursor") == calls[1].Get("cursor") {
		t.Errorf("cursors not followed: %v", calls)
	}

	none, err := s.Replies(ctx, "#data", other)
	if err != nil || len(none) != 1 || none[0].User != "U0CAROL" {
		t.Errorf("Replies in the other thread = %+v, %v", none, err)
	}
	_, err = s.Replies(ctx, "#data", "1.000000")
	activitytest.RequireNonRetryable(t, err, "conversations.replies", "thread_not_found")
}

func TestSlackPermalink(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()
	ts, err := s.Post(ctx, "#data", chat.Message{Key: "k", Text: "Weekly summary"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Permalink(ctx, "#data", ts)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://fake.slack.com/archives/C0DATA/p" + strings.Replace(ts, ".", "", 1); got != want {
		t.Errorf("Permalink = %q, want %q", got, want)
	}
	if c := srv.Calls("chat.getPermalink"); len(c) != 1 || c[0].Get("channel") != "C0DATA" || c[0].Get("message_ts") != ts {
		t.Errorf("chat.getPermalink calls = %v", c)
	}
	_, err = s.Permalink(ctx, "C0DATA", "1.000000")
	activitytest.RequireNonRetryable(t, err, "chat.getPermalink", "message_not_found")
}

// retryAsTemporalWould runs write until it succeeds, waiting out each
// SlackRateLimited error's NextRetryDelay as Temporal's retry would, and
// counts the retries asked by Slack's 429s and by the client's own limiter.
func retryAsTemporalWould(write func() error) (slack429s, limiter int, err error) {
	for range 20 {
		err = write()
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.Type() != "SlackRateLimited" || ae.NonRetryable() || ae.NextRetryDelay() <= 0 {
			return slack429s, limiter, err
		}
		if _, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
			slack429s++
		} else {
			limiter++
		}
		time.Sleep(ae.NextRetryDelay())
	}
	return slack429s, limiter, err
}

// TestSlackPostStormKeepsToSlackRateLimit posts a storm of incidents into
// one channel from several activities at once, against a fake that
// enforces Slack's posting limit: every post gets there, the client's
// limiter spacing them rather than Slack's 429s.
func TestSlackPostStormKeepsToSlackRateLimit(t *testing.T) {
	t.Parallel()
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.EnforceRateLimits()

	const posts, workers = 10, 4
	keys := make(chan string, posts)
	for i := range posts {
		keys <- "incident-" + strconv.Itoa(i)
	}
	close(keys)
	var (
		mu                 sync.Mutex
		slack429s, limiter int
		wg                 sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for key := range keys {
				s429, lim, err := retryAsTemporalWould(func() error {
					_, err := s.Post(context.Background(), "C0DATA", chat.Message{Key: key, Text: "Incident " + key})
					return err
				})
				if err != nil {
					t.Errorf("post %s: %v", key, err)
				}
				mu.Lock()
				slack429s, limiter = slack429s+s429, limiter+lim
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	seen := map[string]bool{}
	for _, m := range srv.Messages("C0DATA") {
		seen[m.MetadataPayload["key"].(string)] = true
	}
	if len(seen) != posts || len(srv.Messages("C0DATA")) != posts {
		t.Errorf("channel holds %d messages with %d keys, want %d posts once each", len(srv.Messages("C0DATA")), len(seen), posts)
	}
	// The client goes a little after each turn it waited for, so Slack
	// should refuse none. A loaded machine may still slow the first post
	// by more than that, so that a later one reaches Slack before its
	// second is up; once refused, Slack is a turn ahead for the rest of
	// the storm.
	limited := srv.RateLimited("chat.postMessage")
	t.Logf("Slack answered 429 %d times; the client put off %d posts to a retry", limited, limiter)
	if limited > 2 {
		t.Errorf("Slack answered 429 %d times, want at most 2", limited)
	}
	if slack429s != limited {
		t.Errorf("the client saw %d of Slack's 429s, the fake answered %d", slack429s, limited)
	}
}

// TestSlackWriteRateTooLongToWait checks that a write whose turn is far off
// does not wait for it: it fails at once, with a retry put off until its
// turn, and nothing reaches Slack.
func TestSlackWriteRateTooLongToWait(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddChannel("C0OTHER", "other", "")
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(time.Minute, 1))
	ctx := context.Background()

	ts, err := s.Post(ctx, "C0DATA", chat.Message{Key: "first", Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name  string
		write func() error
	}{
		{"post", func() error {
			_, err := s.Post(ctx, "C0DATA", chat.Message{Key: "second", Text: "second"})
			return err
		}},
		{"file share", func() error { return s.UploadFile(ctx, "C0DATA", chat.File{Name: "chart.png", Data: png}) }},
	}
	for _, w := range writes {
		err := w.write()
		activitytest.RequireRetryable(t, err)
		ae := activitytest.AppError(t, err)
		// The turn is about a minute off. Each refusal hands its turn
		// back: were it kept, the next write's would be a minute later
		// still.
		if d := ae.NextRetryDelay(); ae.Type() != "SlackRateLimited" || d < 30*time.Second || d > 90*time.Second {
			t.Errorf("%s: error %v of type %q with NextRetryDelay %v, want SlackRateLimited in about a minute", w.name, err, ae.Type(), d)
		}
	}
	// An edit is not a post: Slack limits it per workspace, not per
	// channel, so it goes at once.
	if err := s.Update(ctx, "C0DATA", ts, chat.Message{Text: "first, edited"}); err != nil {
		t.Errorf("update: %v", err)
	}
	for method, want := range map[string]int{"chat.postMessage": 1, "chat.update": 1, "files.getUploadURLExternal": 0, "files.completeUploadExternal": 0} {
		if n := len(srv.Calls(method)); n != want {
			t.Errorf("%s called %d times, want %d", method, n, want)
		}
	}
	// Other channels have their own turns.
	if _, err := s.Post(ctx, "C0OTHER", chat.Message{Key: "other", Text: "other"}); err != nil {
		t.Errorf("post to another channel: %v", err)
	}
}

// TestSlackWriteWaitAndContext checks a short wait for a turn against the
// activity's context: not begun when the deadline comes first, given up,
// with the turn handed back, when the context is canceled.
func TestSlackWriteWaitAndContext(t *testing.T) {
	t.Parallel()
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddChannel("C0OTHER", "other", "")
	// A turn every 2 s: within the client's bound, so it would be waited for.
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(2*time.Second, 1))
	post := func(ctx context.Context, channel, key string) error {
		_, err := s.Post(ctx, channel, chat.Message{Key: key, Text: key})
		return err
	}
	for _, c := range []string{"C0DATA", "C0OTHER"} {
		if err := post(context.Background(), c, "first"); err != nil {
			t.Fatal(err)
		}
	}

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := post(short, "C0DATA", "deadline")
	activitytest.RequireRetryable(t, err)
	if ae := activitytest.AppError(t, err); ae.Type() != "SlackRateLimited" || ae.NextRetryDelay() <= 0 {
		t.Errorf("turn after the deadline: error %v of type %q, NextRetryDelay %v; want SlackRateLimited", err, ae.Type(), ae.NextRetryDelay())
	}

	canceled, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := post(canceled, "C0OTHER", "canceled"); !errors.Is(err, context.Canceled) {
		t.Errorf("wait canceled: error %v, want context.Canceled", err)
	}
	// The canceled wait handed its turn back, so the next write's turn is
	// within the bound and is waited for; were it kept, the next would be
	// 4 s off and refused.
	if err := post(context.Background(), "C0OTHER", "after"); err != nil {
		t.Errorf("write after a canceled wait: %v", err)
	}
	if n := len(srv.Calls("chat.postMessage")); n != 3 {
		t.Errorf("chat.postMessage called %d times, want 3: the first two and the last", n)
	}
}

// TestSlackRepliesYieldToPosts: in a storm a thread reply takes a turn only
// while another is left for a page in the channel.
func TestSlackRepliesYieldToPosts(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(time.Minute, 3))
	ctx := context.Background()
	page, err := s.Post(ctx, "C0DATA", chat.Message{Key: "page-1", Text: "page 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "line-1", Text: "line 1", ThreadTS: page}); err != nil {
		t.Fatalf("a reply with turns to spare: %v", err)
	}
	// One turn is left: the reply waits, the page takes it.
	_, err = s.Post(ctx, "C0DATA", chat.Message{Key: "line-2", Text: "line 2", ThreadTS: page})
	activitytest.RequireRetryable(t, err)
	if ae := activitytest.AppError(t, err); ae.Type() != "SlackRateLimited" || ae.NextRetryDelay() <= 0 {
		t.Errorf("reply: %v, want SlackRateLimited with a delay", err)
	}
	if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "page-2", Text: "page 2"}); err != nil {
		t.Errorf("the page after a refused reply: %v", err)
	}
	if n := len(srv.Calls("chat.postMessage")); n != 3 {
		t.Errorf("%d posts reached Slack, want the two pages and the first line", n)
	}
}

// sectionTexts are the texts of a message's section blocks, as sent.
func sectionTexts(t *testing.T, blocks string) (texts []string, verbatim []bool) {
	t.Helper()
	var bs []struct {
		Type string `json:"type"`
		Text *struct {
			Text     string `json:"text"`
			Verbatim bool   `json:"verbatim"`
		} `json:"text"`
	}
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	for _, b := range bs {
		if b.Type == "section" && b.Text != nil {
			texts = append(texts, b.Text.Text)
			verbatim = append(verbatim, b.Text.Verbatim)
		}
	}
	return texts, verbatim
}

// Slack links nothing by name in Baton's posts: "@channel" or "#general"
// from an alert stays text. Only the <…> the renderers built mention.
func TestSlackPostsLinkNoNames(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()
	ts, err := s.Post(ctx, "C0DATA", chat.Message{Key: "k", Text: "@channel DB down, see #general",
		Buttons: []chat.Button{{ActionID: "a", Text: "Ack", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "C0DATA", ts, chat.Message{Text: "@here DB down"}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"chat.postMessage", "chat.update"} {
		calls := srv.Calls(method)
		if len(calls) != 1 {
			t.Fatalf("%d %s calls", len(calls), method)
		}
		if v := calls[0].Get("link_names"); v != "false" {
			t.Errorf("%s with link_names=%q, want false", method, v)
		}
		_, verbatim := sectionTexts(t, calls[0].Get("blocks"))
		if len(verbatim) == 0 || slices.Contains(verbatim, false) {
			t.Errorf("%s sections verbatim %v, want all verbatim: %s", method, verbatim, calls[0].Get("blocks"))
		}
	}
}

// A group named by handle in the team file is still mentioned, by its ID:
// Slack mentions groups by ID only, and link_names is off.
func TestSlackMentionsAGroupGivenByHandleByItsID(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddUserGroup("S0DATA", "data-oncall", "UALICE")
	ctx := context.Background()
	ts, err := s.Post(ctx, "C0DATA", chat.Message{Key: "k", Text: "<!subteam^data-oncall>: on call <@UALICE>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "C0DATA", ts, chat.Message{Text: "<!subteam^data-oncall> and <!subteam^S0OTHER>"}); err != nil {
		t.Fatal(err)
	}
	post, update := srv.Calls("chat.postMessage")[0], srv.Calls("chat.update")[0]
	if got := post.Get("text"); got != "<!subteam^S0DATA>: on call <@UALICE>" {
		t.Errorf("posted %q", got)
	}
	if texts, _ := sectionTexts(t, post.Get("blocks")); len(texts) != 1 || texts[0] != "<!subteam^S0DATA>: on call <@UALICE>" {
		t.Errorf("posted sections %q", texts)
	}
	if got := update.Get("text"); got != "<!subteam^S0DATA> and <!subteam^S0OTHER>" {
		t.Errorf("updated %q", got)
	}
	// One look-up serves every post.
	if n := len(srv.Calls("usergroups.list")); n != 1 {
		t.Errorf("%d usergroups.list calls, want 1", n)
	}

	// A handle Slack does not know cannot be mentioned: the post goes out
	// all the same, naming it in text.
	if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "k2", Text: "<!subteam^gone-oncall>: on call"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("chat.postMessage")[1].Get("text"); got != "@gone-oncall: on call" {
		t.Errorf("posted %q", got)
	}
}

// A look-up of the group that may work later fails the post, for a retry:
// posting the page without its mention would not notify anyone.
func TestSlackGroupLookupFailureIsRetried(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddUserGroup("S0DATA", "data-oncall")
	srv.On("usergroups.list").FailNext(1, 503)
	_, err := s.Post(context.Background(), "C0DATA", chat.Message{Key: "k", Text: "<!subteam^data-oncall>"})
	activitytest.RequireRetryable(t, err)
	if n := len(srv.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d posts without the group's ID", n)
	}
}

// Text is bounded by Slack's limits counted in characters: sections of at
// most 3,000 and a message of at most 40,000, cut where no escape or
// mention is split, and saying so.
func TestSlackPostKeepsToSlackLimitsInCharacters(t *testing.T) {
	srv, s := newSlack(t)
	srv.AddChannel("C0DATA", "data", "")
	ctx := context.Background()
	// One line of 2,000 two-byte characters then escapes: over 3,000
	// characters, so it is split, and never inside an escape.
	long := strings.Repeat("é", 2000) + strings.Repeat("&lt;", 400) + "\n<@UALICE> last line"
	if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "k", Text: long}); err != nil {
		t.Fatal(err)
	}
	call := srv.Calls("chat.postMessage")[0]
	texts, _ := sectionTexts(t, call.Get("blocks"))
	if len(texts) < 2 || strings.Join(texts, "") != long {
		t.Fatalf("sections %d, joined equal %v", len(texts), strings.Join(texts, "") == long)
	}
	for _, tx := range texts {
		if n := utf8.RuneCountInString(tx); n > 3000 {
			t.Errorf("a section of %d characters", n)
		}
		if strings.Count(tx, "&") != strings.Count(tx, ";") {
			t.Errorf("a section splits an escape: ...%q", tx[max(len(tx)-20, 0):])
		}
	}

	huge := strings.Repeat("ü", 50000)
	if _, err := s.Post(ctx, "C0DATA", chat.Message{Key: "k2", Text: huge}); err != nil {
		t.Fatal(err)
	}
	got := srv.Calls("chat.postMessage")[1].Get("text")
	if n := utf8.RuneCountInString(got); n > 40000 || !strings.HasSuffix(got, "(cut to Slack's limit)") {
		t.Errorf("a text of %d characters ending %q", n, got[len(got)-40:])
	}
}

func TestSlackMessageReadsOneMessageByItsTimestamp(t *testing.T) {
	srv := fakeslack.New(t)
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(0, 1))
	srv.AddChannel("C0HELP", "data-help", "")
	ctx := context.Background()
	asked := srv.AddMessage("C0HELP", "U0ALICE", "is &lt;orders&gt; late? cc <@U0BOB> &amp; <https://bi.example.com|the dashboard>")
	later := srv.AddMessage("C0HELP", "U0CAROL", "a later question")
	reply := srv.AddReply("C0HELP", asked, "U0BOB", "looking")
	srv.AddReply("C0HELP", asked, "U0ALICE", "thanks")
	bot, err := s.Post(ctx, "#data-help", chat.Message{Key: "k", Text: "Baton's own"})
	if err != nil {
		t.Fatal(err)
	}

	m, err := s.Message(ctx, "#data-help", asked)
	if err != nil {
		t.Fatal(err)
	}
	// Slack's markup read back to what people see: the renderers escape it.
	if want := "is <orders> late? cc @U0BOB & the dashboard (https://bi.example.com)"; m.Text != want || m.User != "U0ALICE" || m.TS != asked || m.ThreadTS != asked || m.Bot {
		t.Errorf("the asked message read as %+v, want %q by U0ALICE in its own thread", m, want)
	}
	// One history call, at that timestamp: not the later message.
	if c := srv.Calls("conversations.history"); len(c) != 1 || c[0].Get("latest") != asked || c[0].Get("inclusive") != "1" || c[0].Get("limit") != "1" {
		t.Errorf("conversations.history calls %v, want one with latest=%s, inclusive, limit 1", c, asked)
	}
	if m, err := s.Message(ctx, "#data-help", later); err != nil || m.User != "U0CAROL" {
		t.Errorf("the later message: %+v %v", m, err)
	}

	// A reply is not in the channel's history: its thread has it.
	m, err = s.Message(ctx, "#data-help", reply)
	if err != nil || m.Text != "looking" || m.User != "U0BOB" || m.ThreadTS != asked {
		t.Errorf("the reply read as %+v %v, want bob's in the thread of %s", m, err, asked)
	}
	if m, err := s.Message(ctx, "#data-help", bot); err != nil || !m.Bot {
		t.Errorf("Baton's own post read as %+v %v, want it marked a bot's", m, err)
	}

	_, err = s.Message(ctx, "#data-help", "1.000001")
	activitytest.RequireNonRetryable(t, err, "no message 1.000001")
	if !errors.Is(err, chat.ErrMessageNotFound) {
		t.Errorf("a message that is not there: %v, want chat.ErrMessageNotFound", err)
	}
	srv.Break("conversations.history", "channel_not_found")
	_, err = s.Message(ctx, "#data-help", asked)
	activitytest.RequireNonRetryable(t, err, "conversations.history", "channel_not_found")
	srv.Up()
	srv.FailNext(1, 503)
	_, err = s.Message(ctx, "#data-help", asked)
	activitytest.RequireRetryable(t, err, "conversations.history")
}
