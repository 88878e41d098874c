// Package fakeslack is an in-process fake of the Slack Web API, for tests.
//
// It speaks Slack's wire format rather than mocking Baton's Chat interface,
// so that a test exercises the real client library (slack-go): form-encoded
// requests, the {"ok": ...} envelope, Slack's error codes, cursor pagination,
// message metadata, Block Kit limits, HTTP 429 with Retry-After, and HTML
// bodies on 5xx. A request the real workspace would refuse is refused here
// too, with the same error code.
//
// The fake keeps a small workspace (users, public channels, DMs, user
// groups, messages, files) behind one mutex, records every call, and can
// be told to fail calls in the ways Slack fails, and to enforce Slack's
// posting rate limit (EnforceRateLimits).
// Message timestamps come from the wall clock, as Slack's do, so that
// reading history "since" an instant behaves as it would in Slack.
//
// Faults come from the shared kit (internal/faults): FailNext,
// RateLimitNext, Down and Up, and On(method) for one method's, where a
// method is a Web API method's name, apps.connections.open or
// UploadURLMethod. ErrorNext and Break inject Slack's API errors. A fault
// answers before the token, or even the method, is looked at, as Slack's
// edge answers: a 429 with Retry-After and {"ok": false, "error":
// "ratelimited"}; status 200, an API error, {"ok": false} with the fault's
// Error (internal_error when empty; missing_scope names the scope the
// method needs); any other status, an HTML page. Down takes the upload
// URLs down too.
//
// Files are uploaded as Slack's external upload flow has them:
// files.getUploadURLExternal hands out an upload URL on the fake itself,
// the bytes are POSTed there (raw, or as the "file" part of a multipart
// form, which is what slack-go sends), and files.completeUploadExternal
// shares them as a message. People's replies in threads, which Baton only
// reads, are added with AddReply.
//
// Requests are read as Slack reads form posts and GETs: parameters from the
// query or an application/x-www-form-urlencoded body. JSON request bodies,
// which Slack also accepts for write methods, are not modelled; slack-go
// does not send them for the methods faked here.
package fakeslack

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// Token is the only bot token the fake accepts.
const Token = "xoxb-test-token"

// TeamID is the workspace every object belongs to, and the one auth.test
// names: requests a test sends as from Baton's own workspace carry it.
const TeamID = "T0BATON"

const (
	// botUserID and botID author every message posted through the API, as
	// the bot token's user would in Slack.
	botUserID = "U0BATONBOT"
	botID     = "B0BATONBOT"
	// maxTopicLength is Slack's limit on a channel topic, in characters.
	maxTopicLength = 250
	// maxBlocks and maxSectionText are Block Kit's limits on a message:
	// Slack refuses a message beyond them with invalid_blocks.
	maxBlocks      = 50
	maxSectionText = 3000
	// maxUploadBytes bounds what the fake takes at an upload URL.
	maxUploadBytes = 64 << 20
)

// UploadURLMethod is the name under which POSTs to upload URLs are
// recorded (Calls) and failed (On), as if the upload URL were a method. Its
// calls hold "file" (the file ID), "filename" and "size" (the bytes
// received). An upload URL answers HTTP only: a fault from ErrorNext would
// be taken for success, as Slack's upload URL does not answer JSON.
const UploadURLMethod = "upload_url"

// Message is a message as the fake stores it: Blocks and the metadata are
// exactly what the client sent, so a test can check the wire format.
type Message struct {
	TS      string
	Channel string
	// ThreadTS is the parent's timestamp for a reply in a thread.
	ThreadTS          string
	Text              string
	Blocks            string
	MetadataEventType string
	MetadataPayload   map[string]any
	// User is the author: a person's ID for a reply added with AddReply,
	// the bot's user ID for everything posted through the API.
	User string
	// FileIDs are the files the message shares, for a message made by
	// files.completeUploadExternal.
	FileIDs []string
}

// UploadedFile is a file completed by files.completeUploadExternal.
// Channel and ThreadTS are where it was shared; empty when it was completed
// without a channel, which leaves it private.
type UploadedFile struct {
	ID       string
	Name     string
	Title    string
	Channel  string
	ThreadTS string
	Data     []byte
}

// Server is a fake Slack workspace served over HTTP.
type Server struct {
	faults.Kit
	srv *httptest.Server

	mu           sync.Mutex
	responses    []response
	calls        map[string][]url.Values
	users        []user
	channels     map[string]*channel
	channelOrder []string
	groups       map[string]*userGroup
	groupOrder   []string
	pageSize     int
	lastTS       int64 // microseconds since the epoch, of the latest ts handed out
	files        map[string]*file
	fileOrder    []string // completed files' IDs, in order of completion
	fileSeq      int
	enforce      bool               // chat.postMessage is rate limited per channel
	buckets      map[string]*bucket // channel ID -> its posts' bucket
	rateLimited  map[string]int     // method -> 429s answered for the rate limit
	socket       socketState        // Socket Mode (socket.go)
}

type user struct {
	id, email string
}

