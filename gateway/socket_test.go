package gateway

// Tests of Socket Mode (socket.go): the gateway's SocketEnvelope, on the
// connection activities/chat/slack opens, against the
// fake Slack's Socket Mode (internal/fakeslack), which speaks Slack's
// protocol over a real WebSocket, with a *mocks.Client standing in for
// Temporal as in handlers_test.go, whose helpers these share.
//
// Identifiers here start with "sm" so that they cannot collide with the
// package's other test files.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/activities/chat/slack"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/workflows"
)

// smAppToken is the app-level token the tests' fake Slack accepts.
const smAppToken = "xapp-1-A0BATONAPP-1-s3cret-app-token"

// smLogs is the gateway's log, as text, attributes included.
type smLogs struct{ texttest.Log }

// waitFor waits until the log says want n times.
func (l *smLogs) waitFor(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(l.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not say %q %d times:\n%s", want, n, l)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// smFixture is a fake Slack with Socket Mode on, and a gateway connected
// to it.
type smFixture struct {
	slack *fakeslack.Server
	g     *Gateway
	logs  *smLogs
}

// smStart starts a gateway with the tests' teams and clock, taking
// Socket Mode from a fake Slack, and waits until it is connected. The
// gateway stops when the test ends, before the fake does.
func smStart(t *testing.T, c client.Client, edits ...func(*Options)) *smFixture {
	t.Helper()
	f := &smFixture{slack: fakeslack.New(t), logs: &smLogs{}}
	f.slack.EnableSocketMode(smAppToken)
	opts := Options{
		Temporal:            c,
		Teams:               scTeams(t),
		Now:                 func() time.Time { return scNow },
		ResponseURLPrefixes: []string{f.slack.ResponseURL("")},
		Logger:              slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, edit := range edits {
		edit(&opts)
	}
	f.g = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sm := slack.SocketMode{AppToken: smAppToken, BotToken: fakeslack.Token, APIURL: f.slack.URL(), Logger: f.g.opts.Logger}
	go func() { done <- slack.RunSocketMode(ctx, sm, f.g.SocketEnvelope) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunSocketMode: %v, want nil once stopped", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("RunSocketMode did not return within 5 s of its context's end")
		}
		if strings.Contains(f.logs.String(), smAppToken) || strings.Contains(f.logs.String(), fakeslack.Token) {
			t.Errorf("the log gives a token away:\n%s", f.logs)
		}
	})
	if !f.slack.WaitSocketConnections(1, 5*time.Second) {
		t.Fatalf("the gateway did not connect over Socket Mode within 5 s; log:\n%s", f.logs)
	}
	return f
}

// smAck waits for an envelope's acknowledgement for as long as Slack does,
// and checks that it names the envelope.
func smAck(t *testing.T, f *smFixture, id string, ack <-chan fakeslack.Ack) fakeslack.Ack {
	t.Helper()
	select {
	case a, ok := <-ack:
		if !ok {
			t.Fatalf("envelope %s could not be delivered", id)
		}
		if a.EnvelopeID != id {
			t.Fatalf("ack of %q, want %q", a.EnvelopeID, id)
		}
		if a.After >= fakeslack.SocketAckWithin {
			t.Errorf("envelope %s acknowledged after %s; Slack waits %s", id, a.After, fakeslack.SocketAckWithin)
		}
		return a
	case <-time.After(fakeslack.SocketAckWithin):
		t.Fatalf("envelope %s not acknowledged within %s; acks: %+v; log:\n%s", id, fakeslack.SocketAckWithin, f.slack.Acks(), f.logs)
		panic("unreachable")
	}
}

// smResponses waits until n messages have been posted to response URLs.
func smResponses(t *testing.T, f *smFixture, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := f.slack.Responses()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d replies on response_url, want %d; log:\n%s", len(got), n, f.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// smPress is the JSON payload of a press by U0ALICE, as a Socket Mode
// envelope carries it: the payload field of the form Slack POSTs.
func smPress(t *testing.T, actionID, value, responseURL string) []byte {
	t.Helper()
	form, err := url.ParseQuery(string(azPress(t, actionID, value, responseURL, "U0ALICE", "T0TEAM")))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(form.Get("payload"))
}

// smCommand is the form of a /baton command (scForm's), as fields.
func smCommand(t *testing.T, text, responseURL string) url.Values {
	t.Helper()
	form, err := url.ParseQuery(string(scForm(text, responseURL)))
	if err != nil {
		t.Fatal(err)
	}
	return form
}

// A press over Socket Mode is acknowledged at once with its envelope_id,
// then acted on as over HTTP, and the outcome goes to the presser through
// response_url.
func TestSocketModePressActs(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "x")
	release := make(chan struct{})
	gotUpdate := make(chan client.UpdateWorkflowOptions, 1)
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.ActionResult) = workflows.ActionResult{State: "acknowledged", Message: "Acknowledged by <@U0ALICE> via slack"}
	}).Return(nil).Once()
	c := &mocks.Client{}
	c.On("UpdateWorkflow", htCtxWithDeadline(), mock.Anything).Run(func(args mock.Arguments) {
		// Held until the press has been acknowledged: if the gateway
		// waited for the update, the ack would miss Slack's 3 seconds.
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		gotUpdate <- args.Get(1).(client.UpdateWorkflowOptions)
	}).Return(h, nil).Once()

	f := smStart(t, c)
	envelope, ack := f.slack.PushInteraction(smPress(t, "incident.ack", id, f.slack.ResponseURL("actions/1")))
	a := smAck(t, f, envelope, ack)
	close(release)
	if a.Payload != nil {
		t.Errorf("a press is acknowledged without a payload; got %s", a.Payload)
	}

	opts := htWait(t, gotUpdate, "UpdateWorkflow")
	if opts.WorkflowID != id || opts.UpdateName != "incident.action" {
		t.Errorf("UpdateWorkflow on %q, update %q; want %q, incident.action", opts.WorkflowID, opts.UpdateName, id)
	}
	wantReq := workflows.FromChat(workflows.ActionAck, "U0ALICE", "alice")
	if len(opts.Args) != 1 || !reflect.DeepEqual(opts.Args[0], wantReq) {
		t.Errorf("UpdateWorkflow args %#v, want [%#v]", opts.Args, wantReq)
	}

	replies := smResponses(t, f, 1)
	want := map[string]any{"response_type": "ephemeral", "replace_original": false, "text": "Acknowledged by <@U0ALICE> via slack"}
	if len(replies) != 1 || !reflect.DeepEqual(replies[0], want) {
		t.Errorf("replies %v, want [%v]", replies, want)
	}
	if acks := f.slack.Acks(); len(acks) != 1 {
		t.Errorf("acks %+v, want the press's alone", acks)
	}
	c.AssertExpectations(t)
	h.AssertExpectations(t)
}

