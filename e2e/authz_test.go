package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/workflows"
)

// pressHook names the response_url of every press, apart from the
// commands'.
const pressHook = "press-1"

// pressFrom is pressButton made in Slack workspace teamID.
func (s *incidentStack) pressFrom(t *testing.T, actionID, value, user, teamID string) *http.Response {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": "someone", "team_id": teamID},
		"team": map[string]any{"id": teamID}, "channel": map[string]any{"id": "C0DATA"},
		"container":    map[string]any{"type": "message", "message_ts": "1.0", "channel_id": "C0DATA"},
		"response_url": s.slack.ResponseURL(pressHook), "trigger_id": "1.2.3",
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "value": value, "block_id": "baton_actions", "action_ts": "1.1"}},
	})
	body := []byte("payload=" + url.QueryEscape(string(payload)))
	h := fakeslack.Sign(signingSecret, body, time.Now())
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.post(t, "/slack/interactions", h, body)
}

// responseTexts are the texts posted to response URLs so far.
func (s *incidentStack) responseTexts() []string {
	var out []string
	for _, r := range s.slack.ResponsesTo(pressHook) {
		out = append(out, fmt.Sprint(r["text"]))
	}
	return out
}

// A stranger in Baton's workspace, and alice herself from another
// workspace, can neither acknowledge nor resolve the page: the SMS still
// goes out. Then alice acknowledges from Baton's workspace, and the
// timeline says who and how.
func TestAStrangerCannotSilenceAPage(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("4s", "1h"))
	s.slack.AddUser("UMALLORY", "mallory@example.com") // in the workspace, in no team
	id := s.fireAlertmanager(t, "fp-stranger")
	eventually(t, "the page in Slack", 10*time.Second, func() bool { _, ok := s.page(); return ok })
	defer func() {
		if t.Failed() {
			t.Logf("responses: %q", s.responseTexts())
		}
	}()

	const refusal = "Only people of team data may act on its incidents"
	for _, action := range []workflows.Action{workflows.ActionAck, workflows.ActionResolve} {
		if resp := s.press(t, action, id, "UMALLORY"); resp.StatusCode != http.StatusOK {
			t.Fatalf("press: %s", resp.Status)
		}
	}
	if answer := s.slashAnswer(t, "resolve "+id, "UMALLORY"); !strings.Contains(string(answer), refusal) {
		t.Errorf("/baton resolve by a stranger: %s", answer)
	}
	s.pressFrom(t, workflows.ButtonActionID(workflows.ActionAck), id, "UALICE", "T0ELSEWHERE")
	eventually(t, "the three refusals", 10*time.Second, func() bool { return len(s.slack.ResponsesTo(pressHook)) == 3 })
	// Each press is answered once its work is done, so in any order.
	var strangers, elsewhere int
	for _, text := range s.responseTexts() {
		switch {
		case strings.HasPrefix(text, refusal):
			strangers++
		case strings.Contains(text, "only from its own Slack workspace"):
			elsewhere++
		}
	}
	if strangers != 2 || elsewhere != 1 {
		t.Errorf("want the stranger's two presses and the other workspace's refused, each for its reason: %q", s.responseTexts())
	}

	// The escalation goes on: the SMS goes out.
	eventually(t, "the SMS to alice", 20*time.Second, func() bool { return len(s.twilio.Messages()) == 1 })
	if st := s.status(t, id); st.State != workflows.StateTriggered {
		t.Fatalf("state %s after the refusals, want triggered", st.State)
	}

	s.press(t, workflows.ActionAck, id, "UALICE")
	eventually(t, "alice's acknowledgement", 10*time.Second, func() bool {
		st := s.status(t, id)
		return st.State == workflows.StateAcknowledged && st.Summary.AcknowledgedBy == "alice"
	})
	eventually(t, "the ack in the timeline, with who and how", 10*time.Second, func() bool {
		return s.threadHas("Acknowledged by <@UALICE> via slack")
	})
	for _, m := range s.slack.Messages("C0DATA") {
		if strings.Contains(m.Text, "UMALLORY") {
			t.Errorf("the stranger shows in the channel: %q", m.Text)
		}
	}
}

