package gateway

// Tests of the /baton slash command (commands.go) and of its severity
// buttons' presses (the baton.page branch of interactions.go), served with
// httptest against a *mocks.Client, with the helpers of handlers_test.go.
// The requests carry the form fields Slack documents for slash commands:
// https://api.slack.com/interactivity/slash-commands#app_command_handling
//
// Identifiers here start with "sc" so that they cannot collide with the
// package's other test files.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// scTeamsYAML: data rotates alice and bob weekly from Monday 2 November
// 2026 and writes its channel by name; platform's pager is Opsgenie (a
// func in the tests) and its channel an ID.
const scTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: "#data-team", user_group: data-oncall}
    pager:
      rotation: {members: [alice, bob], shift: 1w, start: "2026-11-02T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, name: Alice Adler, email: alice@example.com, slack_id: U0ALICE}
      - {id: bob, name: Bob Berg, email: bob@example.com}
  - name: platform
    timezone: America/New_York
    slack: {channel: C0PLAT, user_group: S0PLAT}
    pager: {opsgenie_schedule: platform_schedule}
    handover: {weekday: friday, time: "16:00"}
    incidents: {page_severities: [critical]}
    people:
      - {id: dana, email: dana@example.com, slack_id: U0DANA}
`

// scNow is Thursday 3 December 2026, 11:00 in Berlin: alice's week, until
// bob takes over on Monday 7 December at 09:00.
var scNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// scDocumentedExample is the example body of Slack's slash command docs,
// line breaks removed.
const scDocumentedExample = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001" +
	"&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697" +
	"&user_name=Steve&command=/weather&text=94070&response_url=https://hooks.slack.com/commands/1234/5678" +
	"&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456"

// scForm is a /baton command typed by U0ALICE in #data-team with text,
// with every field Slack sends; responseURL is the test server's.
func scForm(text, responseURL string, edit ...func(url.Values)) []byte {
	v := url.Values{
		"token":        {"gIkuvaNzQIHg97ATvDxqgjtO"}, // deprecated; Baton ignores it
		"team_id":      {"T0TEAM"},
		"team_domain":  {"example"},
		"channel_id":   {"C0DATA"},
		"channel_name": {"data-team"},
		"user_id":      {"U0ALICE"},
		"user_name":    {"alice"},
		"command":      {"/baton"},
		"text":         {text},
		"api_app_id":   {"A0BATON"},
		"response_url": {responseURL},
		"trigger_id":   {"13345224609.738474920.8088930838d88f008e0"},
	}
	for _, e := range edit {
		e(v)
	}
	return []byte(v.Encode())
}

// scRequest is a POST /slack/commands signed with secret at ts.
func scRequest(secret string, ts time.Time, body []byte) *http.Request {
	return htSigned("/slack/commands", secret, ts, body)
}

func scTeams(t *testing.T) *team.File {
	t.Helper()
	f, err := team.Parse([]byte(scTeamsYAML))
	if err != nil {
		t.Fatalf("the test's team file: %v", err)
	}
	return f
}

// scOnCall is the pager the tests wire: data's own rotation, and for
// platform what Opsgenie would answer, dana by email.
func scOnCall(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error) {
	if t.Pager.Rotation != nil {
		return pager.Rotation{}.OnCall(ctx, t, at)
	}
	return []team.Person{{ID: "dana@example.com", Email: "dana@example.com"}}, nil
}

type scOnCallFunc = func(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error)

// gateway is a gateway with the test's teams, clock and response server.
func (f *htSlackFixture) scGateway(t *testing.T, c client.Client, secret string, onCall scOnCallFunc) *Gateway {
	g := f.gateway(c, secret)
	g.opts.Teams = scTeams(t)
	g.opts.Now = func() time.Time { return scNow }
	g.opts.OnCall = onCall
	return g
}

// scMessage is a message as Slack reads it.
type scMessage struct {
	ResponseType    string `json:"response_type"`
	Text            string `json:"text"`
	ReplaceOriginal *bool  `json:"replace_original"`
	Blocks          []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Text    *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Style    string          `json:"style"`
			Text     json.RawMessage `json:"text"`
		} `json:"elements"`
	} `json:"blocks"`
}

// scAnswer decodes the answer to a command: a 200 with an ephemeral
// message, as every answer must be.
func scAnswer(t *testing.T, rec *httptest.ResponseRecorder) scMessage {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 (Slack shows anything else as an error); body %s", rec.Code, rec.Body)
	}
	var m scMessage
	htJSON(t, rec, &m, false)
	if m.ResponseType != "ephemeral" {
		t.Errorf("response_type %q, want ephemeral: %s", m.ResponseType, rec.Body)
	}
	if m.ReplaceOriginal != nil {
		t.Errorf("an answer to a command has no original to replace: %s", rec.Body)
	}
	return m
}

// scReply waits for the next post to the response server.
func scReply(t *testing.T, f *htSlackFixture) scMessage {
	t.Helper()
	raw := htWait(t, f.replies, "the reply on response_url")
	var m scMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("reply %s: %v", raw, err)
	}
	if m.ResponseType != "ephemeral" || m.ReplaceOriginal == nil {
		t.Errorf("reply %s: want ephemeral, and replace_original said", raw)
	}
	return m
}

func scNoReplies(t *testing.T, f *htSlackFixture) {
	t.Helper()
	if got := f.outbound.requests(); len(got) != 0 {
		t.Errorf("outbound requests: %q", got)
	}
}

func TestParseSlashCommandDocumentedExample(t *testing.T) {
	cmd, err := ParseSlashCommand([]byte(scDocumentedExample))
	if err != nil {
		t.Fatal(err)
	}
	want := SlashCommand{
		Command: "/weather", Text: "94070", UserID: "U2147483697", UserName: "Steve",
		ChannelID: "C2147483705", ChannelName: "test", TeamID: "T0001", EnterpriseID: "E0001",
		ResponseURL: "https://hooks.slack.com/commands/1234/5678", TriggerID: "13345224609.738474920.8088930838d88f008e0",
	}
	if cmd != want {
		t.Errorf("got  %+v\nwant %+v", cmd, want)
	}

	// Slack escapes &, < and > in text; the command reads what was typed.
	cmd, err = ParseSlashCommand(scForm("  page data a &lt; b &amp;&amp; c &gt; d, &amp;lt; stays  ", ""))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Text != "page data a < b && c > d, &lt; stays" {
		t.Errorf("text %q", cmd.Text)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"not a form", "%zz", "not form-encoded"},
		{"no command", strings.Replace(scDocumentedExample, "command=", "commandx=", 1), `"command" is missing`},
		{"no user", strings.Replace(scDocumentedExample, "user_id=", "userx=", 1), `"user_id" is missing`},
		{"an interaction", string(htSlackForm([]byte(`{"type":"block_actions"}`))), "/slack/interactions"},
	} {
		if _, err := ParseSlashCommand([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

// A request not provably from Slack changes nothing and calls nothing.
func TestSlashCommandRefusalsChangeNothing(t *testing.T) {
	f := newHTSlackFixture(t)
	valid := scForm("ack incident-data-x", f.responseURL())
	refusals := htSignatureRefusals("/slack/commands", scNow, valid, scForm("resolve incident-data-x", f.responseURL()))
	refusals = append(refusals, []htRefusal{
		{"over MaxBody", htSecret, func() *http.Request {
			return scRequest(htSecret, scNow, append(valid, bytes.Repeat([]byte("x"), MaxBody)...))
		}, http.StatusRequestEntityTooLarge, "bytes"},
		{"signed, but no command", htSecret, func() *http.Request { return scRequest(htSecret, scNow, []byte("text=ack")) },
			http.StatusBadRequest, `"command" is missing`},
	}...)
	htRefuses(t, refusals, func(t *testing.T, c client.Client, secret string) *Gateway {
		return f.scGateway(t, c, secret, scOnCall)
	})
	scNoReplies(t, f)

	t.Run("well signed", func(t *testing.T) {
		c := &mocks.Client{}
		rec := htServe(t, f.scGateway(t, c, htSecret, scOnCall), scRequest(htSecret, scNow.Add(-4*time.Minute), scForm("help", f.responseURL())))
		if m := scAnswer(t, rec); !strings.Contains(m.Text, "/baton who") {
			t.Errorf("answer %q is not the usage", m.Text)
		}
		htNoCalls(t, c)
	})
	t.Run("only POST", func(t *testing.T) {
		rec := htServe(t, f.scGateway(t, &mocks.Client{}, htSecret, scOnCall), httptest.NewRequest(http.MethodGet, "/slack/commands", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET: status %d, want 405", rec.Code)
		}
	})
}

func TestSlashCommandHelp(t *testing.T) {
	f := newHTSlackFixture(t)
	for _, text := range []string{"", "help", "HELP me"} {
		c := &mocks.Client{}
		m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, scOnCall), scRequest(htSecret, scNow, scForm(text, f.responseURL()))))
		for _, want := range []string{"`/baton who [team]`", "`/baton page [team] <summary>`", "`/baton ack <incident>`",
			"`/baton resolve <incident>`", "Teams: data, platform."} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%q: usage %q lacks %q", text, m.Text, want)
			}
		}
		htNoCalls(t, c)
	}
	// The usage names the command as the workspace registered it.
	m := scAnswer(t, htServe(t, f.scGateway(t, &mocks.Client{}, htSecret, scOnCall),
		scRequest(htSecret, scNow, scForm("", f.responseURL(), func(v url.Values) { v.Set("command", "/oncall") }))))
	if !strings.Contains(m.Text, "`/oncall who [team]`") || strings.Contains(m.Text, "/baton") {
		t.Errorf("usage of /oncall: %q", m.Text)
	}
	scNoReplies(t, f)
}

// Mistakes are answered with a one-line reason, as a 200, and change
// nothing.
func TestSlashCommandReasons(t *testing.T) {
	f := newHTSlackFixture(t)
	elsewhere := func(v url.Values) { v.Set("channel_id", "C0RANDOM"); v.Set("channel_name", "random") }
	for _, tc := range []struct {
		name, text string
		edit       []func(url.Values)
		want       string
	}{
		{"unknown subcommand", "wat now", nil, "/baton wat: unknown command; try `/baton help` (who, page, ack, resolve, why, cover, ask, silence)"},
		{"unknown team", "who x", nil, `no team "x"; teams: data, platform`},
		{"who with more", "who data now", nil, "usage: `/baton who [team]`"},
		{"who outside a team's channel", "who", []func(url.Values){elsewhere},
			"this channel is no team's channel: name the team (teams: data, platform)"},
		{"page without summary", "page", nil, "say what is wrong: `/baton page [team] <summary>`"},
		{"page of a team without summary", "page platform", nil, "say what is wrong: `/baton page platform <summary>`"},
		{"page outside a team's channel", "page disk full", []func(url.Values){elsewhere},
			"this channel is no team's channel: name the team (teams: data, platform)"},
		{"ack of nothing", "ack", nil, "usage: `/baton ack <incident>`, the incident's ID as on its page, e.g. `/baton ack " + contract.IncidentWorkflowID("data", "orders_daily") + "`"},
		{"ack of a non-incident", "ack handover-data-x", nil, "usage: `/baton ack <incident>`"},
		{"resolve of two", "resolve incident-data-x incident-data-y", nil, "usage: `/baton resolve <incident>`"},
		{"why of nothing", "why", nil, "usage: `/baton why <incident>`, the incident's ID as on its page"},
		{"why of a non-incident", "why handover-data-x", nil, "usage: `/baton why <incident>`"},
		{"cover without times", "cover tonight", nil, "usage: `/baton cover <from> <to> [note]`"},
		{"cover outside a team's channel", "cover 2026-12-08T18:00 2026-12-09T09:00", []func(url.Values){elsewhere},
			"this channel is no team's channel"},
		{"silence without a duration", "silence service=orders", nil, "say for how long, after the matchers: 2h, 90m. usage: `/baton silence"},
		{"silence without a matcher", "silence data 2h migration", nil, "a silence needs at least one matcher"},
		{"silence with a bad duration", "silence service=orders soon", nil, `"soon" is not a duration such as 2h or 90m`},
		{"silence with a matcher twice", "silence service=a service=b 1h", nil, `matcher key "service" is given twice`},
		{"silence outside a team's channel", "silence service=orders 2h", []func(url.Values){elsewhere},
			"this channel is no team's channel"},
		{"silence remove of nothing", "silence remove", nil, "usage: `/baton silence [team]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			called := false
			onCall := func(context.Context, team.Team, time.Time) ([]team.Person, error) { called = true; return nil, nil }
			m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, onCall),
				scRequest(htSecret, scNow, scForm(tc.text, f.responseURL(), tc.edit...))))
			if !strings.HasPrefix(m.Text, tc.want) || strings.Contains(m.Text, "\n") || len(m.Blocks) != 0 {
				t.Errorf("answer %q, want one line starting %q", m.Text, tc.want)
			}
			htNoCalls(t, c)
			if called {
				t.Error("the pager was asked")
			}
		})
	}
	scNoReplies(t, f)
}