// Over Socket Mode as over HTTP, a stranger's press and /baton resolve are
// refused, say why, and reach no incident; so is a press from another
// workspace.
func TestSocketModeStrangersAreRefused(t *testing.T) {
	c := &mocks.Client{} // no expectations: any Temporal call panics
	f := smStart(t, c)
	f.g.opts.Workspace = func() (Workspace, bool) { return azOwn, true }
	id := contract.IncidentWorkflowID("data", "x")
	form, err := url.ParseQuery(string(azPress(t, "incident.resolve", id, f.slack.ResponseURL("actions/9"), "U0MALLORY", "T0TEAM")))
	if err != nil {
		t.Fatal(err)
	}
	envelope, ack := f.slack.PushInteraction([]byte(form.Get("payload")))
	smAck(t, f, envelope, ack)
	replies := smResponses(t, f, 1)
	if text, _ := replies[0]["text"].(string); !strings.HasPrefix(text, "Only people of team data may act on its incidents") {
		t.Errorf("reply %q", text)
	}

	cmd := smCommand(t, "resolve "+id, f.slack.ResponseURL("commands/9"))
	cmd.Set("user_id", "U0MALLORY")
	envelope, ack = f.slack.PushSlashCommand(cmd)
	var m scMessage
	if a := smAck(t, f, envelope, ack); json.Unmarshal(a.Payload, &m) != nil || !strings.HasPrefix(m.Text, "Only people of team data may act on its incidents") {
		t.Errorf("ack payload %s", a.Payload)
	}

	form, err = url.ParseQuery(string(azPress(t, "incident.ack", id, f.slack.ResponseURL("actions/10"), "U0ALICE", "T0OTHER")))
	if err != nil {
		t.Fatal(err)
	}
	envelope, ack = f.slack.PushInteraction([]byte(form.Get("payload")))
	smAck(t, f, envelope, ack)
	if replies := smResponses(t, f, 2); replies[1]["text"] != refusedOtherWorkspace {
		t.Errorf("reply %v, want %q", replies[1]["text"], refusedOtherWorkspace)
	}
	htNoCalls(t, c)
}