type channel struct {
	id, name  string
	imUser    string // set for a DM channel: the user at the other end
	topic     string
	topicSet  int64      // Unix seconds
	createdAt int64      // Unix seconds
	messages  []*message // oldest first
}

type message struct {
	ts        string
	threadTS  string // set on a reply
	micros    int64
	user      string // a person's ID; empty for the bot's posts
	text      string
	blocks    string
	eventType string
	payload   map[string]any
	files     []*file
}

// file is an upload, from files.getUploadURLExternal on.
type file struct {
	id, name, title string
	length          int // declared to files.getUploadURLExternal
	data            []byte
	uploaded        bool // bytes were POSTed to the upload URL
	completed       bool
	channel         string
	threadTS        string
}

type userGroup struct {
	id, handle string
	users      []string
	// updated is the last usergroups.users.update, as Slack's date_update
	// gives it (zero until then).
	updated time.Time
}

// response is one body posted to a response URL, and the URL's name.
type response struct {
	name string
	body map[string]any
}

// Slack's posting limit, as its rate limit documentation gives it for
// chat.postMessage: generally one message per second per channel, with
// short bursts allowed. Slack does not say how short; the fake allows
// postBurst at once.
const (
	postRate  = 1.0 // messages per second, per channel
	postBurst = 3
)

// bucket is a token bucket: a call takes a token, and tokens come back at
// postRate up to postBurst.
type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// take takes a token if there is one at now; otherwise it returns how long
// until there is.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	b.tokens = min(postBurst, b.tokens+now.Sub(b.at).Seconds()*postRate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / postRate * float64(time.Second))
}

// New starts a fake workspace; it is shut down when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		calls:       map[string][]url.Values{},
		channels:    map[string]*channel{},
		groups:      map[string]*userGroup{},
		files:       map[string]*file{},
		buckets:     map[string]*bucket{},
		rateLimited: map[string]int{},
	}
	s.srv = fakehttp.Start(t, s.serveHTTP)
	t.Cleanup(s.closeSockets) // first: the server's Close does not wait for WebSockets
	return s
}

// ResponseURL is a response_url for an interaction payload: what an app
// posts there is kept, in order, for Responses.
func (s *Server) ResponseURL(name string) string {
	return s.srv.URL + "/hooks/" + name
}

// Responses are the JSON bodies posted to response URLs.
func (s *Server) Responses() []map[string]any {
	return s.ResponsesTo("")
}

// ResponsesTo are the JSON bodies posted to the response URL of that name
// (every one for "").
func (s *Server) ResponsesTo(name string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.responses {
		if name == "" || r.name == name {
			out = append(out, r.body)
		}
	}
	return out
}

// URL is the Web API base URL, as slack.OptionAPIURL and SLACK_API_URL want it.
func (s *Server) URL() string {
	return s.srv.URL + "/api/"
}

// AddUser adds a workspace member; users.lookupByEmail finds them (ignoring
// case), and only members may be put in user groups or sent DMs.
func (s *Server) AddUser(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, user{id: id, email: email})
}

// AddChannel adds a public channel. name is without '#'.
func (s *Server) AddChannel(id, name, topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().Unix()
	s.addChannel(&channel{id: id, name: name, topic: topic, topicSet: now, createdAt: now})
}

// AddUserGroup adds a user group with its members. handle is without '@'.
func (s *Server) AddUserGroup(id, handle string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[id]; !ok {
		s.groupOrder = append(s.groupOrder, id)
	}
	s.groups[id] = &userGroup{id: id, handle: handle, users: slices.Clone(members)}
}

// SetPageSize caps how many items one page of conversations.list,
// conversations.history or conversations.replies holds, whatever limit the
// client asks for. Slack itself may return fewer items than the limit; this
// lets a test exercise pagination without creating a thousand channels.
// n <= 0 removes the cap.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// ErrorNext makes the next call of method answer {"ok": false} with the
// Slack error code. For missing_scope the answer names the scope the method
// needs, as Slack's does.
func (s *Server) ErrorNext(method string, slackError string) {
	s.On(method).Next(1, apiError(slackError))
}

// Break makes every call of method answer {"ok": false} with the Slack
// error code, until Up: a workspace that has changed under the app, such
// as a channel archived (channel_not_found), the app removed from it
// (not_in_channel) or the token revoked (token_revoked). As with
// ErrorNext, the answer comes before the token check, and missing_scope
// names the scope the method needs. A fault queued for method comes first.
func (s *Server) Break(method, slackError string) {
	s.On(method).Break(apiError(slackError))
}

// apiError is a Slack API error: Slack answers it with HTTP 200.
func apiError(slackError string) faults.Fault {
	return faults.Fault{Status: http.StatusOK, Error: slackError}
}

// EnforceRateLimits makes chat.postMessage keep to Slack's posting limit
// from now on: to each channel, a burst of postBurst messages, then
// postRate a second. A post beyond it answers HTTP 429 with Retry-After
// and {"ok": false, "error": "ratelimited"}, as Slack's does, and posts
// nothing. The limit is off by default, so that tests that are not about
// it need not wait.
func (s *Server) EnforceRateLimits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enforce = true
}

