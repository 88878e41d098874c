// Package slack is chat.Chat on Slack's Web API, through slack-go. It is
// apart from package chat so that what needs only the interface (the
// workflows) does not link slack-go.
package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// metadataEventType marks Baton's posts in Slack's message metadata, where
// the idempotency key travels.
const metadataEventType = "baton_message"

// Slack is the Slack Web API.
type Slack struct {
	api *slack.Client

	// writeRate and writeBurst limit the writes into one channel (posts,
	// edits and file shares): see NewSlack and awaitWrite.
	writeRate  rate.Limit
	writeBurst int

	mu       sync.Mutex
	channels map[string]string        // "#name" -> ID
	groups   map[string]string        // handle -> ID
	writes   map[string]*rate.Limiter // channel ID -> its writes' limiter
}

var _ chat.Chat = (*Slack)(nil)

// A SlackOption changes a default of NewSlack.
type SlackOption func(*Slack)

// WithChannelWriteRate lets writes into one channel go one every interval
// after a burst of burst (at least 1), in place of Slack's posting limit;
// an interval <= 0 lifts the limit. Tests use it to make a turn far off,
// or near, at once.
func WithChannelWriteRate(interval time.Duration, burst int) SlackOption {
	return func(s *Slack) {
		s.writeRate, s.writeBurst = rate.Every(interval), max(burst, 1)
	}
}

// NewSlack returns a Slack client. apiURL is the Web API's base, such as
// https://slack.com/api/ (a trailing slash is added if missing).
//
// Writes into a channel keep, by default, to Slack's posting limit: one
// message a second per channel, with short bursts allowed (Slack's rate
// limit documentation, and chat.postMessage's). A storm of incidents in
// one channel then waits here, briefly, or is put off to a Temporal retry,
// rather than running into Slack's 429s.
func NewSlack(token, apiURL string, opts ...SlackOption) *Slack {
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	s := &Slack{
		api: slack.New(token,
			slack.OptionAPIURL(apiURL),
			// Temporal retries; a hung call must not hold an activity slot.
			slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		),
		writeRate:  rate.Every(time.Second),
		writeBurst: 3,
		channels:   map[string]string{},
		groups:     map[string]string{},
		writes:     map[string]*rate.Limiter{},
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// maxWriteWait is the longest a write waits for its channel's limiter.
// Waiting holds an activity slot; beyond this a Temporal retry at the
// right time is cheaper, and it leaves most of the activity's
// StartToClose timeout for the call itself.
const maxWriteWait = 3 * time.Second

// turnLag is how late a write goes after a turn it had to wait for.
// Slack's count for a channel starts when the first write reaches it, a
// round trip after this client's limiter started: a write sent on the dot
// of its turn can reach Slack a hair early, and be refused.
const turnLag = 100 * time.Millisecond

// awaitWrite takes a turn to write into the channel, waiting for it when
// that is short. A longer wait, or one that would outlast ctx's deadline,
// is refused with the retryable error that classify gives Slack's own 429,
// with the wait as the next retry's delay, and the turn is handed back.
//
// A reply in a thread (chat.postMessage with a thread_ts) yields to posts
// in the channel: it takes a turn only while another is left for a post,
// so that in a storm the pages go first and the timelines catch up after.
//
// The limiters are this process's: each worker keeps its own, so Slack
// may still answer 429 when several write into a channel, and classify
// handles that. They are kept for good, one for each channel written to:
// a few per team, and the DMs of its people.
func (s *Slack) awaitWrite(ctx context.Context, method, channelID string, reply bool) error {
	s.mu.Lock()
	lim, ok := s.writes[channelID]
	if !ok {
		lim = rate.NewLimiter(s.writeRate, s.writeBurst)
		s.writes[channelID] = lim
	}
	s.mu.Unlock()

	if left := lim.Tokens(); reply && s.writeBurst > 1 && left < 2 && lim.Limit() != rate.Inf {
		// Jitter spreads the replies that wait, lest they all come back
		// on the same turn and all but one be refused again.
		wait := time.Duration((2-left)/float64(lim.Limit())*float64(time.Second)) + turnLag + rand.N(time.Second)
		return temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("Slack %s: channel %s busy with posts, reply after %s", method, channelID, wait.Round(time.Millisecond)),
			"SlackRateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: wait})
	}
	r := lim.Reserve()
	if r.Delay() == 0 {
		return nil
	}
	wait := r.Delay() + turnLag
	longest := maxWriteWait
	if deadline, ok := ctx.Deadline(); ok {
		longest = min(longest, time.Until(deadline))
	}
	if wait > longest {
		r.Cancel()
		return temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("Slack %s: channel %s at its posting rate, retry after %s", method, channelID, wait.Round(time.Millisecond)),
			"SlackRateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: wait})
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return fmt.Errorf("Slack %s: waiting to write into channel %s: %w", method, channelID, ctx.Err())
	}
}

// LookupUserByEmail implements chat.Chat.
func (s *Slack) LookupUserByEmail(ctx context.Context, email string) (string, error) {
	u, err := s.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "users_not_found" {
			return "", chat.ErrUserNotFound
		}
		return "", classify("users.lookupByEmail", err)
	}
	return u.ID, nil
}

// UserGroupMembers implements chat.Chat.
func (s *Slack) UserGroupMembers(ctx context.Context, group string) ([]string, error) {
	id, err := s.groupID(ctx, group)
	if err != nil {
		return nil, err
	}
	users, err := s.api.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return nil, classify("usergroups.users.list", err)
	}
	return users, nil
}