// /baton help over Socket Mode is answered in the acknowledgement, with
// the message the HTTP endpoint answers.
func TestSocketModeSlashCommandHelp(t *testing.T) {
	c := &mocks.Client{}
	f := smStart(t, c)
	form := smCommand(t, "help", f.slack.ResponseURL("commands/1"))
	envelope, ack := f.slack.PushSlashCommand(form)
	a := smAck(t, f, envelope, ack)

	var m scMessage
	if err := json.Unmarshal(a.Payload, &m); err != nil {
		t.Fatalf("ack payload %s: %v", a.Payload, err)
	}
	if m.ResponseType != "ephemeral" {
		t.Errorf("response_type %q, want ephemeral", m.ResponseType)
	}
	for _, want := range []string{"`/baton who [team]`", "`/baton page [team] <summary>`", "`/baton ack <incident>`", "Teams: data, platform."} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("usage %q lacks %q", m.Text, want)
		}
	}

	// The same command over HTTP gets the same message.
	f.g.opts.SlackSigningSecret = htSecret
	rec := htServe(t, f.g, scRequest(htSecret, scNow, []byte(form.Encode())))
	var overHTTP, overSocket any
	if err := json.Unmarshal(rec.Body.Bytes(), &overHTTP); err != nil {
		t.Fatalf("HTTP answer %s: %v", rec.Body, err)
	}
	_ = json.Unmarshal(a.Payload, &overSocket)
	if !reflect.DeepEqual(overHTTP, overSocket) {
		t.Errorf("over Socket Mode %s\nover HTTP %s", a.Payload, rec.Body)
	}

	if got := f.slack.Responses(); len(got) != 0 {
		t.Errorf("response_url got %v; the answer was in the ack", got)
	}
	htNoCalls(t, c)
}

// A command whose work takes longer than Slack waits is acknowledged
// "Working on it" in time, and its answer follows through response_url.
func TestSocketModeSlowCommandAnswersLater(t *testing.T) {
	c := &mocks.Client{}
	id, hold, h := scSlowAck(t, c)
	f := smStart(t, c)
	envelope, ack := f.slack.PushSlashCommand(smCommand(t, "ack "+id, f.slack.ResponseURL("commands/2")))
	a := smAck(t, f, envelope, ack)
	var m scMessage
	if err := json.Unmarshal(a.Payload, &m); err != nil || !strings.HasPrefix(m.Text, "Working on it") {
		t.Errorf("ack payload %s (%v), want Working on it", a.Payload, err)
	}
	close(hold)
	replies := smResponses(t, f, 1)
	if replies[0]["text"] != "Acknowledged by <@U0ALICE> via slack" || replies[0]["replace_original"] != false {
		t.Errorf("reply %v, want the outcome as a new message", replies[0])
	}
	c.AssertExpectations(t)
	h.AssertExpectations(t)
}