// RateLimited returns how many calls of method were answered HTTP 429 for
// exceeding the rate limit EnforceRateLimits enforces; faults injected
// with RateLimitNext are not counted.
func (s *Server) RateLimited(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited[method]
}

// Calls returns the parameters of every call of method so far, in order,
// failed ones included. The token is left out.
func (s *Server) Calls(method string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.calls[method], fakehttp.CloneValues)
}

// Methods returns the name of every method called so far, sorted, each
// once: Web API methods, unknown ones included, and UploadURLMethod.
func (s *Server) Methods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.calls))
}

// Messages returns a channel's messages, oldest first; nil for an unknown
// channel.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	out := make([]Message, len(c.messages))
	for i, m := range c.messages {
		out[i] = Message{
			TS:                m.ts,
			Channel:           c.id,
			ThreadTS:          m.threadTS,
			Text:              m.text,
			Blocks:            m.blocks,
			MetadataEventType: m.eventType,
			MetadataPayload:   maps.Clone(m.payload),
			User:              cmp.Or(m.user, botUserID),
		}
		for _, f := range m.files {
			out[i].FileIDs = append(out[i].FileIDs, f.id)
		}
	}
	return out
}

// AddReply adds a person's reply to a thread, as if user had typed text
// there, and returns its timestamp: conversations.replies shows it with
// the user and without the bot_id that marks the bot's posts. It panics
// when the channel or the thread's parent does not exist, a mistake in
// the test.
func (s *Server) AddReply(channel, threadTS, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		panic("fakeslack: AddReply to unknown channel " + channel)
	}
	if !slices.ContainsFunc(c.messages, func(m *message) bool { return m.ts == threadTS && m.threadTS == "" }) {
		panic("fakeslack: AddReply to unknown thread " + threadTS + " in " + channel)
	}
	m := &message{threadTS: threadTS, user: user, text: text, micros: s.nextTS()}
	m.ts = formatTS(m.micros)
	c.messages = append(c.messages, m)
	return m.ts
}

// AddMessage adds a person's message to a channel, as if user had typed
// text there (in Slack's markup: &, < and > escaped), and returns its
// timestamp: conversations.history shows it with the user and without a
// bot_id. It panics when the channel does not exist, a mistake in the
// test.
func (s *Server) AddMessage(channel, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		panic("fakeslack: AddMessage to unknown channel " + channel)
	}
	m := &message{user: user, text: text, micros: s.nextTS()}
	m.ts = formatTS(m.micros)
	c.messages = append(c.messages, m)
	return m.ts
}

// Files returns the files completed by files.completeUploadExternal, in
// the order they were. Uploads never completed are left out, as Slack
// discards them.
func (s *Server) Files() []UploadedFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]UploadedFile, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		f := s.files[id]
		out = append(out, UploadedFile{
			ID: f.id, Name: f.name, Title: f.title, Channel: f.channel, ThreadTS: f.threadTS,
			Data: slices.Clone(f.data),
		})
	}
	return out
}

// GroupMembers returns a user group's members.
func (s *Server) GroupMembers(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[id]; ok {
		return slices.Clone(g.users)
	}
	return nil
}

// GroupUpdated is when a user group's members were last set through
// usergroups.users.update (zero if never).
func (s *Server) GroupUpdated(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[id]; ok {
		return g.updated
	}
	return time.Time{}
}

// Topic returns a channel's topic.
func (s *Server) Topic(channelID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.channels[channelID]; ok {
		return c.topic
	}
	return ""
}

// fields is the body of a successful answer, less "ok".
type fields = map[string]any

// method is one faked Web API method: the scope Slack demands for it (named
// in missing_scope answers) and its handler, which runs under s.mu and
// returns the answer's fields or a Slack error code.
type method struct {
	scope  string
	handle func(s *Server, p url.Values) (fields, string)
}