func TestSlashCommandWho(t *testing.T) {
	type asked struct {
		team string
		at   time.Time
	}
	inChannel := func(id, name string) func(url.Values) {
		return func(v url.Values) { v.Set("channel_id", id); v.Set("channel_name", name) }
	}
	monday := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)  // 09:00 CET
	friday := time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC) // 16:00 EST
	for _, tc := range []struct {
		name    string
		text    string
		channel func(url.Values)
		onCall  scOnCallFunc
		want    string
		asked   []asked
	}{
		{"the channel's team, by #name", "who", inChannel("C0DATA1", "data-team"), scOnCall,
			"On call for *data*: <@U0ALICE> until Mon 7 Dec 09:00 CET, then Bob Berg.",
			[]asked{{"data", scNow}, {"data", monday}}},
		{"the channel's team, by ID; the pager's people by email", "who", inChannel("C0PLAT", "platform"), scOnCall,
			"On call for *platform*: <@U0DANA> until Fri 4 Dec 16:00 EST, then <@U0DANA> again.",
			[]asked{{"platform", scNow}, {"platform", friday}}},
		{"a team named, elsewhere", "who Data", inChannel("C0RANDOM", "random"), scOnCall,
			"On call for *data*: <@U0ALICE> until Mon 7 Dec 09:00 CET, then Bob Berg.",
			[]asked{{"data", scNow}, {"data", monday}}},
		{"nobody now", "who data", nil, func(_ context.Context, tm team.Team, at time.Time) ([]team.Person, error) {
			if at.Equal(scNow) {
				return nil, nil
			}
			return []team.Person{{ID: "bob"}, {ID: "carol@example.com", Email: "carol@example.com"}}, nil
		}, "Nobody is on call for *data* now; from Mon 7 Dec 09:00 CET: Bob Berg and carol@example.com.", nil},
		{"nobody next", "who data", nil, func(_ context.Context, tm team.Team, at time.Time) ([]team.Person, error) {
			if at.Equal(scNow) {
				return []team.Person{{ID: "alice"}}, nil
			}
			return nil, nil
		}, "On call for *data*: <@U0ALICE> until Mon 7 Dec 09:00 CET, then nobody.", nil},
		{"the pager fails for next", "who data", nil, func(_ context.Context, tm team.Team, at time.Time) ([]team.Person, error) {
			if at.Equal(scNow) {
				return []team.Person{{ID: "alice"}}, nil
			}
			return nil, errors.New("schedule <ends>")
		}, "On call for *data*: <@U0ALICE> until Mon 7 Dec 09:00 CET, then unknown (the pager did not say: schedule &lt;ends&gt;).", nil},
		{"the pager fails", "who platform", nil, func(context.Context, team.Team, time.Time) ([]team.Person, error) {
			return nil, temporal.NewNonRetryableApplicationError("team \"platform\": its pager is the Opsgenie schedule \"platform_schedule\",\nbut OPSGENIE_API_KEY is not set", "OpsgenieNotConfigured", nil)
		}, "Could not ask platform's pager who is on call: team \"platform\": its pager is the Opsgenie schedule \"platform_schedule\", but OPSGENIE_API_KEY is not set", nil},
		{"no pager wired", "who data", nil, nil, "Baton cannot say who is on call for data: this gateway has no pager to ask.", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHTSlackFixture(t)
			var got []asked
			onCall := tc.onCall
			var mu sync.Mutex
			if onCall != nil {
				onCall = func(ctx context.Context, tm team.Team, at time.Time) ([]team.Person, error) {
					mu.Lock()
					got = append(got, asked{tm.Name, at})
					mu.Unlock()
					return tc.onCall(ctx, tm, at)
				}
			}
			var edit []func(url.Values)
			if tc.channel != nil {
				edit = append(edit, tc.channel)
			}
			c := &mocks.Client{}
			m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, onCall), scRequest(htSecret, scNow, scForm(tc.text, f.responseURL(), edit...))))
			if m.Text != tc.want {
				t.Errorf("answer %q\nwant   %q", m.Text, tc.want)
			}
			if tc.asked != nil {
				// Asked at once, in either order.
				if len(got) == 2 && got[0].at.After(got[1].at) {
					got[0], got[1] = got[1], got[0]
				}
				if len(got) != 2 || got[0].team != tc.asked[0].team || !got[0].at.Equal(tc.asked[0].at) ||
					got[1].team != tc.asked[1].team || !got[1].at.Equal(tc.asked[1].at) {
					t.Errorf("the pager was asked %v, want %v", got, tc.asked)
				}
			}
			htNoCalls(t, c)
			scNoReplies(t, f)
		})
	}
}

