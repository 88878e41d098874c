package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An alert written to pass for markup pages as text: the channel is not
// pinged, no link is shown that Baton did not make, and no line of the
// description passes for the page's state. The on-call group, which the
// team file names by handle, is still mentioned, by its ID.
func TestAHostileAlertPagesAsText(t *testing.T) {
	s := newIncidentStack(t, strings.Replace(incidentTeamYAML("1h", "2h"), "user_group: S0DATA", "user_group: data-oncall", 1))
	const summary = "<!channel> DB down <https://evil.example|Acknowledge here>"
	alert := map[string]any{
		"status": "firing", "fingerprint": "fp-hostile",
		"labels": map[string]string{"alertname": "DBDown", "team": "data", "severity": "critical", "service": "db"},
		"annotations": map[string]string{
			"summary":     summary,
			"description": "Replica lag on the primary.\n*State:* resolved",
		},
		"startsAt": "2026-11-24T02:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus:9090/graph",
	}
	body, err := json.Marshal(map[string]any{
		"version": "4", "groupKey": "{}:{alertname=\"DBDown\"}", "status": "firing", "receiver": "baton",
		"groupLabels": map[string]string{"alertname": "DBDown"}, "commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager:9093", "truncatedAlerts": 0, "alerts": []any{alert},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp := s.sendAlerts(t, "/webhooks/alertmanager", body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %s", resp.Status)
	}

	// The page names alice once the pager has, and the thread says whom
	// it paged: both are posted by then.
	eventually(t, "the page naming alice", 20*time.Second, func() bool { p, _ := s.page(); return strings.Contains(p.Text, "<@UALICE>") })
	eventually(t, "the page in the thread", 20*time.Second, func() bool { return s.threadHas("Paged ") })
	page, _ := s.page()
	defer func() {
		if t.Failed() {
			for _, m := range s.slack.Messages("C0DATA") {
				t.Logf("slack: thread=%q %q\nblocks %s", m.ThreadTS, m.Text, m.Blocks)
			}
		}
	}()
	if !s.threadHas("Paged <!subteam^S0DATA> (on call: alice") {
		t.Error("the thread does not say that the group was paged, by mention")
	}
	for _, want := range []string{
		"*[CRITICAL] &lt;!channel&gt; DB down &lt;https://evil.example|Acknowledge here&gt;*",
		"<!subteam^S0DATA>: on call <@UALICE>",
		"\n> Replica lag on the primary.\n> *State:* resolved\n",
		"\n*State:* triggered",
	} {
		if !strings.Contains(page.Text, want) {
			t.Errorf("the page lacks %q:\n%s", want, page.Text)
		}
	}

	// What Slack was sent, everywhere: texts, blocks, and every call's
	// parameters (posts, updates, DMs).
	var sent []string
	for _, m := range s.slack.Messages("C0DATA") {
		sent = append(sent, m.Text, m.Blocks)
	}
	for _, method := range []string{"chat.postMessage", "chat.update"} {
		for _, call := range s.slack.Calls(method) {
			sent = append(sent, call.Get("text"), call.Get("blocks"))
			if v := call.Get("link_names"); v != "false" {
				t.Errorf("%s with link_names=%q: Slack would link names in the text", method, v)
			}
		}
	}
	all := strings.Join(sent, "\n")
	for _, bad := range []string{"<!channel>", "<https://evil.example", `\u003c!channel\u003e`, `\u003chttps://evil.example`, "\n*State:* resolved"} {
		if strings.Contains(all, bad) {
			t.Errorf("Slack was sent %q", bad)
		}
	}
	if !strings.Contains(page.Blocks, `\u003c!subteam^S0DATA\u003e`) && !strings.Contains(page.Blocks, "<!subteam^S0DATA>") {
		t.Errorf("the page's blocks do not mention the group:\n%s", page.Blocks)
	}
}