var methods = map[string]method{
	"users.lookupByEmail":          {"users:read.email", (*Server).lookupByEmail},
	"usergroups.list":              {"usergroups:read", (*Server).userGroupsList},
	"usergroups.users.list":        {"usergroups:read", (*Server).userGroupUsersList},
	"usergroups.users.update":      {"usergroups:write", (*Server).userGroupUsersUpdate},
	"conversations.list":           {"channels:read", (*Server).conversationsList},
	"conversations.info":           {"channels:read", (*Server).conversationsInfo},
	"conversations.setTopic":       {"channels:manage", (*Server).conversationsSetTopic},
	"conversations.history":        {"channels:history", (*Server).conversationsHistory},
	"conversations.replies":        {"channels:history", (*Server).conversationsReplies},
	"conversations.open":           {"im:write", (*Server).conversationsOpen},
	"chat.postMessage":             {"chat:write", (*Server).chatPostMessage},
	"chat.update":                  {"chat:write", (*Server).chatUpdate},
	"files.getUploadURLExternal":   {"files:write", (*Server).filesGetUploadURLExternal},
	"files.completeUploadExternal": {"files:write", (*Server).filesCompleteUploadExternal},
	// chat.getPermalink and auth.test need no scope.
	"chat.getPermalink": {"", (*Server).chatGetPermalink},
	"auth.test":         {"", (*Server).authTest},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveSocketMode(w, r) {
		return
	}
	if hook, ok := strings.CutPrefix(r.URL.Path, "/hooks/"); ok && r.Method == http.MethodPost {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.responses = append(s.responses, response{hook, body})
		s.mu.Unlock()
		w.Write([]byte("ok"))
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, uploadPath); ok {
		s.serveUpload(w, r, id)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	params, formErr := callParams(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	m, known := methods[name]
	if s.takeCall(w, name, params, m.scope) {
		return
	}
	switch {
	case formErr != nil:
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "invalid_form_data"})
		return
	case !known:
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "unknown_method", "req_method": name})
		return
	}
	// Slack takes the token from the Authorization header or from a form
	// body (slack-go sends it in the body); never from the query string.
	token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !bearer {
		token = r.PostForm.Get("token")
	}
	switch token {
	case Token:
	case "":
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "not_authed"})
		return
	default:
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": "invalid_auth"})
		return
	}
	if name == "chat.postMessage" && s.enforce {
		if ok, wait := s.takePost(params.Get("channel")); !ok {
			s.rateLimited[name]++
			writeFault(w, faults.Fault{Status: http.StatusTooManyRequests, RetryAfter: wait}, "")
			return
		}
	}
	res, slackErr := m.handle(s, params)
	if slackErr != "" {
		writeJSON(w, http.StatusOK, fields{"ok": false, "error": slackErr})
		return
	}
	res["ok"] = true
	writeJSON(w, http.StatusOK, res)
}

// callParams reads a call's parameters as Slack reads them (see the
// package comment), to record without the token.
func callParams(r *http.Request) (url.Values, error) {
	err := r.ParseForm()
	params := fakehttp.CloneValues(r.Form)
	params.Del("token")
	return params, err
}

// takeCall records a call of the method, then answers the call's injected
// fault, if any, and reports whether it did. Faults come before anything
// else: Slack's edge answers 429 and 5xx whatever the request holds. scope
// is the one the method needs. The caller holds mu.
func (s *Server) takeCall(w http.ResponseWriter, method string, params url.Values, scope string) bool {
	s.calls[method] = append(s.calls[method], params)
	f, ok := s.Take(method)
	if ok {
		writeFault(w, f, scope)
	}
	return ok
}

// takePost takes a post's token from the channel's bucket, which starts
// full, or says how long until there is one.
func (s *Server) takePost(channel string) (bool, time.Duration) {
	now := time.Now()
	b, ok := s.buckets[channel]
	if !ok {
		b = &bucket{tokens: postBurst, at: now}
		s.buckets[channel] = b
	}
	return b.take(now)
}

// writeFault answers a fault as Slack does (see the package comment);
// scope is the one the method needs.
func writeFault(w http.ResponseWriter, f faults.Fault, scope string) {
	switch f.Status {
	case http.StatusTooManyRequests:
		f.SetRetryAfter(w.Header())
		writeJSON(w, http.StatusTooManyRequests, fields{"ok": false, "error": "ratelimited"})
	case http.StatusOK:
		res := fields{"ok": false, "error": cmp.Or(f.Error, "internal_error")}
		if f.Error == "missing_scope" {
			res["needed"] = scope
		}
		writeJSON(w, http.StatusOK, res)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%[2]s</h1></body></html>\n",
			f.Status, http.StatusText(f.Status))
	}
}

func writeJSON(w http.ResponseWriter, status int, body fields) {
	fakehttp.WriteJSON(w, status, "application/json; charset=utf-8", body)
}

// authTest answers who the token is, as auth.test does for a bot token of
// a workspace outside Enterprise Grid (no enterprise_id):
// https://docs.slack.dev/reference/methods/auth.test
func (s *Server) authTest(url.Values) (fields, string) {
	return fields{
		"url":                   "https://baton-test.slack.com/",
		"team":                  "Baton Test",
		"user":                  "baton",
		"team_id":               TeamID,
		"user_id":               botUserID,
		"bot_id":                botID,
		"is_enterprise_install": false,
	}, ""
}

func (s *Server) lookupByEmail(p url.Values) (fields, string) {
	email := p.Get("email")
	for _, u := range s.users {
		if email != "" && strings.EqualFold(u.email, email) {
			local, _, _ := strings.Cut(u.email, "@")
			return fields{"user": fields{
				"id":        u.id,
				"team_id":   TeamID,
				"name":      local,
				"real_name": local,
				"deleted":   false,
				"is_bot":    false,
				"profile":   fields{"email": u.email, "real_name": local, "display_name": local},
			}}, ""
		}
	}
	return nil, "users_not_found"
}