// SetUserGroupMembers implements chat.Chat.
func (s *Slack) SetUserGroupMembers(ctx context.Context, group string, users []string) error {
	if len(users) == 0 {
		return temporal.NewNonRetryableApplicationError("refusing to empty user group "+group, "EmptyUserGroup", nil)
	}
	id, err := s.groupID(ctx, group)
	if err != nil {
		return err
	}
	if _, err := s.api.UpdateUserGroupMembersContext(ctx, id, strings.Join(users, ",")); err != nil {
		return classify("usergroups.users.update", err)
	}
	return nil
}

// Topic implements chat.Chat.
func (s *Slack) Topic(ctx context.Context, channel string) (string, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return "", err
	}
	ch, err := s.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil {
		return "", classify("conversations.info", err)
	}
	return ch.Topic.Value, nil
}

// SetTopic implements chat.Chat.
func (s *Slack) SetTopic(ctx context.Context, channel, topic string) error {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return err
	}
	if _, err := s.api.SetTopicOfConversationContext(ctx, id, topic); err != nil {
		return classify("conversations.setTopic", err)
	}
	return nil
}

// historyPages bounds how far back FindPost and UploadFile read: 5 pages
// of 200 messages.
const historyPages = 5

// FindPost implements chat.Chat.
func (s *Slack) FindPost(ctx context.Context, channel, threadTS, key string, since time.Time) (string, bool, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return "", false, err
	}
	oldest := fmt.Sprintf("%d.000000", since.Unix())
	var ts string
	found, err := s.scan(ctx, id, threadTS, oldest, func(m slack.Message) bool {
		if m.Metadata.EventType == metadataEventType && m.Metadata.EventPayload["key"] == key {
			ts = m.Timestamp
			return true
		}
		return false
	})
	return ts, found, err
}