// scPress is the block_actions payload Slack sends for a press on a button
// of the ephemeral message that answered /baton page: container names the
// message, trigger_id is the press's own.
func scPress(t *testing.T, actionID, value, responseURL, triggerID string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "T0TEAM", "domain": "example"},
		"user":         map[string]any{"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0TEAM"},
		"api_app_id":   "A0BATON",
		"container":    map[string]any{"type": "message", "message_ts": "1796378400.000300", "channel_id": "C0DATA", "is_ephemeral": true},
		"trigger_id":   triggerID,
		"channel":      map[string]any{"id": "C0DATA", "name": "data-team"},
		"response_url": responseURL,
		"actions": []any{map[string]any{
			"action_id": actionID, "block_id": "baton.page", "type": "button", "value": value,
			"text": map[string]any{"type": "plain_text", "text": "Critical"}, "action_ts": "1796378411.123456",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return htSlackForm(b)
}

// scButtons checks the severity buttons of a /baton page answer and returns
// their value, decoded.
func scButtons(t *testing.T, m scMessage) (value string, v pageValue) {
	t.Helper()
	var actions []string
	for _, b := range m.Blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			actions = append(actions, e.ActionID)
			if e.Type != "button" || e.Value == "" || (value != "" && e.Value != value) {
				t.Errorf("button %+v: want a button with the same value as the others", e)
			}
			value = e.Value
		}
	}
	if want := []string{"baton.page.critical", "baton.page.high", "baton.page.medium", "baton.page.low"}; !reflect.DeepEqual(actions, want) {
		t.Fatalf("buttons %q, want %q", actions, want)
	}
	if n := utf8.RuneCountInString(value); n > 2000 {
		t.Errorf("value of %d characters: Slack holds 2000", n)
	}
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		t.Fatalf("value %q is not JSON: %v", value, err)
	}
	return value, v
}

