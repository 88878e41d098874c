// Package slackmanifest_test checks deploy/slack/manifest.yaml, Baton's Slack
// app manifest: its shape, and that its bot scopes are exactly those the
// Slack client in activities/chat/slack needs.
//
// The methods come from the code's behaviour, not from a list kept by hand:
// the real client (slack.NewSlack) is driven through every operation of the
// chat.Chat interface against the fake Slack (internal/fakeslack), which
// records each Web API method called and the conversation it was about. The
// sources of activities/chat/slack are scanned too, for method names and
// slack-go calls, so that a method the drive does not reach still fails the
// test. The scopes come from Slack's documentation, in scopeTable below.
package slackmanifest_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
)

// Paths from this package's directory, where go test runs.
const (
	manifestPath  = "manifest.yaml"
	slackDir      = "../../activities/chat/slack"
	fakeSlackFile = "../../internal/fakeslack/fakeslack.go"
	eventsFile    = "../../gateway/events.go"
)

// kind is the kind of conversation a call is about: Slack asks for a
// different scope for each (its "Conversations API" docs).
type kind string

const (
	public  kind = "public channel"
	private kind = "private channel"
	im      kind = "direct message"
	mpim    kind = "group direct message"
	// anyKind is for methods whose scope does not depend on a
	// conversation: workspace-wide ones, and ones such as chat.postMessage
	// whose scope is the same in every kind of conversation.
	anyKind kind = "*"
)

// methodScopes is what Slack's documentation says a method needs.
type methodScopes struct {
	// doc is the Slack page the scopes are taken from.
	doc string
	// need is the bot scope Baton asks for, by kind of conversation; empty
	// when the method needs no scope. Where Slack accepts several, it is
	// the narrowest.
	need map[kind]string
	// also are broader scopes Slack documents as accepted too, which Baton
	// does not ask for; the fake may name one in its missing_scope answers.
	also map[kind][]string
}