// scan reads a channel's history, newest first, or, when threadTS is set,
// that thread, oldest first, since oldest (all of it when empty), until
// match holds for a message; it reads at most historyPages pages.
func (s *Slack) scan(ctx context.Context, id, threadTS, oldest string, match func(slack.Message) bool) (bool, error) {
	page := func(cursor string) ([]slack.Message, string, error) {
		if threadTS != "" {
			msgs, _, next, err := s.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: id, Timestamp: threadTS, Limit: 200, Oldest: oldest, IncludeAllMetadata: true, Cursor: cursor,
			})
			return msgs, next, classifyErr("conversations.replies", err)
		}
		resp, err := s.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: id, Limit: 200, Oldest: oldest, IncludeAllMetadata: true, Cursor: cursor,
		})
		if err != nil {
			return nil, "", classify("conversations.history", err)
		}
		next := ""
		if resp.HasMore {
			next = resp.ResponseMetaData.NextCursor
		}
		return resp.Messages, next, nil
	}
	cursor := ""
	for range historyPages {
		msgs, next, err := page(cursor)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(msgs, match) {
			return true, nil
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return false, nil
}

// Post implements chat.Chat.
func (s *Slack) Post(ctx context.Context, channel string, msg chat.Message) (string, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return "", err
	}
	opts, err := s.messageOptions(ctx, msg)
	if err != nil {
		return "", err
	}
	opts = append(opts,
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEventType, EventPayload: map[string]any{"key": msg.Key}}))
	if msg.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(msg.ThreadTS))
	}
	if err := s.awaitWrite(ctx, "chat.postMessage", id, msg.ThreadTS != ""); err != nil {
		return "", err
	}
	_, ts, err := s.api.PostMessageContext(ctx, id, opts...)
	if err != nil {
		return "", classify("chat.postMessage", err)
	}
	return ts, nil
}

// Update implements chat.Chat. An edit takes no turn of the channel's
// posting limiter: Slack lists chat.update under a per-workspace tier (50 a
// minute), not the per-channel posting limit, and the incident workflow
// already coalesces its edits (a repeat count is shown every few seconds
// at most), so that a storm's edits cannot delay another incident's page.
func (s *Slack) Update(ctx context.Context, channel, ts string, msg chat.Message) error {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return err
	}
	opts, err := s.messageOptions(ctx, msg)
	if err != nil {
		return err
	}
	if _, _, _, err := s.api.UpdateMessageContext(ctx, id, ts, opts...); err != nil {
		return classify("chat.update", err)
	}
	return nil
}

// messageOptions renders a message's text and buttons as Block Kit.
//
// Nothing in the text is read as a name: link_names is off and sections
// are verbatim, so "@channel" or "#general" in an alert stays text, and
// the only mentions and links are the <…> that the renderers built (they
// escape everything from outside). A user group mentioned by handle
// (mrkdwn.Group) is swapped here for its ID, the only way Slack mentions
// a group.
func (s *Slack) messageOptions(ctx context.Context, msg chat.Message) ([]slack.MsgOption, error) {
	text, err := s.groupMentions(ctx, msg.Text)
	if err != nil {
		return nil, err
	}
	text = mrkdwn.Cut(text, mrkdwn.MessageLimit, cutToLimit)
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionLinkNames(false)}
	blocks := sections(text)
	if len(msg.Buttons) > 0 {
		var elems []slack.BlockElement
		for _, b := range msg.Buttons {
			btn := slack.NewButtonBlockElement(b.ActionID, b.Value, slack.NewTextBlockObject(slack.PlainTextType, b.Text, false, false))
			if b.Style != "" {
				btn = btn.WithStyle(slack.Style(b.Style))
			}
			elems = append(elems, btn)
		}
		blocks = append(blocks, slack.NewActionBlock("baton_actions", elems...))
	}
	if blocks != nil {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	return opts, nil
}

// cutToLimit ends a text that the renderer let grow past one of Slack's
// limits. The renderers bound what they take from outside, and their own
// cuts say where the whole text is; this one is the last guard.
const cutToLimit = "… (cut to Slack's limit)"

// subteamRE matches a user group mention: "<!subteam^ID>", or by handle
// as mrkdwn.Group writes one, and Slack's older "<!subteam^ID|@handle>".
var subteamRE = regexp.MustCompile(`<!subteam\^([^>|]+)(\|[^>]*)?>`)

