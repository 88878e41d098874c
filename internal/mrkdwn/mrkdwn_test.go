package mrkdwn

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeLeavesNoMarkupOfOutsideText(t *testing.T) {
	for in, want := range map[string]string{
		"<!channel> DB down <https://evil.example|Acknowledge here>": "&lt;!channel&gt; DB down &lt;https://evil.example|Acknowledge here&gt;",
		"<@U0ADMIN> & <#C0GENERAL>":                                  "&lt;@U0ADMIN&gt; &amp; &lt;#C0GENERAL&gt;",
		"already &lt; escaped":                                       "already &amp;lt; escaped",
		"line one\r\nline two\rthree":                                "line one\nline two\nthree",
		"bell\a, null\x00, esc\x1b[31m, del\x7f, c1\u0085 gone":      "bell, null, esc[31m, del, c1 gone",
		"tab\there":         "tab here",
		"evil\u202egnp.exe": "evilgnp.exe",
		"bad utf-8 \xff":    "bad utf-8 \ufffd",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLineIsOneLine(t *testing.T) {
	got := Line("DB down\n*State:* resolved\u2028  <!here>")
	if want := "DB down *State:* resolved &lt;!here&gt;"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	if got := OneLine("a\n\nb\t c "); got != "a b c" {
		t.Errorf("OneLine = %q", got)
	}
}

// A description's lines are all quoted: none can pass for a line of the
// page, such as its state.
func TestQuoteMarksEveryLine(t *testing.T) {
	got := Quote("Replica lag\n*State:* resolved\n> nested <!channel>\n\n")
	want := "> Replica lag\n> *State:* resolved\n> &gt; nested &lt;!channel&gt;"
	if got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
	for _, line := range strings.Split(got, "\n") {
		if !strings.HasPrefix(line, "> ") {
			t.Errorf("line %q is not quoted", line)
		}
	}
	if Quote(" \n\n") != "" || PlainQuote("") != "" {
		t.Error("an empty description is quoted")
	}
	if got := PlainQuote("a <b>\nc"); got != "> a <b>\n> c" {
		t.Errorf("PlainQuote = %q", got)
	}
}

func TestMentionsAreBuiltFromIDsOnly(t *testing.T) {
	for in, want := range map[string]string{
		"UALICE":            "<@UALICE>",
		"W0ENTERPRISE":      "<@W0ENTERPRISE>",
		"alice":             "<@alice>",
		"":                  "",
		"U<!channel>":       "U&lt;!channel&gt;",
		"UALICE>|<!here":    "UALICE&gt;|&lt;!here",
		"<@UALICE>":         "&lt;@UALICE&gt;",
		"U1\n*State:* done": "U1 *State:* done",
	} {
		if got := User(in); got != want {
			t.Errorf("User(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"S0DATA":          "<!subteam^S0DATA>",
		"@data-oncall":    "<!subteam^data-oncall>",
		"data.oncall_2":   "<!subteam^data.oncall_2>",
		"data>|<!channel": "data&gt;|&lt;!channel",
		"":                "",
	} {
		if got := Group(in); got != want {
			t.Errorf("Group(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinkTakesOnlyCleanWebURLs(t *testing.T) {
	for _, c := range []struct{ url, text, want string }{
		{"https://wiki.example.com/rb?a=1&b=2", "Runbook", "<https://wiki.example.com/rb?a=1&amp;b=2|Runbook>"},
		{"http://prometheus:9090/graph", "alert<manager>", "<http://prometheus:9090/graph|alert&lt;manager&gt;>"},
		{"https://evil.example|Acknowledge here", "Runbook", "Runbook"},
		{"https://a.example/><!channel>", "Runbook", "Runbook"},
		{"javascript:alert(1)", "Runbook", "Runbook"},
		{"https://a.example/x y", "Runbook", "Runbook"},
		{"https:///nohost", "Runbook", "Runbook"},
		{"https://a.example/" + strings.Repeat("x", maxURL), "Runbook", "Runbook"},
		{"", "alertmanager", "alertmanager"},
	} {
		if got := Link(c.url, c.text); got != c.want {
			t.Errorf("Link(%q, %q) = %q, want %q", c.url, c.text, got, c.want)
		}
	}
	if got := Code("id`<!here>"); got != "`id'&lt;!here&gt;`" {
		t.Errorf("Code = %q", got)
	}
}

// A cut counts characters, not bytes, never splits an escape or a
// mention, and says so.
func TestCutCountsCharactersAndSplitsNoEscape(t *testing.T) {
	if got := Cut("ééé", 3, "…"); got != "ééé" {
		t.Errorf("a text within the limit was cut: %q", got)
	}
	if got := Cut("éééé", 3, "…"); got != "éé…" {
		t.Errorf("Cut = %q", got)
	}
	for n := 1; n < 30; n++ {
		s := "ab &lt;!channel&gt; <@UALICE> cd &amp;"
		got := Cut(s, n, "~")
		if utf8.RuneCountInString(got) > n {
			t.Errorf("Cut(%d) = %q: %d characters", n, got, utf8.RuneCountInString(got))
		}
		head := strings.TrimSuffix(got, "~")
		if i := strings.LastIndexByte(head, '&'); i >= 0 && !strings.Contains(head[i:], ";") {
			t.Errorf("Cut(%d) = %q splits an escape", n, got)
		}
		if i := strings.LastIndexByte(head, '<'); i >= 0 && !strings.Contains(head[i:], ">") {
			t.Errorf("Cut(%d) = %q splits a mention", n, got)
		}
	}
	head, rest := Split("one\ntwo three", 10)
	if head != "one\n" || rest != "two three" {
		t.Errorf("Split = %q, %q: want the cut at the line break", head, rest)
	}
	if got := CutPlain("ééé<é", 4, "…"); got != "ééé…" {
		t.Errorf("CutPlain = %q", got)
	}
}

func TestPlainShowsMarkupAsText(t *testing.T) {
	got := Plain("<!subteam^data-oncall>: <@UALICE> see <https://a.example/?a=1&amp;b=2|Runbook>: &lt;!channel&gt; &amp;lt;")
	want := "@data-oncall: @UALICE see Runbook (https://a.example/?a=1&b=2): <!channel> &lt;"
	if got != want {
		t.Errorf("Plain = %q, want %q", got, want)
	}
}