// scopeTable holds the bot scopes of every Web API method Baton's client
// may call, as Slack's docs give them (docs.slack.dev/reference/methods/…
// and …/scopes/…, "Bot token" scopes). A method missing here fails the
// test, naming it.
var scopeTable = map[string]methodScopes{
	// "Requires users:read.email"; scope page: "This scope must be requested
	// at the same time as users:read" (see prerequisites).
	"users.lookupByEmail": {
		doc:  "https://docs.slack.dev/reference/methods/users.lookupByEmail",
		need: map[kind]string{anyKind: "users:read.email"},
	},
	"usergroups.list": {
		doc:  "https://docs.slack.dev/reference/methods/usergroups.list",
		need: map[kind]string{anyKind: "usergroups:read"},
	},
	"usergroups.users.list": {
		doc:  "https://docs.slack.dev/reference/methods/usergroups.users.list",
		need: map[kind]string{anyKind: "usergroups:read"},
	},
	// A bot token may write only if the workspace lets everyone manage
	// user groups (the method's usage info).
	"usergroups.users.update": {
		doc:  "https://docs.slack.dev/reference/methods/usergroups.users.update",
		need: map[kind]string{anyKind: "usergroups:write"},
	},
	// The scope depends on the types asked for (channels:read for public
	// channels, groups:read for private ones, im:read, mpim:read).
	"conversations.list": {
		doc:  "https://docs.slack.dev/reference/methods/conversations.list",
		need: map[kind]string{public: "channels:read", private: "groups:read", im: "im:read", mpim: "mpim:read"},
	},
	"conversations.info": {
		doc:  "https://docs.slack.dev/reference/methods/conversations.info",
		need: map[kind]string{public: "channels:read", private: "groups:read", im: "im:read", mpim: "mpim:read"},
	},
	// Bot scopes: channels:manage, channels:write.topic, groups:write,
	// groups:write.topic, im:write, mpim:write, mpim:write.topic. The
	// *:write.topic scopes ("Set the description of … channels",
	// compatible with conversations.setPurpose and setTopic) are the
	// narrowest; channels:manage and groups:write would also let the app
	// create, rename and archive channels.
	"conversations.setTopic": {
		doc:  "https://docs.slack.dev/reference/scopes/groups.write.topic",
		need: map[kind]string{public: "channels:write.topic", private: "groups:write.topic", im: "im:write", mpim: "mpim:write.topic"},
		also: map[kind][]string{public: {"channels:manage"}, private: {"groups:write"}, mpim: {"mpim:write"}},
	},
	// "Bot token: channels:history groups:history im:history mpim:history".
	"conversations.history": {
		doc:  "https://docs.slack.dev/reference/methods/conversations.history",
		need: map[kind]string{public: "channels:history", private: "groups:history", im: "im:history", mpim: "mpim:history"},
	},
	// Same scopes (the channels:history scope page lists both methods).
	"conversations.replies": {
		doc:  "https://docs.slack.dev/reference/scopes/channels.history",
		need: map[kind]string{public: "channels:history", private: "groups:history", im: "im:history", mpim: "mpim:history"},
	},
	"conversations.open": {
		doc:  "https://docs.slack.dev/reference/methods/conversations.open",
		need: map[kind]string{im: "im:write", mpim: "mpim:write"},
	},
	// The chat:write scope page lists chat.postMessage and chat.update.
	"chat.postMessage": {
		doc:  "https://docs.slack.dev/reference/scopes/chat.write",
		need: map[kind]string{anyKind: "chat:write"},
	},
	"chat.update": {
		doc:  "https://docs.slack.dev/reference/scopes/chat.write",
		need: map[kind]string{anyKind: "chat:write"},
	},
	// "Required scopes: Bot tokens: No scope required".
	"chat.getPermalink": {
		doc: "https://api.slack.com/methods/chat.getPermalink",
	},
	// "Required scopes: No scope required".
	"auth.test": {
		doc: "https://docs.slack.dev/reference/methods/auth.test",
	},
	// "The files:write scope allows your app to upload files" (Working
	// with files), for both steps of the external upload.
	"files.getUploadURLExternal": {
		doc:  "https://docs.slack.dev/reference/methods/files.getUploadURLExternal",
		need: map[kind]string{anyKind: "files:write"},
	},
	"files.completeUploadExternal": {
		doc:  "https://docs.slack.dev/reference/methods/files.completeUploadExternal",
		need: map[kind]string{anyKind: "files:write"},
	},
	// Not a Web API method: the URL files.getUploadURLExternal hands out
	// takes the bytes without a token.
	fakeslack.UploadURLMethod: {
		doc: "https://docs.slack.dev/reference/methods/files.getUploadURLExternal",
	},
}

// prerequisites are scopes Slack grants only together with others.
var prerequisites = map[string][]string{
	// https://api.slack.com/scopes/users:read.email: "This scope must be
	// requested at the same time as users:read."
	"users:read.email": {"users:read"},
}

// slashCommandScope is what a slash command, and a shortcut, need:
// "commands — Add shortcuts and slash commands that people can use"
// (https://docs.slack.dev/reference/scopes/commands).
const slashCommandScope = "commands"

// eventScopes are the bot scopes of the events Baton subscribes to, as
// Slack's docs give them ("Required scopes"), with the gateway's source
// that handles each: the manifest subscribes to exactly these.
var eventScopes = map[string]struct{ doc, scope, handledIn string }{
	"reaction_added": {doc: "https://docs.slack.dev/reference/events/reaction_added", scope: "reactions:read", handledIn: eventsFile},
}

// slackGoMethods maps the slack-go Client methods Baton calls to the Web
// API method each calls (read from slack-go v0.34.0's sources). A call of
// one not listed here fails the test.
var slackGoMethods = map[string]string{
	"GetUserByEmailContext":         "users.lookupByEmail",
	"GetUserGroupsContext":          "usergroups.list",
	"GetUserGroupMembersContext":    "usergroups.users.list",
	"UpdateUserGroupMembersContext": "usergroups.users.update",
	"GetConversationsContext":       "conversations.list",
	"GetConversationInfoContext":    "conversations.info",
	"SetTopicOfConversationContext": "conversations.setTopic",
	"GetConversationHistoryContext": "conversations.history",
	"GetConversationRepliesContext": "conversations.replies",
	"OpenConversationContext":       "conversations.open",
	"PostMessageContext":            "chat.postMessage",
	"UpdateMessageContext":          "chat.update",
	"GetPermalinkContext":           "chat.getPermalink",
	"AuthTestContext":               "auth.test",
	"GetUploadURLExternalContext":   "files.getUploadURLExternal",
	"UploadToURL":                   fakeslack.UploadURLMethod,
	"CompleteUploadExternalContext": "files.completeUploadExternal",
}

