package incidentview

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/texttest"
)

func testView() View {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return View{
		ID: "incident-data-fp1", Severity: "critical", Summary: "orders_daily DAG failed", Service: "airflow",
		Source: "alertmanager", SourceURL: "http://prometheus:9090/graph", RunbookURL: "https://wiki.example.com/rb",
		State: "triggered", Paged: true, Group: "S0DATA",
		OnCall:     []Person{{Name: "alice", ChatID: "UALICE"}, {Name: "bob"}},
		Deliveries: 3, LastDelivery: time.Date(2026, 11, 24, 14, 3, 0, 0, berlin), Loc: berlin, ChannelName: "#data-team",
	}
}

func TestTheSlackPageUsesMentionsAndLinks(t *testing.T) {
	got := testView().Slack()
	texttest.HoldsAll(t, "Slack page", got,
		":red_circle: *[CRITICAL] orders_daily DAG failed*",
		"<!subteam^S0DATA>: on call <@UALICE>, bob",
		"*Source:* <http://prometheus:9090/graph|alertmanager> · <https://wiki.example.com/rb|Runbook>",
		"Delivered 3 times, last at Tue 24 Nov 14:03 CET",
		"`incident-data-fp1`",
	)
}

func TestThePlainPageHasNoMarkup(t *testing.T) {
	v := testView()
	v.Group = "data-oncall"
	got := v.Plain()
	texttest.HoldsAll(t, "plain page", got, "[CRITICAL] orders_daily DAG failed", "@data-oncall: on call alice, bob", "Source: alertmanager (http://prometheus:9090/graph) · Runbook (https://wiki.example.com/rb)")
	texttest.HoldsNone(t, "plain page", got, "<@", "<!", "*", "`", ":red_circle:")
}

func TestThePageSaysWhileThePagerIsAsked(t *testing.T) {
	v := testView()
	v.OnCall, v.LookingUp = nil, true
	if got := v.Slack(); !strings.Contains(got, "on call (asking the pager)") {
		t.Errorf("%s", got)
	}
	v.LookingUp = false
	if got := v.Slack(); !strings.Contains(got, "on call nobody") {
		t.Errorf("%s", got)
	}
	v.State = "acknowledged"
	if got := v.Slack(); strings.Contains(got, "on call") {
		t.Errorf("an acknowledged page still tags the group:\n%s", got)
	}
}

func TestShortCode(t *testing.T) {
	a, b := ShortCode("incident-data-fp1"), ShortCode("incident-data-fp2")
	if len(a) != 3 || strings.ToUpper(a) != a || a != ShortCode("incident-data-fp1") || a == b {
		t.Errorf("codes %q and %q", a, b)
	}
}

// hostile is an alert whose every field was written to pass for markup:
// a channel-wide ping, a phishing link, a fake state line.
func hostile() View {
	v := testView()
	v.Summary = "<!channel> DB down <https://evil.example|Acknowledge here>"
	v.Description = "Replica lag\n*State:* resolved\n<@UALICE> said <!here> &amp; left"
	v.Service = "db\n*State:* resolved <#C0GENERAL>"
	v.OnCall = []Person{{Name: "alice", ChatID: "UALICE"}, {Name: "<!everyone> bob"}}
	return v
}

func TestTheSlackPageShowsAlertTextAsData(t *testing.T) {
	got := hostile().Slack()
	texttest.HoldsNone(t, "the page", got, "<!channel>", "<https://evil.example", "<!here>", "<!everyone>", "<#C0GENERAL>", "\n*State:* resolved")
	texttest.HoldsAll(t, "the page", got,
		"*[CRITICAL] &lt;!channel&gt; DB down &lt;https://evil.example|Acknowledge here&gt;*",
		"<!subteam^S0DATA>: on call <@UALICE>, &lt;!everyone&gt; bob",
		"*State:* triggered · *Service:* db *State:* resolved &lt;#C0GENERAL&gt; ·",
		"\n> Replica lag\n> *State:* resolved\n> &lt;@UALICE&gt; said &lt;!here&gt; &amp;amp; left\n",
	)
	if n := stateLines(got); n != 1 || !strings.Contains(got, "\n*State:* triggered") {
		t.Errorf("want one state line, the page's, got %d:\n%s", n, got)
	}
}