// /baton page takes five pages an hour from one person, counted in
// Temporal: the sixth is refused though it goes through another gateway.
func TestBatonPageIsLimitedAcrossGateways(t *testing.T) {
	ts := testserver.New(t)
	a := startIncidentStack(t, ts, incidentTeamYAML("1h", "2h"))
	b := startIncidentStack(t, ts, incidentTeamYAML("1h", "2h"), func(s *incidentStack) {
		s.slack = a.slack
		s.cfg.SlackAPIURL = a.slack.URL()
	})
	// pageVia declares a low incident through gw, as alice: /baton page,
	// then the Low button of its answer.
	pageVia := func(gw *incidentStack, n int) {
		t.Helper()
		answer := gw.slashAnswer(t, fmt.Sprintf("page data disk %d filling up", n), "UALICE")
		var m struct {
			Blocks []struct {
				Elements []struct {
					ActionID string `json:"action_id"`
					Value    string `json:"value"`
				} `json:"elements"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(answer, &m); err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		for _, bl := range m.Blocks {
			for _, e := range bl.Elements {
				if e.ActionID == "baton.page.low" {
					gw.pressButton(t, e.ActionID, e.Value, "UALICE")
					return
				}
			}
		}
		t.Fatalf("page %d: no Low button in %+v", n, m)
	}
	for n := 1; n <= 5; n++ {
		gw := a
		if n%2 == 0 {
			gw = b
		}
		pageVia(gw, n)
		eventually(t, fmt.Sprintf("page %d declared", n), 15*time.Second, func() bool { return len(a.slack.ResponsesTo(pressHook)) == n })
		if text := a.responseTexts()[n-1]; !strings.HasPrefix(text, "Declared: ") {
			t.Fatalf("page %d: answered %q", n, text)
		}
	}
	pageVia(b, 6)
	eventually(t, "the sixth answered", 15*time.Second, func() bool { return len(a.slack.ResponsesTo(pressHook)) == 6 })
	if text := a.responseTexts()[5]; !strings.Contains(text, "at most 5 pages an hour from one person") {
		t.Errorf("the sixth page was answered %q", text)
	}
	if *record {
		saveHistory(t, a.client, a.client.GetWorkflow(context.Background(), contract.PageQuotaWorkflowID("UALICE"), ""), filepath.Join("..", "workflows", "testdata", "pagequota.json"))
	}
}

// While Slack does not answer auth.test, the worker pages all the same,
// and refuses presses with "try again"; once Slack answers, presses act.
func TestPagingGoesOnBeforeAuthTestAnswers(t *testing.T) {
	s := newIncidentStack(t, incidentTeamYAML("1h", "2h"), func(s *incidentStack) {
		s.slack.Break("auth.test", "fatal_error")
	})
	id := s.fireAlertmanager(t, "fp-authtest")
	eventually(t, "the page in Slack", 10*time.Second, func() bool { _, ok := s.page(); return ok })
	s.press(t, workflows.ActionAck, id, "UALICE")
	eventually(t, "the refusal", 10*time.Second, func() bool { return len(s.slack.ResponsesTo(pressHook)) == 1 })
	if text := s.responseTexts()[0]; !strings.Contains(text, "does not know its own Slack workspace yet") || !strings.Contains(text, "Try again") {
		t.Errorf("answer %q, want try again", text)
	}
	if st := s.status(t, id); st.State != workflows.StateTriggered {
		t.Fatalf("state %s, want triggered", st.State)
	}
	s.slack.Up()
	// The worker asks again in the background: a later press acts.
	eventually(t, "an acknowledgement once auth.test answers", 30*time.Second, func() bool {
		if s.status(t, id).State == workflows.StateAcknowledged {
			return true
		}
		if n := len(s.slack.Calls("auth.test")); n >= 2 {
			s.press(t, workflows.ActionAck, id, "UALICE")
			time.Sleep(500 * time.Millisecond)
		}
		return false
	})
}
