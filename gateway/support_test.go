package gateway

// Tests of the shortcut "Ask on-call", /baton ask and the request's Take
// and Done (support.go), over the helpers of handlers_test.go and
// events_test.go.

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/workflows"
)

// askFixture is evGateway with a response server.
type askFixture struct {
	*htSlackFixture
	c *mocks.Client
	g *Gateway
}

func newAsk(t *testing.T) *askFixture {
	f := &askFixture{htSlackFixture: newHTSlackFixture(t), c: &mocks.Client{}}
	f.g = evGateway(t, f.c, htSecret)
	f.g.opts.HTTPClient = &http.Client{Transport: f.outbound}
	f.g.opts.ResponseURLPrefixes = []string{f.server.URL + "/"}
	return f
}

// shortcut serves a use of a shortcut.
func (f *askFixture) shortcut(t *testing.T, s fakeslack.Shortcut) *http.Request {
	s.ResponseURL = f.responseURL()
	return htSlackRequest(htSecret, evNow, fakeslack.InteractionForm(fakeslack.MessageAction(s)))
}

// opens expects the request id to be started with in's Request.
func (f *askFixture) opens(t *testing.T, id string, want support.Request) {
	f.c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool { return o.ID == id }),
		contract.SupportWorkflowName, mock.MatchedBy(func(in workflows.SupportInput) bool {
			if !reflect.DeepEqual(in.Request, want) {
				t.Logf("SupportInput.Request %+v, want %+v", in.Request, want)
				return false
			}
			return !in.Read
		})).Return(&mocks.WorkflowRun{}, nil).Once()
}

func TestSupportShortcutAsksTheChannelsTeam(t *testing.T) {
	asked := fakeslack.Shortcut{CallbackID: contract.SupportShortcutCallbackID, User: "U0BOB", Channel: "C0HELP", ChannelName: "data-help",
		TS: evTS, ThreadTS: "1796630000.000001", Author: "U0ASKER", Text: "is &lt;orders&gt; late? cc <@U0CAROL>"}

	f := newAsk(t)
	f.opens(t, contract.SupportMessageID("data", "C0HELP", evTS), support.Request{
		Channel: "C0HELP", TS: evTS, ThreadTS: "1796630000.000001", Asker: "U0ASKER", OpenedBy: "U0BOB", Via: support.ViaShortcut,
		Text: "is <orders> late? cc @U0CAROL",
	})
	if rec := htServe(t, f.g, f.shortcut(t, asked)); rec.Code != http.StatusOK {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if r := scReply(t, f.htSlackFixture); !strings.HasPrefix(r.Text, "Asked data's person on call") {
		t.Errorf("reply %q", r.Text)
	}
	f.c.AssertExpectations(t)

	// In a team's channel (platform's, by ID), on a message of its own
	// thread.
	f = newAsk(t)
	inPlat := asked
	inPlat.Channel, inPlat.ChannelName, inPlat.ThreadTS = "C0PLAT", "platform", ""
	f.opens(t, contract.SupportMessageID("platform", "C0PLAT", evTS), support.Request{
		Channel: "C0PLAT", TS: evTS, ThreadTS: evTS, Asker: "U0ASKER", OpenedBy: "U0BOB", Via: support.ViaShortcut,
		Text: "is <orders> late? cc @U0CAROL",
	})
	htServe(t, f.g, f.shortcut(t, inPlat))
	scReply(t, f.htSlackFixture)
	f.c.AssertExpectations(t)

	for name, c := range map[string]struct {
		edit func(*fakeslack.Shortcut)
		want string
	}{
		"in no team's channel":   {func(s *fakeslack.Shortcut) { s.Channel, s.ChannelName = "C0GENERAL", "general" }, "This channel is no team's channel or support channel"},
		"on a bot's message":     {nil, "That is a bot's message"},
		"from another workspace": {func(s *fakeslack.Shortcut) { s.TeamID = "T0OTHER" }, "only from its own Slack workspace"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newAsk(t)
			s := asked
			if c.edit != nil {
				c.edit(&s)
			}
			body := fakeslack.MessageAction(s)
			if name == "on a bot's message" {
				body = htEdit(t, body, func(m map[string]any) { m["message"].(map[string]any)["bot_id"] = "B0OTHER" })
			}
			s.ResponseURL = f.responseURL()
			body = htEdit(t, body, func(m map[string]any) { m["response_url"] = f.responseURL() })
			if rec := htServe(t, f.g, htSlackRequest(htSecret, evNow, fakeslack.InteractionForm(body))); rec.Code != http.StatusOK {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			if r := scReply(t, f.htSlackFixture); !strings.Contains(r.Text, c.want) {
				t.Errorf("reply %q, want %q", r.Text, c.want)
			}
			f.c.AssertExpectations(t)
			if len(f.c.Calls) != 0 {
				t.Errorf("Temporal was called: %v", f.c.Calls)
			}
		})
	}

	// Another app's shortcut is no use of Baton's: a 400.
	f = newAsk(t)
	other := asked
	other.CallbackID = "someone.else"
	if rec := htServe(t, f.g, f.shortcut(t, other)); rec.Code != http.StatusBadRequest || !strings.Contains(htErrorBody(t, rec), "callback_id someone.else") {
		t.Errorf("another shortcut: %d %s", rec.Code, rec.Body)
	}
	htNoCalls(t, f.c)
}

func TestSupportAskCommandOpensARequestItPosts(t *testing.T) {
	f := newAsk(t)
	f.c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		id, err := contract.ParseSupportID(o.ID)
		return err == nil && id.Team == "data" && strings.HasPrefix(id.Ask, "ask-20261203t100000-")
	}), contract.SupportWorkflowName, mock.MatchedBy(func(in workflows.SupportInput) bool {
		r := in.Request
		return r.Via == support.ViaAsk && r.Asker == "U0BOB" && r.Text == "is the orders table <late>?" && r.Channel == ""
	})).Return(&mocks.WorkflowRun{}, nil).Once()
	m := scAnswer(t, htServe(t, f.g, scRequest(htSecret, evNow, scForm("ask is the orders table &lt;late&gt;?", f.responseURL(), func(v url.Values) {
		v.Set("user_id", "U0BOB")
		v.Set("channel_id", "C0HELP")
		v.Set("channel_name", "data-help")
		v.Set("team_id", fakeslack.TeamID)
	}))))
	if !strings.Contains(m.Text, "Asked data's person on call: your request goes in <#C0HELP>") {
		t.Errorf("answer %q", m.Text)
	}
	f.c.AssertExpectations(t)

	f = newAsk(t)
	for text, want := range map[string]string{"ask": "say what you ask", "ask platform": "say what you ask"} {
		m := scAnswer(t, htServe(t, f.g, scRequest(htSecret, evNow, scForm(text, f.responseURL(), func(v url.Values) { v.Set("team_id", fakeslack.TeamID) }))))
		if !strings.Contains(m.Text, want) {
			t.Errorf("%q: %q", text, m.Text)
		}
	}
	htNoCalls(t, f.c)
}

