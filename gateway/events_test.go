package gateway

// Tests of the Events API endpoint (events.go) and of the support
// requests it and the shortcut open (support.go), over the helpers of
// handlers_test.go, with a *mocks.Client standing in for Temporal: a
// request that should reach nothing panics it.
//
// Identifiers here start with "ev" so that they cannot collide with the
// package's other test files.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// evTeamsYAML: data asks in C0HELP (by ID) with the default reaction;
// platform in #plat-help (by name, which chat says is C0PLATHELP) with
// :sos:.
const evTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: "#data-team", user_group: data-oncall, support_channel: C0HELP}
    pager:
      rotation: {members: [alice], shift: 1w, start: "2026-11-02T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, email: alice@example.com, slack_id: U0ALICE}
  - name: platform
    timezone: America/New_York
    slack: {channel: C0PLAT, user_group: S0PLAT, support_channel: "#plat-help"}
    pager: {opsgenie_schedule: platform_schedule}
    handover: {weekday: friday, time: "16:00"}
    support: {reaction: sos}
    people:
      - {id: dana, email: dana@example.com, slack_id: U0DANA}
`

var evNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// evOwn is Baton's workspace in these tests, with its bot user.
var evOwn = Workspace{TeamID: fakeslack.TeamID, BotUserID: "U0BATONBOT"}

// evGateway is a gateway with the events tests' teams, knowing its
// workspace, whose chat says #plat-help is C0PLATHELP.
func evGateway(t *testing.T, c client.Client, secret string) *Gateway {
	f, err := team.Parse([]byte(evTeamsYAML))
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{
		Temporal: c, Teams: f, SlackSigningSecret: secret,
		Now:       func() time.Time { return evNow },
		Logger:    slog.New(slog.DiscardHandler),
		Workspace: func() (Workspace, bool) { return evOwn, true },
		ChannelID: func(_ context.Context, ch string) (string, error) {
			if ch == "#plat-help" {
				return "C0PLATHELP", nil
			}
			return "", errors.New("no channel " + ch)
		},
	})
}

// evBody is an event_callback of Baton's workspace wrapping event.
func evBody(event map[string]any) []byte {
	return fakeslack.NewEvents("", "").EventCallback(event)
}

// evRequest is a POST /slack/events of body signed at evNow.
func evRequest(body []byte, header ...string) *http.Request {
	req := htSigned("/slack/events", htSecret, evNow, body)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

const evTS = "1796630400.000100"

func TestEventURLVerificationAnswersTheChallenge(t *testing.T) {
	c := &mocks.Client{}
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	rec := htServe(t, evGateway(t, c, htSecret), evRequest(body))
	var got struct{ Challenge string }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification answered %d %s", rec.Code, rec.Body)
	}
	htNoCalls(t, c)
}

// An event Slack did not provably send, or sent too long ago, is refused
// before anything reads it, and reaches nothing.
func TestEventUnsignedStaleOrForgedReachesNothing(t *testing.T) {
	valid := evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", evTS))
	other := evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", "1796630400.000999"))
	htRefuses(t, htSignatureRefusals("/slack/events", evNow, valid, other), evGateway)
}

func TestEventMalformedBodyIsA400SayingWhatIsWrong(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"not JSON":                        {`ticket!`, "invalid JSON"},
		"empty":                           {``, "the body is empty"},
		"no type":                         {`{"challenge":"x"}`, `field "type" is missing`},
		"url_verification, no challenge":  {`{"type":"url_verification"}`, `without field "challenge"`},
		"event_callback without an event": {`{"type":"event_callback","team_id":"T0BATON"}`, `without field "event"`},
		"an event without a type":         {`{"type":"event_callback","event":{"user":"U1"}}`, `"event.type" is missing`},
		"a reaction on nothing":           {`{"type":"event_callback","event":{"type":"reaction_added","user":"U1","reaction":"ticket"}}`, `"event.item.type"`},
		"a reaction on a message without its ts": {`{"type":"event_callback","event":{"type":"reaction_added","user":"U1","reaction":"ticket","item":{"type":"message","channel":"C0HELP"}}}`,
			`"event.item.channel" and "event.item.ts"`},
	} {
		t.Run(name, func(t *testing.T) {
			mc := &mocks.Client{}
			rec := htServe(t, evGateway(t, mc, htSecret), evRequest([]byte(c.body)))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; %s", rec.Code, rec.Body)
			}
			if msg := htErrorBody(t, rec); !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not say %q", msg, c.want)
			}
			htNoCalls(t, mc)
		})
	}
}

// A reaction of another emoji, outside the support channel, on Baton's
// own post or a file, another event, or one from another workspace, opens
// nothing, and is answered 200 so that Slack does not deliver it again.
func TestEventThatIsNoSupportReactionOpensNothing(t *testing.T) {
	fromElsewhere := evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", evTS))
	var m map[string]any
	_ = json.Unmarshal(fromElsewhere, &m)
	m["team_id"] = "T0OTHER"
	fromElsewhere, _ = json.Marshal(m)
	file := fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", evTS)
	file["item"] = map[string]any{"type": "file", "file": "F0123"}
	for name, body := range map[string][]byte{
		"another emoji":                       evBody(fakeslack.ReactionAdded("U0BOB", "eyes", "U0ASKER", "C0HELP", evTS)),
		"the reaction outside support":        evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0GENERAL", evTS)),
		"the team's channel, not its support": evBody(fakeslack.ReactionAdded("U0BOB", "sos", "U0ASKER", "C0PLAT", evTS)),
		"another team's reaction":             evBody(fakeslack.ReactionAdded("U0BOB", "sos", "U0ASKER", "C0HELP", evTS)),
		"on Baton's own post":                 evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0BATONBOT", "C0HELP", evTS)),
		"on a file":                           evBody(file),
		"another event":                       evBody(map[string]any{"type": "member_joined_channel", "user": "U0BOB", "channel": "C0HELP"}),
		"from another workspace":              fromElsewhere,
		"app_rate_limited":                    []byte(`{"token":"x","type":"app_rate_limited","team_id":"T0BATON","minute_rate_limited":1518467820,"api_app_id":"A0BATONAPP"}`),
	} {
		t.Run(name, func(t *testing.T) {
			c := &mocks.Client{}
			rec := htServe(t, evGateway(t, c, htSecret), evRequest(body))
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ignored") {
				t.Fatalf("status %d %s, want 200 and ignored", rec.Code, rec.Body)
			}
			htNoCalls(t, c)
		})
	}
}

// evOpens expects the request of (team, channel, ts) to be started as
// one per message, with what the reaction says, times times; err is
// Temporal's answer.
func evOpens(t *testing.T, c *mocks.Client, teamName, channel, ts string, err error, times int) {
	id := contract.SupportMessageID(teamName, channel, ts)
	call := c.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == id && o.TaskQueue == contract.TaskQueue &&
			o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE && o.WorkflowExecutionErrorWhenAlreadyStarted
	}), contract.SupportWorkflowName, mock.MatchedBy(func(in workflows.SupportInput) bool {
		r := in.Request
		return in.Team.Name == teamName && in.Read && r.Channel == channel && r.TS == ts && r.Asker == "U0ASKER" && r.OpenedBy == "U0BOB" && r.Via == support.ViaReaction
	}))
	if err != nil {
		call.Return(nil, err)
	} else {
		call.Return(&mocks.WorkflowRun{}, nil)
	}
	call.Times(times)
}

// The support reaction on a message of the support channel opens its
// request; Slack delivering it again opens the same, by its ID, and
// Temporal started with the policy that takes the running one; a channel
// the team file names by #name is told by chat.
func TestEventSupportReactionOpensTheMessagesRequest(t *testing.T) {
	c := &mocks.Client{}
	g := evGateway(t, c, htSecret)
	evOpens(t, c, "data", "C0HELP", evTS, nil, 2)
	body := evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", evTS))
	for _, req := range []*http.Request{evRequest(body), evRequest(body, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout")} {
		rec := htServe(t, g, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "opened support:data:C0HELP:"+evTS) {
			t.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
	c.AssertExpectations(t)

	c = &mocks.Client{}
	evOpens(t, c, "platform", "C0PLATHELP", evTS, nil, 1)
	rec := htServe(t, evGateway(t, c, htSecret), evRequest(evBody(fakeslack.ReactionAdded("U0BOB", "sos::skin-tone-3", "U0ASKER", "C0PLATHELP", evTS))))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	c.AssertExpectations(t)

	// A request done already is not opened again: 200, nothing to retry.
	c = &mocks.Client{}
	evOpens(t, c, "data", "C0HELP", evTS, serviceerror.NewWorkflowExecutionAlreadyStarted("done", "", ""), 1)
	if rec := htServe(t, evGateway(t, c, htSecret), evRequest(body)); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "asked before") {
		t.Fatalf("a done request: %d %s", rec.Code, rec.Body)
	}

	// Temporal down: a 503, so that Slack delivers the event again.
	c = &mocks.Client{}
	evOpens(t, c, "data", "C0HELP", evTS, serviceerror.NewUnavailable("down"), 1)
	if rec := htServe(t, evGateway(t, c, htSecret), evRequest(body)); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("Temporal down: %d %s, want 503", rec.Code, rec.Body)
	}

	// Before Baton knows its workspace: a 503 too, to be delivered later.
	c = &mocks.Client{}
	g = evGateway(t, c, htSecret)
	g.opts.Workspace = func() (Workspace, bool) { return Workspace{}, false }
	if rec := htServe(t, g, evRequest(body)); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("workspace unknown: %d %s, want 503", rec.Code, rec.Body)
	}
	htNoCalls(t, c)
}