// groupMentions swaps each user group mention by handle for one by ID,
// through usergroups.list (cached, as for UserGroupMembers). A handle that
// Slack does not know, or cannot be looked up for good (a missing scope),
// is written as "@handle" text: the page goes out all the same, and the
// handover reports the group. A look-up that may work later is retried.
func (s *Slack) groupMentions(ctx context.Context, text string) (string, error) {
	var failed error
	out := subteamRE.ReplaceAllStringFunc(text, func(m string) string {
		handle := subteamRE.FindStringSubmatch(m)[1]
		if mrkdwn.IsGroupID(handle) || failed != nil {
			return m
		}
		id, err := s.groupID(ctx, handle)
		switch {
		case err == nil:
			return "<!subteam^" + id + ">"
		case isRefusal(err):
			return "@" + mrkdwn.Line(handle)
		}
		failed = err
		return m
	})
	return out, failed
}

// isRefusal reports whether err is one a retry cannot fix.
func isRefusal(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.NonRetryable()
}

// classifyErr is classify for calls that may have succeeded.
func classifyErr(method string, err error) error {
	if err == nil {
		return nil
	}
	return classify(method, err)
}

// section is a verbatim mrkdwn section: Slack links no names or URLs of
// its own in it.
func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, true), nil, nil)
}

// sections splits mrkdwn text into section blocks, each within Slack's
// limit of 3,000 characters: at line breaks, and a line longer than that
// where no escape, mention or link is cut. A text within a message's
// 40,000 characters makes at most 27 sections (two lines that do not fit
// together hold over 3,000), within Block Kit's 50 blocks.
func sections(text string) []slack.Block {
	var blocks []slack.Block
	var chunk strings.Builder
	n := 0 // characters in chunk
	flush := func() {
		if chunk.Len() > 0 {
			blocks = append(blocks, section(chunk.String()))
			chunk.Reset()
			n = 0
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		for line != "" {
			if n+utf8.RuneCountInString(line) > mrkdwn.SectionLimit {
				flush()
			}
			head, rest := mrkdwn.Split(line, mrkdwn.SectionLimit)
			chunk.WriteString(head)
			n += utf8.RuneCountInString(head)
			line = rest
		}
	}
	flush()
	return blocks
}

// OpenDM implements chat.Chat.
func (s *Slack) OpenDM(ctx context.Context, user string) (string, error) {
	ch, _, _, err := s.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", classify("conversations.open", err)
	}
	return ch.ID, nil
}

// UploadFile implements chat.Chat through Slack's external upload flow:
// files.getUploadURLExternal, a POST of the bytes to the URL it gives, and
// files.completeUploadExternal, which shares the file. Look before write:
// a file of that name already in the thread (or, without ThreadTS, in the
// channel's recent history) is not shared again. An upload cut short
// before files.completeUploadExternal leaves nothing behind: Slack
// discards an upload that is never completed. Slack shows a completed
// file in the channel a moment later rather than at once, so a retry
// straight after a completion whose answer was lost might not see it yet;
// Temporal's retry backoff makes a second copy unlikely, not impossible.
func (s *Slack) UploadFile(ctx context.Context, channel string, f chat.File) error {
	switch {
	case f.Name == "":
		return temporal.NewNonRetryableApplicationError("refusing to upload a file without a name", "InvalidFile", nil)
	case len(f.Data) == 0:
		// Slack refuses a zero length (and slack-go refuses to ask).
		return temporal.NewNonRetryableApplicationError("refusing to upload the empty file "+f.Name, "InvalidFile", nil)
	}
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return err
	}
	found, err := s.scan(ctx, id, f.ThreadTS, "", func(m slack.Message) bool {
		return slices.ContainsFunc(m.Files, func(sf slack.File) bool { return sf.Name == f.Name })
	})
	if err != nil || found {
		return err
	}
	// Sharing the file posts a message into the channel: its turn is taken
	// before the upload, so that a share put off to a retry uploads nothing
	// in vain.
	if err := s.awaitWrite(ctx, "files.completeUploadExternal", id, false); err != nil {
		return err
	}
	up, err := s.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{
		FileName: f.Name, FileSize: len(f.Data),
	})
	if err != nil {
		return classify("files.getUploadURLExternal", err)
	}
	if err := s.api.UploadToURL(ctx, slack.UploadToURLParameters{
		UploadURL: up.UploadURL, Reader: bytes.NewReader(f.Data), Filename: f.Name,
	}); err != nil {
		return classify("file upload", err)
	}
	title := f.Title
	if title == "" {
		title = f.Name
	}
	if _, err := s.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files:           []slack.FileSummary{{ID: up.FileID, Title: title}},
		Channel:         id,
		ThreadTimestamp: f.ThreadTS,
		InitialComment:  f.Comment,
	}); err != nil {
		return classify("files.completeUploadExternal", err)
	}
	return nil
}