// The conversations of the drive. A team channel (slack.channel and
// slack.stakeholder_channel in the team file) may be public or private, so
// a call about one needs the scopes of both; the fake has public channels
// only.
const (
	teamChannelID = "C0TEAM"
	teamChannel   = "#team"
	groupID       = "S0ONCALL"
	groupHandle   = "team-oncall"
)

// drive calls every operation of chat.Chat on the real Slack client,
// against the fake, the way Baton's activities do: everything in a team
// channel, and in a DM what activities do there (SendDM opens it, looks for
// the post and posts; RetroNotes reads the replies). It returns the fake,
// and the kinds of each conversation it used.
func drive(t *testing.T) (*fakeslack.Server, map[string][]kind) {
	t.Helper()
	srv := fakeslack.New(t)
	srv.AddUser("U0ALICE", "alice@example.com")
	srv.AddUser("U0BOB", "bob@example.com")
	srv.AddChannel(teamChannelID, strings.TrimPrefix(teamChannel, "#"), "On call: nobody")
	srv.AddUserGroup(groupID, groupHandle, "U0ALICE")
	s := slack.NewSlack(fakeslack.Token, srv.URL(), slack.WithChannelWriteRate(0, 1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	driven := map[string]bool{}
	do := func(op string, f func() error) {
		t.Helper()
		driven[op] = true
		if err := f(); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	since := time.Now().Add(-time.Hour)
	buttons := []chat.Button{{ActionID: "ack", Text: "Acknowledge", Value: "incident-team-1", Style: "primary"}}
	png := []byte("\x89PNG\r\n\x1a\nnot really a chart")

	// The gateway asks who the bot is once, at start (chat.Identifier).
	do("Self", func() error {
		self, err := s.Self(ctx)
		if err == nil && self.TeamID != fakeslack.TeamID {
			err = fmt.Errorf("team %q, want %s", self.TeamID, fakeslack.TeamID)
		}
		return err
	})
	do("LookupUserByEmail", func() error {
		id, err := s.LookupUserByEmail(ctx, "alice@example.com")
		if err == nil && id != "U0ALICE" {
			err = fmt.Errorf("got %q, want U0ALICE", id)
		}
		return err
	})
	do("UserGroupMembers", func() error {
		_, err := s.UserGroupMembers(ctx, "@"+groupHandle)
		return err
	})
	do("SetUserGroupMembers", func() error {
		return s.SetUserGroupMembers(ctx, groupHandle, []string{"U0ALICE", "U0BOB"})
	})
	do("Topic", func() error {
		_, err := s.Topic(ctx, teamChannel)
		return err
	})
	do("SetTopic", func() error { return s.SetTopic(ctx, teamChannel, "On call: @alice") })

	var ts string
	do("FindPost", func() error {
		_, found, err := s.FindPost(ctx, teamChannel, "", "handover/1", since)
		if err == nil && found {
			err = fmt.Errorf("found a post in an empty channel")
		}
		return err
	})
	do("Post", func() error {
		var err error
		ts, err = s.Post(ctx, teamChannel, chat.Message{Key: "handover/1", Text: "Handover: @alice is on call", Buttons: buttons})
		return err
	})
	do("Post", func() error {
		_, err := s.Post(ctx, teamChannel, chat.Message{Key: "timeline/1", Text: "10:00 paged @alice", ThreadTS: ts})
		return err
	})
	do("FindPost", func() error {
		_, found, err := s.FindPost(ctx, teamChannel, ts, "timeline/1", since)
		if err == nil && !found {
			err = fmt.Errorf("the thread reply is not found")
		}
		return err
	})
	do("Update", func() error {
		return s.Update(ctx, teamChannel, ts, chat.Message{Text: "Handover: @alice is on call (accepted)", Buttons: buttons})
	})
	do("UploadFile", func() error {
		return s.UploadFile(ctx, teamChannel, chat.File{Name: "oncall-team-2026-W47.png", Title: "Interruptions", ThreadTS: ts, Data: png})
	})
	do("UploadFile", func() error {
		return s.UploadFile(ctx, teamChannel, chat.File{Name: "oncall-team-2026-W48.png", Data: png})
	})
	do("Permalink", func() error {
		_, err := s.Permalink(ctx, teamChannel, ts)
		return err
	})
	srv.AddReply(teamChannelID, ts, "U0BOB", "looking")
	do("Replies", func() error {
		_, err := s.Replies(ctx, teamChannel, ts)
		return err
	})
	// A support request reads the message asked about: one in the channel
	// (its reaction, the shortcut), or a reply in a thread.
	asked := srv.AddMessage(teamChannelID, "U0ALICE", "is the orders table late?")
	reply := srv.AddReply(teamChannelID, asked, "U0ALICE", "and the revenue dashboard?")
	for _, at := range []string{asked, reply} {
		do("Message", func() error {
			m, err := s.Message(ctx, teamChannel, at)
			if err == nil && (m.TS != at || m.ThreadTS != asked || m.User != "U0ALICE") {
				err = fmt.Errorf("read %+v, want message %s of thread %s by U0ALICE", m, at, asked)
			}
			return err
		})
	}

	var dm, dmTS string
	do("OpenDM", func() error {
		var err error
		dm, err = s.OpenDM(ctx, "U0BOB")
		return err
	})
	do("FindPost", func() error {
		_, _, err := s.FindPost(ctx, dm, "", "notes/bob", since)
		return err
	})
	do("Post", func() error {
		var err error
		dmTS, err = s.Post(ctx, dm, chat.Message{Key: "notes/bob", Text: "What hurt this week? Reply in this thread."})
		return err
	})
	srv.AddReply(dm, dmTS, "U0BOB", "the 3am disk alerts")
	do("Replies", func() error {
		notes, err := s.Replies(ctx, dm, dmTS)
		if err == nil && len(notes) != 1 {
			err = fmt.Errorf("got %d notes, want 1", len(notes))
		}
		return err
	})

	// Every operation of the interface is driven: a new one must be added
	// here, so that the methods it calls are checked.
	iface := reflect.TypeFor[chat.Chat]()
	for i := range iface.NumMethod() {
		if op := iface.Method(i).Name; !driven[op] {
			t.Errorf("chat.Chat.%s is not driven by this test: call it in drive, in the conversations Baton calls it in", op)
		}
	}
	return srv, map[string][]kind{teamChannelID: {public, private}, dm: {im}}
}

// kindsOf returns the kinds of conversation a call is about, from its
// parameters; nil for a call about none.
func kindsOf(t *testing.T, method string, p url.Values, convs map[string][]kind) []kind {
	t.Helper()
	byID := func(id string) []kind {
		ks, ok := convs[id]
		if !ok {
			t.Errorf("%s was called on conversation %q, which the drive did not set up", method, id)
		}
		return ks
	}
	switch method {
	case "conversations.list":
		types := p.Get("types")
		if types == "" {
			types = "public_channel" // Slack's default
		}
		var ks []kind
		for typ := range strings.SplitSeq(types, ",") {
			k, ok := map[string]kind{"public_channel": public, "private_channel": private, "im": im, "mpim": mpim}[typ]
			if !ok {
				t.Errorf("conversations.list asked for unknown type %q", typ)
			}
			ks = append(ks, k)
		}
		return ks
	case "conversations.open":
		if c := p.Get("channel"); c != "" {
			return byID(c)
		}
		if strings.Contains(p.Get("users"), ",") {
			return []kind{mpim}
		}
		return []kind{im}
	case "files.completeUploadExternal":
		var ks []kind
		for c := range strings.SplitSeq(p.Get("channel_id")+","+p.Get("channels"), ",") {
			if c != "" {
				ks = append(ks, byID(c)...)
			}
		}
		return ks
	}
	if c := p.Get("channel"); c != "" {
		return byID(c)
	}
	return nil
}

// requirements maps each scope Baton needs to why: the methods and
// conversations that need it.
type requirements map[string][]string

func (r requirements) add(scope, why string) {
	if !slices.Contains(r[scope], why) {
		r[scope] = append(r[scope], why)
	}
}

func TestManifestScopesCoverSlackCalls(t *testing.T) {
	m := loadManifest(t)
	srv, convs := drive(t)
	if t.Failed() {
		t.FailNow()
	}

	called := srv.Methods()
	need := requirements{}
	for _, method := range called {
		entry, ok := scopeTable[method]
		if !ok {
			t.Errorf("Baton calls Slack method %s, which the scope table does not list: add its bot scopes from https://docs.slack.dev/reference/methods/%s to scopeTable and the manifest", method, method)
			continue
		}
		for _, p := range srv.Calls(method) {
			if len(entry.need) == 0 {
				continue
			}
			if scope, ok := entry.need[anyKind]; ok {
				need.add(scope, method)
				continue
			}
			ks := kindsOf(t, method, p, convs)
			if len(ks) == 0 {
				t.Errorf("%s was called about no conversation, but the scope table gives its scopes by kind of conversation", method)
			}
			for _, k := range ks {
				scope, ok := entry.need[k]
				if !ok {
					t.Errorf("Baton calls %s in a %s, for which the scope table has no scope: add it from %s", method, k, entry.doc)
					continue
				}
				need.add(scope, method+" in a "+string(k))
			}
		}
	}
	if len(m.Features.SlashCommands) > 0 {
		need.add(slashCommandScope, "the slash command "+m.Features.SlashCommands[0].Command)
	}
	for _, sc := range m.Features.Shortcuts {
		need.add(slashCommandScope, "the shortcut "+sc.Name)
	}
	if es := m.Settings.EventSubscriptions; es != nil {
		for _, ev := range es.BotEvents {
			e, ok := eventScopes[ev]
			if !ok {
				t.Errorf("the manifest subscribes to the event %s, which eventScopes does not list: add its scope from https://docs.slack.dev/reference/events/%s, and handle it in the gateway", ev, ev)
				continue
			}
			need.add(e.scope, "the event "+ev)
		}
	}
	for _, scope := range slices.Sorted(maps.Keys(need)) {
		for _, pre := range prerequisites[scope] {
			need.add(pre, "Slack grants "+scope+" only with it")
		}
	}

	have := map[string]bool{}
	for _, scope := range m.OAuthConfig.Scopes.Bot {
		if have[scope] {
			t.Errorf("manifest lists bot scope %s twice", scope)
		}
		have[scope] = true
	}
	for _, scope := range slices.Sorted(maps.Keys(need)) {
		t.Logf("%-22s %s", scope, strings.Join(need[scope], "; "))
		if !have[scope] {
			t.Errorf("manifest lacks bot scope %s, which %s needs", scope, strings.Join(need[scope], ", "))
		}
	}
	for _, scope := range slices.Sorted(maps.Keys(have)) {
		if _, ok := need[scope]; !ok {
			t.Errorf("manifest asks for bot scope %s, which no Slack method Baton calls needs: drop it", scope)
		}
	}

	// What the code can reach must have been driven, so that its scopes
	// were checked above.
	for _, r := range reachableMethods(t) {
		if _, ok := scopeTable[r.method]; !ok {
			t.Errorf("%s: Baton's Slack client can call %s, which the scope table does not list: add its bot scopes from https://docs.slack.dev/reference/methods/%s", r.pos, r.method, r.method)
		}
		if !slices.Contains(called, r.method) {
			t.Errorf("%s: Baton's Slack client can call %s, but driving chat.Chat never did: extend drive so that it does", r.pos, r.method)
		}
	}

	// Every method the fake serves is one the client could be made to
	// call: each must be in the table, with the scope the fake names in
	// its missing_scope answers among those the table accepts.
	for method, fakeScope := range fakeMethods(t) {
		entry, ok := scopeTable[method]
		switch {
		case !ok:
			t.Errorf("the fake serves %s, which the scope table does not list: add its bot scopes from https://docs.slack.dev/reference/methods/%s", method, method)
		case fakeScope == "" && len(entry.need) > 0:
			t.Errorf("the fake says %s needs no scope; the scope table says %v (%s)", method, entry.need, entry.doc)
		case fakeScope != "" && !entry.accepts(fakeScope):
			t.Errorf("the fake says %s needs %s, which the scope table does not accept for it (%s)", method, fakeScope, entry.doc)
		}
	}
}

// accepts reports whether Slack's docs accept scope for the method, in some
// kind of conversation.
func (e methodScopes) accepts(scope string) bool {
	for k, s := range e.need {
		if s == scope || slices.Contains(e.also[k], scope) {
			return true
		}
	}
	return false
}

// reach is a Slack method the code can call, and where.
type reach struct {
	method string
	pos    token.Position
}

// slackFamilies are the first parts of Slack's Web API method names
// (docs.slack.dev/reference/methods): a string literal in the code that
// starts with one and a dot names a method.
var slackFamilies = []string{
	"admin", "api", "apps", "assistant", "auth", "bookmarks", "bots", "calls", "canvases", "chat",
	"conversations", "dialog", "dnd", "emoji", "files", "functions", "lists", "migration", "oauth",
	"openid", "pins", "reactions", "reminders", "rtm", "search", "stars", "team", "tooling",
	"usergroups", "users", "views", "workflows",
}

var methodName = regexp.MustCompile(`^(` + strings.Join(slackFamilies, "|") + `)(\.[a-zA-Z]+)+$`)

// reachableMethods scans the Go sources of activities/chat/slack (tests
// left out) for the Slack methods they can call: string literals naming
// one, and calls of slack-go Client methods through a *slack.Client field.
func reachableMethods(t *testing.T) []reach {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(slackDir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v)", slackDir, err)
	}
	fset := token.NewFileSet()
	var reached []reach
	var apiCalls int
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		slackPkg := ""
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "github.com/slack-go/slack" {
				slackPkg = "slack"
				if imp.Name != nil {
					slackPkg = imp.Name.Name
				}
			}
		}
		clients := clientFields(f, slackPkg)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					break
				}
				if s, err := strconv.Unquote(n.Value); err == nil && methodName.MatchString(s) {
					reached = append(reached, reach{s, fset.Position(n.Pos())})
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					break
				}
				recv, ok := sel.X.(*ast.SelectorExpr)
				if !ok || !clients[recv.Sel.Name] {
					break
				}
				apiCalls++
				pos := fset.Position(n.Pos())
				method, ok := slackGoMethods[sel.Sel.Name]
				if !ok {
					t.Errorf("%s: Baton calls slack-go's (*slack.Client).%s, which slackGoMethods does not map to a Web API method: look it up in slack-go's sources and add it", pos, sel.Sel.Name)
					break
				}
				reached = append(reached, reach{method, pos})
			}
			return true
		})
	}
	if apiCalls == 0 {
		t.Fatalf("found no slack-go Client calls in %s: has the client moved, or its *slack.Client field?", slackDir)
	}
	return reached
}