func (s *Server) userGroupsList(p url.Values) (fields, string) {
	list := make([]fields, 0, len(s.groupOrder))
	for _, id := range s.groupOrder {
		g := s.groups[id]
		j := groupJSON(g)
		// Slack lists members only when asked.
		if !isTrue(p.Get("include_users")) {
			delete(j, "users")
		}
		list = append(list, j)
	}
	return fields{"usergroups": list}, ""
}

func (s *Server) userGroupUsersList(p url.Values) (fields, string) {
	g, ok := s.groups[p.Get("usergroup")]
	if !ok {
		return nil, "no_such_subteam"
	}
	return fields{"users": slices.Clone(g.users)}, ""
}

func (s *Server) userGroupUsersUpdate(p url.Values) (fields, string) {
	g, ok := s.groups[p.Get("usergroup")]
	if !ok {
		return nil, "no_such_subteam"
	}
	var users []string
	for id := range strings.SplitSeq(p.Get("users"), ",") {
		id = strings.TrimSpace(id)
		if id == "" || slices.Contains(users, id) {
			continue
		}
		// Slack refuses anything that is not a member's ID, such as an
		// email or a name.
		if !s.isUser(id) {
			return nil, "invalid_users"
		}
		users = append(users, id)
	}
	if len(users) == 0 {
		return nil, "invalid_users"
	}
	g.users, g.updated = users, time.Now()
	return fields{"usergroup": groupJSON(g)}, ""
}

func (s *Server) conversationsList(p url.Values) (fields, string) {
	types := p.Get("types")
	if types == "" {
		types = "public_channel"
	}
	wanted := strings.Split(types, ",")
	var list []*channel
	for _, id := range s.channelOrder {
		c := s.channels[id]
		kind := "public_channel"
		if c.imUser != "" {
			kind = "im"
		}
		if slices.Contains(wanted, kind) {
			list = append(list, c)
		}
	}
	start := 0
	if cur := p.Get("cursor"); cur != "" {
		id, ok := decodeCursor(cur, "next_id:")
		start = slices.IndexFunc(list, func(c *channel) bool { return c.id == id })
		if !ok || start < 0 {
			return nil, "invalid_cursor"
		}
	}
	page := s.page(p.Get("limit"), 100, 1000)
	end := min(start+page, len(list))
	out := make([]fields, 0, end-start)
	for _, c := range list[start:end] {
		out = append(out, channelJSON(c))
	}
	next := ""
	if end < len(list) {
		next = encodeCursor("next_id:" + list[end].id)
	}
	return fields{"channels": out, "response_metadata": fields{"next_cursor": next}}, ""
}

func (s *Server) conversationsInfo(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	return fields{"channel": channelJSON(c)}, ""
}

func (s *Server) conversationsSetTopic(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	topic := p.Get("topic")
	if utf8.RuneCountInString(topic) > maxTopicLength {
		return nil, "too_long"
	}
	c.topic = topic
	c.topicSet = time.Now().Unix()
	return fields{"channel": channelJSON(c)}, ""
}

func (s *Server) conversationsHistory(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	inclusive := isTrue(p.Get("inclusive"))
	oldest, latest := int64(0), int64(-1)
	if v := p.Get("oldest"); v != "" {
		if oldest, ok = parseTS(v); !ok {
			return nil, "invalid_ts_oldest"
		}
	}
	if v := p.Get("latest"); v != "" {
		if latest, ok = parseTS(v); !ok {
			return nil, "invalid_ts_latest"
		}
	}
	upTo := int64(-1)
	if cur := p.Get("cursor"); cur != "" {
		// A cursor that does not decode gives "", which parseTS refuses.
		ts, _ := decodeCursor(cur, "next_ts:")
		if upTo, ok = parseTS(ts); !ok {
			return nil, "invalid_cursor"
		}
	}
	var hits []*message // newest first
	for _, m := range slices.Backward(c.messages) {
		if m.threadTS != "" {
			// Replies live in their thread, not in the channel's history.
			continue
		}
		if m.micros < oldest || !inclusive && m.micros == oldest {
			continue
		}
		if latest >= 0 && (m.micros > latest || !inclusive && m.micros == latest) {
			continue
		}
		if upTo >= 0 && m.micros > upTo {
			continue
		}
		hits = append(hits, m)
	}
	page := min(s.page(p.Get("limit"), 100, 999), len(hits))
	withMeta := isTrue(p.Get("include_all_metadata"))
	out := make([]fields, 0, page)
	for _, m := range hits[:page] {
		out = append(out, messageJSON(m, withMeta))
	}
	res := fields{"messages": out, "has_more": page < len(hits), "pin_count": 0}
	if page < len(hits) {
		res["response_metadata"] = fields{"next_cursor": encodeCursor("next_ts:" + hits[page].ts)}
	}
	return res, ""
}