// Envelopes Baton does not act on are acknowledged, so that Slack does
// not deliver them again, and change nothing.
func TestSocketModeOtherEnvelopesAreAcknowledged(t *testing.T) {
	c := &mocks.Client{} // no expectations: any Temporal call panics
	f := smStart(t, c)
	for _, tc := range []struct {
		name, typ string
		payload   []byte
		accepts   bool
	}{
		{"a type Slack may add", "future_thing", []byte(`{"what": "ever", "incident": "incident-data-x"}`), true},
		{"events_api", "events_api", []byte(`{"type": "event_callback", "team_id": "T0FAKETEAM", "api_app_id": "A0BATONAPP",
			"event": {"type": "app_mention", "user": "U123", "text": "<@U0BATONBOT> ack incident-data-x", "channel": "C0DATA", "ts": "1772431213.000300"},
			"event_id": "Ev0000000001", "event_time": 1772431213}`), false},
		{"view_submission", "interactive", []byte(`{"type": "view_submission", "user": {"id": "U123"}, "view": {"id": "V1"}}`), false},
		{"not Baton's button", "interactive", smPress(t, "handover.ack", "incident-data-x", f.slack.ResponseURL("actions/2")), false},
		{"a press naming no incident", "interactive", smPress(t, "incident.ack", "handover-data-x", f.slack.ResponseURL("actions/3")), false},
		{"an interaction that is not JSON slack-go reads", "interactive", []byte(`{"type": "block_actions", "actions": "none"}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envelope, ack := f.slack.PushEnvelope(tc.typ, tc.payload, tc.accepts)
			if a := smAck(t, f, envelope, ack); a.Payload != nil {
				t.Errorf("ack payload %s, want none", a.Payload)
			}
		})
	}
	// The help command after them is answered: the connection is well.
	envelope, ack := f.slack.PushSlashCommand(smCommand(t, "help", f.slack.ResponseURL("commands/3")))
	if a := smAck(t, f, envelope, ack); !bytes.Contains(a.Payload, []byte("/baton who")) {
		t.Errorf("help after them: ack payload %s", a.Payload)
	}
	time.Sleep(100 * time.Millisecond) // for anything wrongly started to show
	if got := f.slack.Responses(); len(got) != 0 {
		t.Errorf("response_url got %v", got)
	}
	if acks := f.slack.Acks(); len(acks) != 7 {
		t.Errorf("%d acks, want one per envelope (7): %+v", len(acks), acks)
	}
	htNoCalls(t, c)
}

// When Slack asks for a fresh connection, the gateway reconnects, says so
// in its log, and envelopes arrive over the new connection.
func TestSocketModeReconnects(t *testing.T) {
	f := smStart(t, &mocks.Client{})
	f.logs.waitFor(t, "Slack Socket Mode connected", 1)
	f.slack.DisconnectSocket("refresh_requested")
	if !f.slack.WaitSocketConnections(2, 5*time.Second) {
		t.Fatalf("no second connection; log:\n%s", f.logs)
	}
	f.logs.waitFor(t, "Slack Socket Mode disconnected; reconnecting", 1)
	f.logs.waitFor(t, "Slack Socket Mode connected", 2)
	deadline := time.Now().Add(5 * time.Second)
	for f.slack.SocketConnections() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the old connection closing
	}
	envelope, ack := f.slack.PushSlashCommand(smCommand(t, "help", f.slack.ResponseURL("commands/4")))
	if a := smAck(t, f, envelope, ack); !bytes.Contains(a.Payload, []byte("/baton who")) {
		t.Errorf("after reconnecting: ack payload %s", a.Payload)
	}
	if calls := f.slack.Calls("apps.connections.open"); len(calls) != 2 {
		t.Errorf("apps.connections.open called %d times, want 2 (a URL serves one connection)", len(calls))
	}
}

// An events_api envelope is handled as /slack/events handles its event:
// the support reaction opens the message's request, and the envelope is
// acknowledged; when Temporal does not take it, it is left
// unacknowledged, so that Slack delivers it again.
func TestSocketModeEventOpensASupportRequest(t *testing.T) {
	c := &mocks.Client{}
	evOpens(t, c, "data", "C0HELP", evTS, nil, 1)
	evOpens(t, c, "data", "C0HELP", "1796630400.000999", serviceerror.NewUnavailable("down"), 1)
	f := smStart(t, c, func(o *Options) {
		o.Teams = evGateway(t, nil, htSecret).opts.Teams
		o.Workspace = func() (Workspace, bool) { return evOwn, true }
	})
	envelope, ack := f.slack.PushEnvelope("events_api", evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", evTS)), false)
	smAck(t, f, envelope, ack)
	f.logs.waitFor(t, "outcome=\"opened support:data:C0HELP:"+evTS, 1)

	envelope, ack = f.slack.PushEnvelope("events_api", evBody(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ASKER", "C0HELP", "1796630400.000999")), false)
	f.logs.waitFor(t, "left unacknowledged, Slack delivers it again", 1)
	select {
	case a := <-ack:
		t.Errorf("envelope %s acknowledged (%+v) though Temporal did not take its event", envelope, a)
	case <-time.After(200 * time.Millisecond):
	}
	c.AssertExpectations(t)
}