// clientFields returns the names of struct fields of type *slack.Client in
// f, slack being slackPkg.
func clientFields(f *ast.File, slackPkg string) map[string]bool {
	fields := map[string]bool{}
	if slackPkg == "" {
		return fields
	}
	ast.Inspect(f, func(n ast.Node) bool {
		st, ok := n.(*ast.StructType)
		if !ok {
			return true
		}
		for _, field := range st.Fields.List {
			star, ok := field.Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			sel, ok := star.X.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Client" {
				continue
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == slackPkg {
				for _, name := range field.Names {
					fields[name.Name] = true
				}
			}
		}
		return true
	})
	return fields
}

// fakeMethods reads the methods the fake serves, and the scope each names
// in its missing_scope answers, from its methods table; and its upload URL.
func fakeMethods(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), fakeSlackFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{fakeslack.UploadURLMethod: ""}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "methods" || len(vs.Values) != 1 {
			return true
		}
		table, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok {
			return true
		}
		found = true
		for _, elt := range table.Elts {
			kv, ok := elt.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			name := stringLit(kv.Key)
			scope := ""
			if v, ok := kv.Value.(*ast.CompositeLit); ok && len(v.Elts) > 0 {
				scope = stringLit(v.Elts[0])
			}
			if name == "" {
				t.Errorf("%s: cannot read a method name in the fake's methods table", fakeSlackFile)
				continue
			}
			methods[name] = scope
		}
		return false
	})
	if !found || len(methods) == 1 {
		t.Fatalf("found no methods table in %s", fakeSlackFile)
	}
	return methods
}