func (s *Server) conversationsOpen(p url.Values) (fields, string) {
	ids := strings.Split(p.Get("users"), ",")
	switch {
	case p.Get("users") == "":
		return nil, "users_list_not_supplied"
	case len(ids) > 1:
		// Multi-person DMs are not modelled: fail loudly rather than
		// pretend.
		return nil, "fakeslack_mpim_unsupported"
	case !s.isUser(ids[0]):
		return nil, "user_not_found"
	}
	id := "D" + ids[0]
	c, existed := s.channels[id]
	if !existed {
		now := time.Now().Unix()
		c = &channel{id: id, imUser: ids[0], createdAt: now}
		s.addChannel(c)
	}
	ch := fields{"id": c.id}
	if isTrue(p.Get("return_im")) {
		ch = channelJSON(c)
	}
	return fields{"no_op": existed, "already_open": existed, "channel": ch}, ""
}

func (s *Server) chatPostMessage(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	m := &message{}
	if errCode := m.apply(p); errCode != "" {
		return nil, errCode
	}
	if m.text == "" && m.blocks == "" {
		return nil, "no_text"
	}
	if ts := p.Get("thread_ts"); ts != "" {
		if !slices.ContainsFunc(c.messages, func(p *message) bool { return p.ts == ts && p.threadTS == "" }) {
			return nil, "thread_not_found"
		}
		m.threadTS = ts
	}
	m.micros = s.nextTS()
	m.ts = formatTS(m.micros)
	c.messages = append(c.messages, m)
	return fields{"channel": c.id, "ts": m.ts, "message": messageJSON(m, true)}, ""
}

// conversationsReplies answers a thread: the parent, then its replies,
// oldest first, as Slack does, a page at a time. ts names the thread's
// parent or, as Slack's documentation allows, any message in the thread.
// oldest and latest (with inclusive) filter the replies; the parent is
// always first, on the first page only.
func (s *Server) conversationsReplies(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	ts := p.Get("ts")
	if i := slices.IndexFunc(c.messages, func(m *message) bool { return m.ts == ts && m.threadTS != "" }); i >= 0 {
		ts = c.messages[i].threadTS // a reply names its thread
	}
	inclusive := isTrue(p.Get("inclusive"))
	latest := int64(-1)
	if v := p.Get("latest"); v != "" {
		if latest, ok = parseTS(v); !ok {
			return nil, "invalid_ts_latest"
		}
	}
	oldest := int64(0)
	if v := p.Get("oldest"); v != "" {
		if oldest, ok = parseTS(v); !ok {
			return nil, "invalid_ts_oldest"
		}
	}
	var thread []*message // the parent, then the replies
	for _, m := range c.messages {
		switch {
		case m.ts == ts && m.threadTS == "":
			thread = append([]*message{m}, thread...)
		case m.threadTS == ts && (m.micros > oldest || inclusive && m.micros == oldest) &&
			(latest < 0 || m.micros < latest || inclusive && m.micros == latest):
			thread = append(thread, m)
		}
	}
	if len(thread) == 0 || thread[0].ts != ts {
		return nil, "thread_not_found"
	}
	start := 0
	if cur := p.Get("cursor"); cur != "" {
		pos, _ := decodeCursor(cur, "next_ts:")
		// A cursor never points at the parent.
		if start = slices.IndexFunc(thread, func(m *message) bool { return m.ts == pos }); start <= 0 {
			return nil, "invalid_cursor"
		}
	}
	end := min(start+s.page(p.Get("limit"), 1000, 1000), len(thread))
	withMeta := isTrue(p.Get("include_all_metadata"))
	out := make([]fields, 0, end-start)
	for _, m := range thread[start:end] {
		out = append(out, messageJSON(m, withMeta))
	}
	res := fields{"messages": out, "has_more": end < len(thread)}
	if end < len(thread) {
		res["response_metadata"] = fields{"next_cursor": encodeCursor("next_ts:" + thread[end].ts)}
	}
	return res, ""
}

func (s *Server) chatUpdate(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	i := slices.IndexFunc(c.messages, func(m *message) bool { return m.ts == p.Get("ts") })
	if i < 0 {
		return nil, "message_not_found"
	}
	if c.messages[i].user != "" {
		// A bot may edit only its own messages.
		return nil, "cant_update_message"
	}
	if !p.Has("text") && !p.Has("blocks") {
		return nil, "no_text"
	}
	updated := *c.messages[i]
	if errCode := updated.apply(p); errCode != "" {
		return nil, errCode
	}
	c.messages[i] = &updated
	return fields{"channel": c.id, "ts": updated.ts, "text": updated.text, "message": messageJSON(&updated, true)}, ""
}

// uploadPath is where upload URLs live on the fake; the file ID follows.
const uploadPath = "/upload/v1/"

func (s *Server) filesGetUploadURLExternal(p url.Values) (fields, string) {
	name := p.Get("filename")
	length, err := strconv.Atoi(p.Get("length"))
	switch {
	case name == "" || err != nil || length <= 0:
		return nil, "invalid_arguments"
	case length > maxUploadBytes:
		return nil, "file_upload_size_restricted"
	}
	s.fileSeq++
	id := fmt.Sprintf("F0FAKE%05d", s.fileSeq)
	s.files[id] = &file{id: id, name: name, length: length}
	return fields{"upload_url": s.srv.URL + uploadPath + id, "file_id": id}, ""
}