// Replies implements chat.Chat: conversations.replies, every page. A
// message counts as a person's when it has a user and no bot_id;
// bot_message and other system subtypes are left out.
func (s *Slack) Replies(ctx context.Context, channel, threadTS string) ([]chat.Reply, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return nil, err
	}
	var replies []chat.Reply
	params := &slack.GetConversationRepliesParameters{ChannelID: id, Timestamp: threadTS, Limit: 200}
	for {
		msgs, _, next, err := s.api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			return nil, classify("conversations.replies", err)
		}
		for _, m := range msgs {
			// Slack puts the parent first; it is not a reply.
			if m.Timestamp == threadTS || m.User == "" || m.BotID != "" || !humanSubtypes[m.SubType] {
				continue
			}
			replies = append(replies, chat.Reply{User: m.User, Text: m.Text, TS: m.Timestamp})
		}
		if next == "" {
			return replies, nil
		}
		params.Cursor = next
	}
}

// humanSubtypes are the message subtypes a person's reply may have: none,
// a reply also sent to the channel, a file share and a /me message.
var humanSubtypes = map[string]bool{
	"": true, "thread_broadcast": true, "file_share": true, "me_message": true,
}

// Permalink implements chat.Chat.
func (s *Slack) Permalink(ctx context.Context, channel, ts string) (string, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return "", err
	}
	link, err := s.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: id, Ts: ts})
	if err != nil {
		return "", classify("chat.getPermalink", err)
	}
	return link, nil
}

// Message implements chat.Chat, as Slack documents retrieving one
// message: conversations.history with latest at its timestamp, inclusive,
// limit 1, for a message in the channel; a reply in a thread is not in
// the channel's history, so then conversations.replies of its timestamp
// (which names the thread it is in) from that timestamp on. Slack puts the
// thread's parent first, so the reply is looked for among what comes.
func (s *Slack) Message(ctx context.Context, channel, ts string) (chat.Said, error) {
	id, err := s.channelID(ctx, channel)
	if err != nil {
		return chat.Said{}, err
	}
	resp, err := s.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: id, Latest: ts, Inclusive: true, Limit: 1,
	})
	if err != nil {
		return chat.Said{}, notFound("conversations.history", channel, ts, err)
	}
	if len(resp.Messages) > 0 && resp.Messages[0].Timestamp == ts {
		return said(resp.Messages[0]), nil
	}
	msgs, _, _, err := s.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: id, Timestamp: ts, Oldest: ts, Inclusive: true, Limit: 2,
	})
	if err != nil {
		return chat.Said{}, notFound("conversations.replies", channel, ts, err)
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return said(m), nil
		}
	}
	return chat.Said{}, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("Slack has no message %s in channel %s", ts, channel), "SlackMessageNotFound", chat.ErrMessageNotFound)
}

// notFound classifies an error of reading a message: Slack's answers for
// a message that is not there wrap chat.ErrMessageNotFound.
func notFound(method, channel, ts string, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && (se.Err == "thread_not_found" || se.Err == "message_not_found") {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Slack %s: %s: no message %s in channel %s", method, se.Err, ts, channel), "SlackMessageNotFound",
			fmt.Errorf("%w: %w", chat.ErrMessageNotFound, err))
	}
	return classify(method, err)
}

// said is a message as chat.Said has it: its text read back from Slack's
// markup to what people see.
func said(m slack.Message) chat.Said {
	out := chat.Said{
		User: m.User, Bot: m.BotID != "" || m.SubType == "bot_message",
		Text: mrkdwn.Plain(m.Text), TS: m.Timestamp, ThreadTS: m.ThreadTimestamp,
	}
	if out.ThreadTS == "" {
		out.ThreadTS = m.Timestamp
	}
	return out
}