func TestSupportTakeAndDoneAreForPeopleOfTheTeam(t *testing.T) {
	id := contract.SupportMessageID("data", "C0HELP", evTS)
	press := func(f *askFixture, action, user string) {
		htServe(t, f.g, htSlackRequest(htSecret, evNow, azPress(t, action, id, f.responseURL(), user, fakeslack.TeamID)))
	}

	f := newAsk(t)
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.SupportActResult) = workflows.SupportActResult{Message: "Taken: the request is yours."}
	}).Return(nil).Once()
	f.c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == id && o.UpdateName == contract.SupportActUpdate &&
			reflect.DeepEqual(o.Args, []any{workflows.SupportAction{Action: support.ActTake, By: "alice", ByChat: "U0ALICE", Via: "slack"}})
	})).Return(h, nil).Once()
	press(f, contract.SupportTakeAction, "U0ALICE")
	if r := scReply(t, f.htSlackFixture); r.Text != "Taken: the request is yours." {
		t.Errorf("reply %q", r.Text)
	}
	f.c.AssertExpectations(t)

	// dana is platform's: she may not answer data's request.
	f = newAsk(t)
	press(f, contract.SupportDoneAction, "U0DANA")
	if r := scReply(t, f.htSlackFixture); !strings.HasPrefix(r.Text, "Only people of team data may take and close its support requests") {
		t.Errorf("reply %q", r.Text)
	}
	if len(f.c.Calls) != 0 {
		t.Errorf("Temporal was called: %v", f.c.Calls)
	}

	// A button naming no request is a 400.
	f = newAsk(t)
	rec := htServe(t, f.g, htSlackRequest(htSecret, evNow, azPress(t, contract.SupportTakeAction, "support:data:nope", f.responseURL(), "U0ALICE", fakeslack.TeamID)))
	if rec.Code != http.StatusBadRequest || !strings.Contains(htErrorBody(t, rec), "names no support request") {
		t.Errorf("a bad value: %d %s", rec.Code, rec.Body)
	}
}