// serveUpload takes a file's bytes at its upload URL, as Slack's does: the
// raw body, or the "file" part of a multipart form. Like Slack's, the URL
// needs no token and answers "OK - <size>" in plain text. The size is not
// checked here: files.completeUploadExternal refuses an upload whose size
// is not the length declared.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	data, filename, readErr := readUpload(w, r)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.takeCall(w, UploadURLMethod, url.Values{"file": {id}, "filename": {filename}, "size": {strconv.Itoa(len(data))}}, "") {
		return
	}
	if readErr != nil {
		http.Error(w, "bad upload: "+readErr.Error(), http.StatusBadRequest)
		return
	}
	f, ok := s.files[id]
	if !ok || f.completed {
		http.NotFound(w, r)
		return
	}
	f.data, f.uploaded = data, true
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(data))
}

// readUpload reads an upload's bytes and, from a multipart form, the file
// name the client gave.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	body := http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		data, err := io.ReadAll(body)
		return data, "", err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", errors.New(`no "file" part in the form`)
		}
		if err != nil {
			return nil, "", err
		}
		if part.FormName() == "file" {
			data, err := io.ReadAll(part)
			return data, part.FileName(), err
		}
	}
}

// filesCompleteUploadExternal completes uploads and, given channel_id,
// shares them there (in thread_ts's thread when set) in one message whose
// text is initial_comment. Without channel_id the files stay private.
func (s *Server) filesCompleteUploadExternal(p url.Values) (fields, string) {
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.Get("files")), &list); err != nil || len(list) == 0 {
		return nil, "invalid_arguments"
	}
	if p.Get("channels") != "" {
		// Sharing to several channels at once is not modelled.
		return nil, "fakeslack_channels_unsupported"
	}
	var c *channel
	if id := p.Get("channel_id"); id != "" {
		var ok bool
		if c, ok = s.channels[id]; !ok {
			return nil, "channel_not_found"
		}
	}
	threadTS := p.Get("thread_ts")
	if threadTS != "" {
		if c == nil {
			return nil, "invalid_arguments"
		}
		if !slices.ContainsFunc(c.messages, func(m *message) bool { return m.ts == threadTS && m.threadTS == "" }) {
			return nil, "thread_not_found"
		}
	}
	files := make([]*file, 0, len(list))
	for _, e := range list {
		f, ok := s.files[e.ID]
		// Slack completes only an upload whose bytes all arrived, once:
		// one with no bytes, or not as many as declared, is no file.
		// (Slack does not document its answer for a short upload; the
		// fake gives the one for an unknown file.)
		if !ok || !f.uploaded || f.completed || len(f.data) != f.length || slices.Contains(files, f) {
			return nil, "file_not_found"
		}
		files = append(files, f)
	}
	out := make([]fields, 0, len(files))
	for i, f := range files {
		f.title = cmp.Or(list[i].Title, f.name)
		f.completed = true
		if c != nil {
			f.channel, f.threadTS = c.id, threadTS
		}
		s.fileOrder = append(s.fileOrder, f.id)
		out = append(out, fields{"id": f.id, "title": f.title})
	}
	if c != nil {
		m := &message{threadTS: threadTS, text: p.Get("initial_comment"), files: files, micros: s.nextTS()}
		m.ts = formatTS(m.micros)
		c.messages = append(c.messages, m)
	}
	return fields{"files": out}, ""
}

// chatGetPermalink answers a message's permalink in Slack's form; a reply's
// carries its thread, as Slack's does.
func (s *Server) chatGetPermalink(p url.Values) (fields, string) {
	c, ok := s.channels[p.Get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	ts := p.Get("message_ts")
	i := slices.IndexFunc(c.messages, func(m *message) bool { return m.ts == ts })
	if ts == "" || i < 0 {
		return nil, "message_not_found"
	}
	link := "https://fake.slack.com/archives/" + c.id + "/p" + strings.Replace(ts, ".", "", 1)
	if parent := c.messages[i].threadTS; parent != "" {
		link += "?thread_ts=" + parent + "&cid=" + c.id
	}
	return fields{"channel": c.id, "permalink": link}, ""
}

// apply sets the message's text, blocks and metadata from the parameters
// that are present, validating them as Slack does.
func (m *message) apply(p url.Values) string {
	if p.Has("text") {
		m.text = p.Get("text")
	}
	if p.Has("blocks") {
		var blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		}
		if err := json.Unmarshal([]byte(p.Get("blocks")), &blocks); err != nil {
			return "invalid_blocks_format"
		}
		if len(blocks) > maxBlocks {
			return "invalid_blocks"
		}
		for _, b := range blocks {
			if b.Type == "section" && b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxSectionText {
				return "invalid_blocks"
			}
		}
		m.blocks = p.Get("blocks")
	}
	if p.Has("metadata") {
		var md struct {
			EventType    string         `json:"event_type"`
			EventPayload map[string]any `json:"event_payload"`
		}
		if err := json.Unmarshal([]byte(p.Get("metadata")), &md); err != nil {
			return "invalid_metadata_format"
		}
		if md.EventType == "" || md.EventPayload == nil {
			return "invalid_metadata_schema"
		}
		m.eventType, m.payload = md.EventType, md.EventPayload
	}
	return ""
}