// A /baton page asks the severity; a press declares the incident, and a
// second press on the same message goes to the same incident.
func TestSlashCommandPageThenPress(t *testing.T) {
	f := newHTSlackFixture(t)
	const summary = `Disk <almost> full & "growing"`
	starts := make(chan string, 10)
	teams := scTeams(t)
	data, _ := teams.Team("data")
	c := &mocks.Client{}
	g := f.scGateway(t, c, htSecret, scOnCall)

	// The command: buttons, no Temporal call yet.
	m := scAnswer(t, htServe(t, g, scRequest(htSecret, scNow, scForm("page data "+summary, f.responseURL()))))
	htNoCalls(t, c)
	value, v := scButtons(t, m)
	if v.Team != "data" || v.Summary != summary || v.By != "U0ALICE" || !strings.HasPrefix(v.Key, "slack-20261203T100000-") {
		t.Errorf("value %s", value)
	}
	if strings.Contains(value, `\u003c`) {
		t.Errorf("value %s escapes < as six characters", value)
	}
	section := m.Blocks[0].Text.Text
	if !strings.Contains(section, "*data*") || !strings.Contains(section, "Disk &lt;almost&gt; full &amp; \"growing\"") {
		t.Errorf("section %q: want the team and the summary, escaped for mrkdwn", section)
	}
	if how := string(m.Blocks[2].Elements[0].Text); !strings.Contains(how, "*critical* and *high* page the person on call; *medium* and *low* are posted in #data-team without paging.") {
		t.Errorf("context %s", how)
	}

	id := contract.IncidentWorkflowID("data", v.Key)
	if parsed, err := contract.ParseIncidentID(id); err != nil || parsed.Team != "data" || !strings.HasPrefix(parsed.Key, "slack-20261203T100000-") {
		t.Fatalf("incident ID %q", id)
	}
	// Each press is counted against alice's /baton page quota; the key
	// is the same, so the quota counts one page.
	quota := []*mocks.WorkflowUpdateHandle{azQuota(t, c, "U0ALICE", "data", v.Key, nil), azQuota(t, c, "U0ALICE", "data", v.Key, nil)}
	itNoLegacyRuns(c)
	c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.IncidentAlertSignal,
		mock.MatchedBy(func(s workflows.AlertSignal) bool {
			a := s.Alert
			return a.Team == "data" && a.DedupKey == v.Key && a.Summary == summary && a.Source == "slack" &&
				a.Status == workflows.AlertFiring && a.Severity == workflows.SeverityCritical &&
				a.Details["declared_by"] == "U0ALICE" && a.Description == "Declared in Slack by Alice Adler" && a.At.Equal(scNow)
		}),
		mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
			return o.ID == id && o.TaskQueue == contract.TaskQueue &&
				o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
		}),
		contract.IncidentWorkflowName, workflows.IncidentInput{Team: data},
	).Run(func(args mock.Arguments) { starts <- args.String(1) }).Return(nil, nil).Twice()

	// Two presses of Critical on that message, each with its own trigger.
	for i, trigger := range []string{"111.222.aaa", "333.444.bbb"} {
		rec := htServe(t, g, htSlackRequest(htSecret, scNow, scPress(t, "baton.page.critical", value, f.responseURL(), trigger)))
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Fatalf("press %d: status %d, body %s; want an empty 200 at once", i+1, rec.Code, rec.Body)
		}
		if got := htWait(t, starts, "SignalWithStartWorkflow"); got != id {
			t.Errorf("press %d went to %s, want %s", i+1, got, id)
		}
		r := scReply(t, f)
		if want := "Paged: " + id + " (critical): Disk &lt;almost&gt; full &amp; \"growing\""; r.Text != want || !*r.ReplaceOriginal {
			t.Errorf("press %d: reply %q (replace_original %v), want %q replacing the buttons", i+1, r.Text, *r.ReplaceOriginal, want)
		}
	}
	c.AssertExpectations(t)
	for _, h := range quota {
		h.AssertExpectations(t)
	}

	// Another /baton page of the same words is another incident.
	m2 := scAnswer(t, htServe(t, g, scRequest(htSecret, scNow, scForm("page data "+summary, f.responseURL(),
		func(v url.Values) { v.Set("trigger_id", "13345224610.738474921.ffff") }))))
	if _, v2 := scButtons(t, m2); v2.Key == v.Key {
		t.Errorf("two uses of /baton page share the key %q", v.Key)
	}
}