// A group named by handle is still mentioned: as a group mention that the
// Slack adapter completes with the group's ID, not as "@handle" text,
// which Slack would not link (link_names is off).
func TestTheSlackPageMentionsAGroupGivenByHandle(t *testing.T) {
	v := testView()
	v.Group = "@data-oncall"
	if got := v.Slack(); !strings.Contains(got, "<!subteam^data-oncall>: on call <@UALICE>") {
		t.Errorf("the page does not mention the group:\n%s", got)
	}
	v.Group = "data-oncall>|<!channel"
	if got := v.Slack(); strings.Contains(got, "<!channel") {
		t.Errorf("a group that is no handle became markup:\n%s", got)
	}
}

func TestThePageDMIsTwoLinesOfData(t *testing.T) {
	v := hostile()
	v.Summary = "DB down\n*State:* resolved <!channel>"
	got := v.PageDM()
	want := "You are paged: [CRITICAL] DB down *State:* resolved &lt;!channel&gt;\nIncident `incident-data-fp1` in #data-team"
	if got != want {
		t.Errorf("PageDM = %q, want %q", got, want)
	}
}

// SMS and calls are plain text: nothing escaped, control characters
// gone, one line.
func TestSMSAndCallArePlainTextOnOneLine(t *testing.T) {
	v := testView()
	v.Summary = "orders & <refunds>\n\tfailed\x07\x1b\u202e"
	for name, got := range map[string]string{"SMS": v.SMS(), "call": v.Call("data\nops"), "headline": v.Headline()} {
		if !strings.Contains(got, "orders & <refunds> failed") || strings.ContainsAny(got, "\n\t\x07\x1b\u202e") || strings.Contains(got, "&amp;") {
			t.Errorf("%s = %q", name, got)
		}
	}
	if got := v.Call("data"); got != "This is Baton. critical incident for team data: orders & <refunds> failed." {
		t.Errorf("call = %q", got)
	}
}

// A description too long for a Slack section is cut to its start, within
// Slack's limits counted in characters, and the cut says where the whole
// text is.
func TestALongDescriptionIsCutAndSaysWhereToReadIt(t *testing.T) {
	const where = "… (cut: `starter incident show incident-data-fp1 --json` has the whole text)"
	for name, desc := range map[string]string{
		"one long line":  strings.Repeat("ü<", 5000),
		"many lines":     strings.Repeat("step failed\n", 500),
		"within limits":  "short",
		"a long summary": "",
	} {
		v := testView()
		v.Description = desc
		if name == "a long summary" {
			v.Summary = strings.Repeat("é", 5000)
		}
		got := v.Slack()
		for _, line := range strings.Split(got, "\n") {
			if n := utf8.RuneCountInString(line); n > 3000 {
				t.Errorf("%s: a line of %d characters", name, n)
			}
		}
		if n := utf8.RuneCountInString(got); n > 6000 {
			t.Errorf("%s: a page of %d characters", name, n)
		}
		cut := name == "one long line" || name == "many lines"
		if strings.Contains(got, where) != cut {
			t.Errorf("%s: the page says it was cut: %v, want %v:\n%s", name, !cut, cut, got)
		}
		if plain := v.Plain(); strings.Contains(plain, "starter incident show incident-data-fp1 --json has the whole text") != cut {
			t.Errorf("%s: the plain page says it was cut: %v, want %v", name, !cut, cut)
		}
	}
}