func (s *Server) addChannel(c *channel) {
	if _, ok := s.channels[c.id]; !ok {
		s.channelOrder = append(s.channelOrder, c.id)
	}
	s.channels[c.id] = c
}

func (s *Server) isUser(id string) bool {
	return slices.ContainsFunc(s.users, func(u user) bool { return u.id == id })
}

// page is how many items a page holds: the client's limit (def when absent
// or not a positive number, at most most), capped by SetPageSize.
func (s *Server) page(limit string, def, most int) int {
	return fakehttp.PageSize(limit, def, most, s.pageSize)
}

// nextTS hands out a message timestamp: the current time to the
// microsecond, as Slack's are, and unique within the workspace so that
// (channel, ts) names one message.
func (s *Server) nextTS() int64 {
	s.lastTS = max(time.Now().UnixMicro(), s.lastTS+1)
	return s.lastTS
}

func formatTS(micros int64) string {
	return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6)
}

// parseTS reads a Slack timestamp ("1700000000.000100", or whole seconds)
// into microseconds. A negative one, which a client sends for the zero
// time, is before every message.
func parseTS(ts string) (int64, bool) {
	digits, negative := strings.CutPrefix(ts, "-")
	secs, frac, _ := strings.Cut(digits, ".")
	if secs == "" || len(frac) > 6 || strings.Trim(secs+frac, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return 0, false
	}
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	if negative {
		return -(n*1e6 + f), true
	}
	return n*1e6 + f, true
}

// Cursors are opaque to clients; like Slack's, they are base64 of a
// position ("next_ts:..." for history, "next_id:..." for lists).
func encodeCursor(pos string) string {
	return base64.StdEncoding.EncodeToString([]byte(pos))
}

func decodeCursor(cursor, prefix string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(cursor)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), prefix)
}

func isTrue(v string) bool {
	return v == "1" || v == "true"
}

func groupJSON(g *userGroup) fields {
	return fields{
		"id":           g.id,
		"team_id":      TeamID,
		"is_usergroup": true,
		"name":         g.handle,
		"description":  "",
		"handle":       g.handle,
		"is_external":  false,
		"prefs":        fields{"channels": []string{}, "groups": []string{}},
		"users":        slices.Clone(g.users),
		"date_update":  dateUpdate(g.updated),
	}
}

// dateUpdate is a group's date_update: Unix seconds, 0 for never.
func dateUpdate(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func channelJSON(c *channel) fields {
	if c.imUser != "" {
		return fields{
			"id":      c.id,
			"created": c.createdAt,
			"is_im":   true,
			"is_open": true,
			"user":    c.imUser,
		}
	}
	return fields{
		"id":              c.id,
		"name":            c.name,
		"name_normalized": c.name,
		"created":         c.createdAt,
		"is_channel":      true,
		"is_private":      false,
		"is_im":           false,
		"is_archived":     false,
		"is_member":       true,
		"topic":           fields{"value": c.topic, "creator": botUserID, "last_set": c.topicSet},
		"purpose":         fields{"value": "", "creator": "", "last_set": 0},
	}
}

// messageJSON is a message as conversations.history and chat.postMessage
// show it; metadata only when asked for, as Slack leaves it out otherwise.
// The bot's posts carry its bot_id and app_id; a person's carry neither.
func messageJSON(m *message, withMetadata bool) fields {
	j := fields{
		"type": "message",
		"user": botUserID,
		"team": TeamID,
		"text": m.text,
		"ts":   m.ts,
	}
	if m.user != "" {
		j["user"] = m.user
	} else {
		j["bot_id"], j["app_id"] = botID, "A0BATONAPP"
	}
	if len(m.files) > 0 {
		files := make([]fields, 0, len(m.files))
		for _, f := range m.files {
			files = append(files, fileJSON(f))
		}
		j["files"] = files
		j["upload"] = true
		j["display_as_bot"] = false
	}
	if m.blocks != "" {
		j["blocks"] = json.RawMessage(m.blocks)
	}
	if m.threadTS != "" {
		j["thread_ts"] = m.threadTS
	}
	if withMetadata && m.eventType != "" {
		j["metadata"] = fields{"event_type": m.eventType, "event_payload": m.payload}
	}
	return j
}

// fileJSON is a file as a message that shares it shows it.
func fileJSON(f *file) fields {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(f.name), "."))
	mimetype, _, _ := strings.Cut(mime.TypeByExtension("."+ext), ";")
	return fields{
		"id":          f.id,
		"name":        f.name,
		"title":       f.title,
		"mimetype":    cmp.Or(strings.TrimSpace(mimetype), "application/octet-stream"),
		"filetype":    cmp.Or(ext, "binary"),
		"size":        len(f.data),
		"user":        botUserID,
		"mode":        "hosted",
		"is_external": false,
	}
}