func TestSlashCommandPageDefaultsToTheChannelsTeam(t *testing.T) {
	f := newHTSlackFixture(t)
	for _, tc := range []struct {
		name, text       string
		channel, chName  string
		wantTeam, wantSm string
	}{
		{"by #name", "page orders_daily is late", "C0NEW", "data-team", "data", "orders_daily is late"},
		{"by ID", "page api 5xx", "C0PLAT", "platform", "platform", "api 5xx"},
		{"a team named in another's channel", "page platform api 5xx", "C0DATA", "data-team", "platform", "api 5xx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, scOnCall), scRequest(htSecret, scNow, scForm(tc.text, f.responseURL(),
				func(v url.Values) { v.Set("channel_id", tc.channel); v.Set("channel_name", tc.chName) }))))
			if _, v := scButtons(t, m); v.Team != tc.wantTeam || v.Summary != tc.wantSm {
				t.Errorf("team %q, summary %q; want %q, %q", v.Team, v.Summary, tc.wantTeam, tc.wantSm)
			}
			htNoCalls(t, c)
		})
	}
}

// A summary is refused when the buttons could not carry it.
func TestSlashCommandPageSummaryLimit(t *testing.T) {
	f := newHTSlackFixture(t)
	page := func(summary string) scMessage {
		return scAnswer(t, htServe(t, f.scGateway(t, &mocks.Client{}, htSecret, scOnCall),
			scRequest(htSecret, scNow, scForm("page data "+summary, f.responseURL()))))
	}
	m := page(strings.Repeat("x", 2100))
	const prefix = "the summary is too long for Slack's buttons: at most "
	rest, ok := strings.CutPrefix(m.Text, prefix)
	if !ok || len(m.Blocks) != 0 {
		t.Fatalf("answer %q, want a refusal", m.Text)
	}
	limit, err := strconv.Atoi(strings.Fields(rest)[0])
	if err != nil || limit < 1800 {
		t.Fatalf("limit in %q: %v", m.Text, err)
	}
	// The limit said is the limit: one character more is refused, and at
	// the limit the value fills Slack's 2000 exactly, in characters.
	for _, r := range []string{"x", "é", "🔥"} {
		value, _ := scButtons(t, page(strings.Repeat(r, limit)))
		if n := utf8.RuneCountInString(value); n != 2000 {
			t.Errorf("%q × %d: value of %d characters, want 2000", r, limit, n)
		}
		if m := page(strings.Repeat(r, limit+1)); !strings.HasPrefix(m.Text, prefix) {
			t.Errorf("%q × %d: answer %q, want a refusal", r, limit+1, m.Text)
		}
	}
	// The prompt shows a long summary shortened: Slack's section text
	// holds 3000 characters.
	m = page(strings.Repeat("&", limit))
	if n := utf8.RuneCountInString(m.Blocks[0].Text.Text); n > 3000 {
		t.Errorf("section text of %d characters", n)
	}
	scNoReplies(t, f)
}