// ChannelID implements chat.ChannelResolver, through conversations.list
// for a "#name" (cached, as for every call).
func (s *Slack) ChannelID(ctx context.Context, channel string) (string, error) {
	return s.channelID(ctx, channel)
}

// channelID resolves "#name" to an ID through conversations.list; anything
// else is taken as an ID.
func (s *Slack) channelID(ctx context.Context, channel string) (string, error) {
	name, ok := strings.CutPrefix(channel, "#")
	if !ok {
		return channel, nil
	}
	return s.cachedID(s.channels, name, func() (string, error) {
		params := &slack.GetConversationsParameters{
			Types:           []string{"public_channel", "private_channel"},
			ExcludeArchived: true,
			Limit:           1000,
		}
		for {
			chans, cursor, err := s.api.GetConversationsContext(ctx, params)
			if err != nil {
				return "", classify("conversations.list", err)
			}
			for _, c := range chans {
				if c.Name == name {
					return c.ID, nil
				}
			}
			if cursor == "" {
				break
			}
			params.Cursor = cursor
		}
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Slack channel %s not found: check the team file, and invite the Baton app to a private channel", channel),
			"SlackChannelNotFound", nil)
	})
}

// groupID resolves a user group handle to its ID through usergroups.list; a
// value that looks like an ID (S...) is taken as one.
func (s *Slack) groupID(ctx context.Context, group string) (string, error) {
	handle := strings.TrimPrefix(group, "@")
	if isSlackID(handle, 'S') {
		return handle, nil
	}
	return s.cachedID(s.groups, handle, func() (string, error) {
		groups, err := s.api.GetUserGroupsContext(ctx)
		if err != nil {
			return "", classify("usergroups.list", err)
		}
		for _, g := range groups {
			if g.Handle == handle {
				return g.ID, nil
			}
		}
		return "", temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Slack user group @%s not found: create it in Slack, or fix slack.user_group in the team file", handle),
			"SlackUserGroupNotFound", nil)
	})
}

// cachedID is the ID that ids caches for key, else the one find looks up,
// which is then cached: names and handles seldom change, and looking one
// up lists a whole workspace's channels or groups. A failed look-up is not
// cached, so that a channel created or an app invited is found next time.
func (s *Slack) cachedID(ids map[string]string, key string, find func() (string, error)) (string, error) {
	s.mu.Lock()
	id, ok := ids[key]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := find()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	ids[key] = id
	s.mu.Unlock()
	return id, nil
}

// isSlackID reports whether s looks like a Slack ID of the given kind:
// the prefix letter and upper-case letters and digits.
func isSlackID(s string, prefix byte) bool {
	if len(s) < 3 || s[0] != prefix {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// transientSlackErrors are Slack "ok": false answers that a later try may
// not get; every other one is a configuration problem a retry cannot fix.
var transientSlackErrors = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "ratelimited": true,
}

// classify turns a Slack error into one Temporal retries rightly: 429 waits
// for Retry-After, 5xx and network errors back off, everything else fails
// the activity at once with Slack's error code in the message.
func classify(method string, err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("Slack %s: rate limited, retry after %s", method, rl.RetryAfter),
			"SlackRateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: rl.RetryAfter, Cause: err})
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code >= 500 || sc.Code == http.StatusTooManyRequests {
			return fmt.Errorf("Slack %s: %w", method, err)
		}
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("Slack %s: HTTP %d", method, sc.Code), "SlackHTTPError", err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if transientSlackErrors[se.Err] {
			return fmt.Errorf("Slack %s: %w", method, err)
		}
		msg := fmt.Sprintf("Slack %s: %s", method, se.Err)
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired":
			msg += ": check SLACK_BOT_TOKEN"
		case "missing_scope":
			msg += fmt.Sprintf(": the Slack app needs the scope %q (see the README)", se.Needed)
		}
		return temporal.NewNonRetryableApplicationError(msg, "SlackError", err)
	}
	return fmt.Errorf("Slack %s: %w", method, err)
}