// Every "<" of a rendering in mrkdwn opens a mention or link that Baton
// made: the group's and the responders' mentions, the source's and the
// runbook's links. No input makes another.
func FuzzTheSlackRenderingsMakeNoMarkupOfAlertText(f *testing.F) {
	f.Add("<!channel> DB down <https://evil.example|Acknowledge here>", "a\n*State:* resolved", "airflow", "bob", "http://prometheus:9090/graph", "https://wiki.example.com/rb", "data-team")
	f.Add("<@U0ADMIN>", "<#C0GENERAL> &lt;!here&gt;", "<!subteam^S0OTHER>", "<!everyone>", "https://a.example/><!channel>", "https://a|b", "#x<y")
	f.Add("&lt;!channel&gt;", "<http://x|y>\r\n\u2028> <!here>", "\x00<\x00!channel>", "U<!here>", "javascript:x", "", "")
	f.Add(strings.Repeat("<!channel>", 700), strings.Repeat("<@UALICE>\n", 400), "", "", "", "", "")
	f.Fuzz(func(t *testing.T, summary, desc, service, name, sourceURL, runbookURL, channel string) {
		v := testView()
		v.Summary, v.Description, v.Service, v.SourceURL, v.RunbookURL, v.ChannelName = summary, desc, service, sourceURL, runbookURL, channel
		v.OnCall = append(v.OnCall, Person{Name: name}, Person{Name: name, ChatID: name})
		v.AckedBy, v.AckedAt = &Person{Name: name, ChatID: "UBOB"}, v.LastDelivery
		allowed := []string{"<!subteam^S0DATA>", "<@UALICE>", "<@UBOB>"}
		if mrkdwn.User(name) == "<@"+name+">" {
			allowed = append(allowed, "<@"+name+">") // a chat ID is Baton's to mention
		}
		if u := mrkdwn.LinkURL(sourceURL); u != "" {
			allowed = append(allowed, "<"+u+"|alertmanager>")
		}
		if u := mrkdwn.LinkURL(runbookURL); u != "" {
			allowed = append(allowed, "<"+u+"|Runbook>")
		}
		for what, out := range map[string]string{"page": v.Slack(), "DM": v.PageDM(), "headline": v.SlackHeadline()} {
			for i := strings.IndexByte(out, '<'); i >= 0; i = next(out, i) {
				if !slices.ContainsFunc(allowed, func(a string) bool { return strings.HasPrefix(out[i:], a) }) {
					t.Fatalf("the %s holds markup Baton did not make at %d: %q\n%s", what, i, out[i:min(i+40, len(out))], out)
				}
			}
			if n := stateLines(out); n != 1 && what == "page" || n != 0 && what != "page" {
				t.Fatalf("the %s has %d state lines:\n%s", what, n, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if utf8.RuneCountInString(line) > 3000 {
					t.Fatalf("the %s has a line of %d characters", what, utf8.RuneCountInString(line))
				}
			}
			if !utf8.ValidString(out) || strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
				t.Fatalf("the %s holds invalid UTF-8 or control characters: %q", what, out)
			}
		}
		if sms := v.SMS(); strings.ContainsFunc(sms, unicode.IsControl) {
			t.Fatalf("the SMS holds control characters: %q", sms)
		}
	})
}

func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '<')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// stateLines counts the lines that read as the page's state.
func stateLines(page string) int {
	n := 0
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "*State:*") {
			n++
		}
	}
	return n
}

// An incident of a service names what is downstream of it, linked where
// the team file gives a URL, as data; the stakeholders' first post says so.
func TestThePageNamesWhatItAffects(t *testing.T) {
	v := testView()
	v.Affects = []Affected{{Name: "Revenue <dashboard>", URL: "https://bi.example.com/d/revenue"}, {Name: "finance"}}
	texttest.HoldsAll(t, "Slack page", v.Slack(), "*Affects:* <https://bi.example.com/d/revenue|Revenue &lt;dashboard&gt;>, finance")
	texttest.HoldsAll(t, "plain page", v.Plain(), "Affects: Revenue <dashboard> (https://bi.example.com/d/revenue), finance")
	at := time.Date(2026, 11, 24, 14, 2, 0, 0, v.Loc)
	texttest.HoldsAll(t, "stakeholders' opening post", v.Opened("data", at),
		":red_circle: [CRITICAL] orders_daily DAG failed (team data): under investigation since Tue 24 Nov 14:02 CET. Affects: <https://bi.example.com/d/revenue|Revenue &lt;dashboard&gt;>, finance.")
	v.Affects = nil
	texttest.HoldsNone(t, "page of a service with nothing downstream", v.Slack(), "Affects")
	texttest.HoldsNone(t, "opening post of a service with nothing downstream", v.Opened("data", at), "Affects")
}

func TestADrillSaysSoInEveryRendering(t *testing.T) {
	v := testView()
	v.Drill = true
	texttest.HoldsAll(t, "Slack page", v.Slack(), ":red_circle: *[DRILL] [CRITICAL] orders_daily DAG failed*", "This is a drill: answer it as you would a real page.")
	texttest.HoldsAll(t, "plain page", v.Plain(), "[DRILL] [CRITICAL] orders_daily DAG failed", "This is a drill")
	texttest.HoldsAll(t, "DM", v.PageDM(), "You are paged: [DRILL] [CRITICAL]")
	texttest.HoldsAll(t, "SMS", v.SMS(), "Baton: [DRILL] [CRITICAL] orders_daily DAG failed")
	texttest.HoldsAll(t, "call", v.Call("data"), "This is Baton. This is a drill. critical incident for team data")
}