func TestPagePressOutcomes(t *testing.T) {
	f := newHTSlackFixture(t)
	value := func(team string) string {
		b, _ := json.Marshal(pageValue{Team: team, Summary: "api 5xx", By: "U0DANA", Key: "slack-20261203T100000-abcdef"})
		return string(b)
	}
	t.Run("refused at once", func(t *testing.T) {
		for _, tc := range []struct{ name, actionID, value, want string }{
			{"not a severity", "baton.page.urgent", value("platform"), `"urgent" is not a severity`},
			{"value not JSON", "baton.page.high", "incident-data-x", "the baton.page.high button's value"},
			{"value without key", "baton.page.high", `{"team":"data","summary":"x","by":"U1"}`, "names no team, summary or key"},
		} {
			c := &mocks.Client{}
			rec := htServe(t, f.scGateway(t, c, htSecret, scOnCall), htSlackRequest(htSecret, scNow, scPress(t, tc.actionID, tc.value, f.responseURL(), "1.2.3")))
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", tc.name, rec.Code)
			} else if msg := htErrorBody(t, rec); !strings.Contains(msg, tc.want) {
				t.Errorf("%s: error %q does not say %q", tc.name, msg, tc.want)
			}
			htNoCalls(t, c)
		}
		scNoReplies(t, f)
	})

	id := contract.IncidentWorkflowID("platform", "slack-20261203T100000-abcdef")
	for _, tc := range []struct {
		name, actionID, team string
		startErr             error
		want                 string
		replace              bool
	}{
		{"a severity that does not page", "baton.page.high", "platform", nil,
			"Declared: " + id + " (high, posted in <#C0PLAT> without paging): api 5xx", true},
		{"Temporal down", "baton.page.critical", "platform", errors.New("connection refused"),
			"Baton could not page platform: deliver alert to " + id + ": connection refused. Press again, or use the starter.", false},
		{"a team gone from the file", "baton.page.critical", "gone", nil, `no team "gone"; teams: data, platform`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			if tc.team != "gone" {
				azQuota(t, c, "U0ALICE", "platform", "slack-20261203T100000-abcdef", nil)
				itNoLegacyRuns(c)
				c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.IncidentAlertSignal,
					htAlertSignal(t, workflows.Alert{Team: "platform", DedupKey: "slack-20261203T100000-abcdef", Status: workflows.AlertFiring,
						Source: "slack", Severity: workflows.Severity(strings.TrimPrefix(tc.actionID, "baton.page.")), Summary: "api 5xx"}),
					htStartOptions(t, id), contract.IncidentWorkflowName, mock.Anything,
				).Return(nil, tc.startErr).Once()
			}
			rec := htServe(t, f.scGateway(t, c, htSecret, scOnCall), htSlackRequest(htSecret, scNow, scPress(t, tc.actionID, value(tc.team), f.responseURL(), "1.2.3")))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			r := scReply(t, f)
			if r.Text != tc.want || *r.ReplaceOriginal != tc.replace {
				t.Errorf("reply %q (replace_original %v)\nwant  %q (%v)", r.Text, *r.ReplaceOriginal, tc.want, tc.replace)
			}
			c.AssertExpectations(t)
		})
	}
}