func stringLit(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return ""
	}
	s, _ := strconv.Unquote(lit.Value)
	return s
}

// manifest is the part of Slack's app manifest schema (v1,
// github.com/slackapi/manifest-schema) that Baton's uses. It is decoded
// with unknown fields refused, so that a misspelt key fails here rather
// than in Slack.
type manifest struct {
	Metadata struct {
		MajorVersion int `yaml:"major_version"`
		MinorVersion int `yaml:"minor_version"`
	} `yaml:"_metadata"`
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		BackgroundColor string `yaml:"background_color"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome *struct {
			HomeTabEnabled             bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser *struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			CallbackID  string `yaml:"callback_id"`
			Description string `yaml:"description"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		RedirectURLs []string `yaml:"redirect_urls"`
		Scopes       struct {
			Bot  []string `yaml:"bot"`
			User []string `yaml:"user"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity *struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		EventSubscriptions *struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
			UserEvents []string `yaml:"user_events"`
		} `yaml:"event_subscriptions"`
		OrgDeployEnabled     *bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    *bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled *bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

func loadManifest(t *testing.T) manifest {
	t.Helper()
	f, err := os.Open(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var m manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", manifestPath, err)
	}
	return m
}

// placeholderHost is the host the manifest's URLs carry, to be replaced
// with BATON_PUBLIC_URL's.
const placeholderHost = "baton.example.com"

func TestManifestStructure(t *testing.T) {
	m := loadManifest(t)

	if m.Metadata.MajorVersion != 1 || m.Metadata.MinorVersion != 1 {
		t.Errorf("_metadata = %d.%d, want major_version 1, minor_version 1", m.Metadata.MajorVersion, m.Metadata.MinorVersion)
	}
	// Lengths are the schema's limits.
	if n := len(m.DisplayInformation.Name); n < 1 || n > 35 {
		t.Errorf("display_information.name %q: want 1 to 35 characters", m.DisplayInformation.Name)
	}
	if n := len(m.DisplayInformation.Description); n > 140 {
		t.Errorf("display_information.description is %d characters, want at most 140", n)
	}
	if c := m.DisplayInformation.BackgroundColor; c != "" && !regexp.MustCompile(`^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$`).MatchString(c) {
		t.Errorf("display_information.background_color %q is not #rgb or #rrggbb", c)
	}
	if b := m.Features.BotUser; b == nil || b.DisplayName == "" || len(b.DisplayName) > 80 {
		t.Errorf("features.bot_user needs a display_name of 1 to 80 characters: Baton posts as its bot user")
	}
	// Baton reads the replies to its DMs (retrospective notes): people
	// must be able to write in the app's Messages tab.
	if h := m.Features.AppHome; h == nil || !h.MessagesTabEnabled || h.MessagesTabReadOnlyEnabled {
		t.Errorf("features.app_home: want messages_tab_enabled true and messages_tab_read_only_enabled false, so that people can reply to Baton's DMs")
	}

	if n := len(m.Features.SlashCommands); n != 1 {
		t.Fatalf("features.slash_commands has %d commands, want one, /baton", n)
	}
	cmd := m.Features.SlashCommands[0]
	if cmd.Command != "/baton" {
		t.Errorf("slash command %q, want /baton", cmd.Command)
	}
	checkURL(t, "features.slash_commands[0].url", cmd.URL, "/slack/commands")
	if cmd.Description == "" || len(cmd.Description) > 2000 {
		t.Errorf("slash command description %q: want 1 to 2000 characters", cmd.Description)
	}
	if want := "who [team] | page [team] <summary> | ack|resolve|why <incident> | ask [team] <question> | cover | silence | help"; cmd.UsageHint != want {
		t.Errorf("slash command usage_hint = %q, want %q", cmd.UsageHint, want)
	}

	// The one shortcut, on messages, by the callback_id the gateway
	// knows. The schema's limits: a name of 24 characters, a
	// description of 150.
	if n := len(m.Features.Shortcuts); n != 1 {
		t.Fatalf("features.shortcuts has %d shortcuts, want one, Ask on-call", n)
	}
	sc := m.Features.Shortcuts[0]
	if sc.Name != "Ask on-call" || sc.Type != "message" || sc.CallbackID != contract.SupportShortcutCallbackID {
		t.Errorf("shortcut %+v: want Ask on-call, of type message, callback_id %s", sc, contract.SupportShortcutCallbackID)
	}
	if len(sc.Name) > 24 || sc.Description == "" || len(sc.Description) > 150 {
		t.Errorf("shortcut %q: name up to 24 characters, description 1 to 150", sc.Name)
	}

	// The events, to the gateway's endpoint: exactly those it handles.
	es := m.Settings.EventSubscriptions
	if es == nil {
		t.Fatal("settings.event_subscriptions is missing: the support reaction arrives as an event")
	}
	checkURL(t, "settings.event_subscriptions.request_url", es.RequestURL, "/slack/events")
	if len(es.UserEvents) > 0 {
		t.Errorf("settings.event_subscriptions.user_events = %v: Baton acts as its bot only", es.UserEvents)
	}
	if got, want := slices.Sorted(slices.Values(es.BotEvents)), slices.Sorted(maps.Keys(eventScopes)); !slices.Equal(got, want) {
		t.Errorf("bot_events %v, want exactly %v", got, want)
	}
	for ev, e := range eventScopes {
		src, err := os.ReadFile(e.handledIn)
		if err != nil || !strings.Contains(string(src), strconv.Quote(ev)) {
			t.Errorf("%s does not handle the event %s (%v)", e.handledIn, ev, err)
		}
	}

	in := m.Settings.Interactivity
	if in == nil || !in.IsEnabled {
		t.Fatal("settings.interactivity.is_enabled must be true: Baton's messages have buttons")
	}
	checkURL(t, "settings.interactivity.request_url", in.RequestURL, "/slack/interactions")

	for name, v := range map[string]*bool{
		"settings.socket_mode_enabled":    m.Settings.SocketModeEnabled,
		"settings.org_deploy_enabled":     m.Settings.OrgDeployEnabled,
		"settings.token_rotation_enabled": m.Settings.TokenRotationEnabled,
	} {
		if v == nil || *v {
			t.Errorf("%s: want false, given explicitly", name)
		}
	}

	if len(m.OAuthConfig.Scopes.User) > 0 {
		t.Errorf("oauth_config.scopes.user = %v: Baton acts as its bot only", m.OAuthConfig.Scopes.User)
	}
	if !slices.Contains(m.OAuthConfig.Scopes.Bot, slashCommandScope) {
		t.Errorf("oauth_config.scopes.bot lacks %s, which the slash command needs", slashCommandScope)
	}

	// The comments tell the reader what to replace the placeholder with.
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BATON_PUBLIC_URL", "SLACK_APP_TOKEN"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("%s does not mention %s in its comments", manifestPath, want)
		}
	}
}

// checkURL checks one of the request URLs: https, on the placeholder host,
// at the gateway's path.
func checkURL(t *testing.T, field, raw, path string) {
	t.Helper()
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		t.Errorf("%s %q: %v", field, raw, err)
	case u.Scheme != "https":
		t.Errorf("%s %q: want https (Slack sends to public URLs only)", field, raw)
	case u.Host != placeholderHost:
		t.Errorf("%s %q: want the placeholder host %s, which the comments say to replace with BATON_PUBLIC_URL's", field, raw, placeholderHost)
	case !strings.HasSuffix(u.Path, path):
		t.Errorf("%s %q: want a path ending in %s, where the gateway takes it", field, raw, path)
	}
}