// scUpdate expects one incident.action update on id with req, answered by
// getErr and result; hold, if not nil, holds the update until closed.
func scUpdate(t *testing.T, c *mocks.Client, id string, req workflows.ActionRequest, getErr error, result workflows.ActionResult, hold chan struct{}) *mocks.WorkflowUpdateHandle {
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		if p, ok := args.Get(1).(*workflows.ActionResult); ok {
			*p = result
		}
	}).Return(getErr).Once()
	c.On("UpdateWorkflow", htCtxWithDeadline(), mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		ok := o.WorkflowID == id && o.UpdateName == contract.IncidentActionUpdate &&
			o.WaitForStage == client.WorkflowUpdateStageCompleted && reflect.DeepEqual(o.Args, []any{req})
		if !ok {
			t.Logf("UpdateWorkflow %+v: want %s with %+v", o, id, req)
		}
		return ok
	})).Run(func(mock.Arguments) {
		if hold != nil {
			<-hold
		}
	}).Return(h, nil).Once()
	return h
}

func TestSlashCommandAckAndResolve(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "orders_daily")
	for _, tc := range []struct {
		name, text string
		action     workflows.Action
		getErr     error
		result     workflows.ActionResult
		want       string
	}{
		{"ack", "ack " + id, workflows.ActionAck, nil,
			workflows.ActionResult{State: workflows.StateAcknowledged, Message: "Acknowledged by <@U0ALICE> via slack"}, "Acknowledged by <@U0ALICE> via slack"},
		{"resolve, the ID as copied from the page", "Resolve `" + id + "`", workflows.ActionResolve, nil,
			workflows.ActionResult{State: workflows.StateResolved, Message: "Resolved by <@U0ALICE> via slack"}, "Resolved by <@U0ALICE> via slack"},
		{"refused", "ack " + id, workflows.ActionAck, temporal.NewApplicationError("already resolved by <@U0BOB>", ""),
			workflows.ActionResult{}, "already resolved by <@U0BOB>"},
		{"Temporal fails", "resolve " + id, workflows.ActionResolve, errors.New("connection refused"),
			workflows.ActionResult{}, "Baton could not record that. Try again, or use the starter."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHTSlackFixture(t)
			c := &mocks.Client{}
			h := scUpdate(t, c, id, workflows.FromChat(tc.action, "U0ALICE", "alice"), tc.getErr, tc.result, nil)
			m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, scOnCall), scRequest(htSecret, scNow, scForm(tc.text, f.responseURL()))))
			if m.Text != tc.want {
				t.Errorf("answer %q, want %q", m.Text, tc.want)
			}
			c.AssertExpectations(t)
			h.AssertExpectations(t)
			scNoReplies(t, f)
		})
	}
}

// scSlowAck makes commands wait 50 ms for their answer, and expects alice
// to acknowledge the incident id, held until hold is closed.
func scSlowAck(t *testing.T, c *mocks.Client) (id string, hold chan struct{}, h *mocks.WorkflowUpdateHandle) {
	t.Helper()
	old := commandAnswerWithin
	commandAnswerWithin = 50 * time.Millisecond
	t.Cleanup(func() { commandAnswerWithin = old })

	id = contract.IncidentWorkflowID("data", "orders_daily")
	hold = make(chan struct{})
	h = scUpdate(t, c, id, workflows.FromChat(workflows.ActionAck, "U0ALICE", "alice"), nil,
		workflows.ActionResult{State: workflows.StateAcknowledged, Message: "Acknowledged by <@U0ALICE> via slack"}, hold)
	return id, hold, h
}

// An action that takes longer than Slack waits is answered "Working on it"
// at once, and its outcome follows through response_url.
func TestSlashCommandSlowActionAnswersLater(t *testing.T) {
	f := newHTSlackFixture(t)
	c := &mocks.Client{}
	id, hold, h := scSlowAck(t, c)
	m := scAnswer(t, htServe(t, f.scGateway(t, c, htSecret, scOnCall), scRequest(htSecret, scNow, scForm("ack "+id, f.responseURL()))))
	if !strings.HasPrefix(m.Text, "Working on it") {
		t.Errorf("answer %q, want Working on it", m.Text)
	}
	select {
	case b := <-f.replies:
		t.Fatalf("response_url got %s before the update was done", b)
	default:
	}
	close(hold)
	r := scReply(t, f)
	if r.Text != "Acknowledged by <@U0ALICE> via slack" || *r.ReplaceOriginal {
		t.Errorf("reply %q (replace_original %v), want the outcome as a new message", r.Text, *r.ReplaceOriginal)
	}
	c.AssertExpectations(t)
	h.AssertExpectations(t)
	f.sentOnlyTheReply(t)
}

func FuzzParseSlashCommand(f *testing.F) {
	f.Add([]byte(scDocumentedExample))
	f.Add(scForm("page data a &lt; b", "https://hooks.slack.com/commands/1/2"))
	f.Add([]byte("command=%2Fbaton&user_id=U1&text=who%00"))
	f.Add([]byte("payload=%7B%7D"))
	f.Add([]byte("%zz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cmd, err := ParseSlashCommand(body)
		if err != nil {
			return
		}
		if cmd.Command == "" || cmd.UserID == "" {
			t.Errorf("parsed without command or user: %+v", cmd)
		}
		// Whatever was typed, the answer is one message and no panic.
		g := New(Options{Teams: &team.File{}, Now: func() time.Time { return scNow }})
		if s := cmd.Text; strings.HasPrefix(strings.ToLower(s), "ack") || strings.HasPrefix(strings.ToLower(s), "resolve") ||
			strings.HasPrefix(strings.ToLower(s), "who") {
			return // these may reach Temporal or the pager
		}
		if msg := g.dispatch(cmd)(context.Background()); msg.Text == "" {
			t.Errorf("%q: empty answer", cmd.Text)
		}
	})
}

// The table of subcommands is the one list: the usage shows each of them,
// the answer to an unknown subcommand names each, dispatch finds each in
// any case, and each that acts is refused before Baton knows its own
// workspace.
func TestSubcommandTable(t *testing.T) {
	f := newHTSlackFixture(t)
	g := f.scGateway(t, &mocks.Client{}, htSecret, scOnCall)
	// Typed outside any team's channel, and bare: every subcommand answers
	// at once with a reason, reaching neither Temporal nor the pager.
	run := func(text string) string {
		t.Helper()
		cmd := SlashCommand{Command: "/baton", Text: text, UserID: "U0ALICE", ChannelID: "C0RANDOM", TeamID: "T0TEAM"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return g.dispatch(cmd)(ctx).Text
	}
	usage := run("help")
	unknown := run("wat")
	_, listed, _ := strings.Cut(strings.TrimSuffix(unknown, ")"), "` (")
	if len(subcommands) == 0 || listed == "" {
		t.Fatalf("%d subcommands; unknown answered %q", len(subcommands), unknown)
	}
	var names []string
	for _, s := range subcommands {
		names = append(names, s.name)
		if line := "\n• `" + s.synopsis("/baton") + "`: " + s.help; !strings.Contains(usage, line) {
			t.Errorf("the usage lacks %q:\n%s", line, usage)
		}
		for _, typed := range []string{s.name, strings.ToUpper(s.name)} {
			if got := run(typed); got == unknown || got == usage || strings.Contains(got, "unknown command") {
				t.Errorf("/baton %s: answer %q, not the subcommand's", typed, got)
			}
		}
	}
	if want := strings.Join(names, ", "); listed != want {
		t.Errorf("the unknown subcommand's answer lists %q, want %q", listed, want)
	}
	if got := strings.Count(usage, "\n• "); got != len(subcommands) {
		t.Errorf("the usage has %d subcommands, the table %d:\n%s", got, len(subcommands), usage)
	}

	g.opts.Workspace = func() (Workspace, bool) { return Workspace{}, false }
	for _, s := range subcommands {
		if got := run(s.name); (got == refusedWorkspaceUnknown) != s.acts {
			t.Errorf("/baton %s before Baton knows its workspace (acts: %t): answer %q", s.name, s.acts, got)
		}
	}
}
