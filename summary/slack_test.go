package summary

import (
	"strings"
	"testing"

	"github.com/baton-oncall/baton/internal/texttest"
)

func TestSlackMarksHeadingsLinksAndEscapes(t *testing.T) {
	in := handWeek(t)
	in.Incidents[0].Summary = "Primary <db> & replica down"
	r := Compute(in)
	text := Slack(r)
	texttest.HoldsAll(t, "Slack text", text,
		"*On-call summary: payments, week 2026-W47*\n",
		"*Incidents:* 8, 4 paged",
		"  - critical <https://ui/inc-1/r1|inc-1> [db]: Primary &lt;db&gt; &amp; replica down,",
		"*Interruptions:* 8 (pages 5, SMS 1, calls 2): business 3, off-hours 1, sleep 4\n",
		"\n*On-call hours:*\n  Alice (alice) 164.0 h (business 50.0,",
		"*RCAs:* 3 open, 1 overdue",
		"  - <https://ui/old-1/o1|old-1>: Cache stampede",
		"*Load:* 16h30m",
	)
	// The plain text keeps the summary as it is and has no markup.
	plain := r.Text()
	if !strings.Contains(plain, "Primary <db> & replica down") || strings.Contains(plain, "*Incidents:*") || strings.Contains(plain, "<https://") {
		t.Errorf("plain text carries Slack markup:\n%s", plain)
	}
}

// Every field of the report that came from an alert is text, on its own
// line: a service, an alert's name or a summary cannot mention anyone,
// link anywhere or add a line.
func TestSlackShowsAlertFieldsAsData(t *testing.T) {
	week := func(service, alert, summary string) Input {
		in := handWeek(t)
		for i := range in.Incidents {
			in.Incidents[i].Service, in.Incidents[i].AlertName, in.Incidents[i].Summary = service, alert, summary
		}
		return in
	}
	in := week("db <!channel>", "<@U0ADMIN> <https://evil.example|Acknowledge>", "Replica lag\n*RCAs:* 0 open\x1b[2J")
	clean := Slack(Compute(week("db", "DBDown", "Replica lag")))
	text := Slack(Compute(in))
	texttest.HoldsNone(t, "the summary", text, "<!channel>", "<@U0ADMIN>", "<https://evil.example", "\n*RCAs:* 0 open", "\x1b")
	texttest.HoldsAll(t, "the summary", text, "By service: db &lt;!channel&gt; 8", "&lt;@U0ADMIN&gt; &lt;https://evil.example|Acknowledge&gt;", ": Replica lag *RCAs:* 0 open[2J,")
	if got, want := strings.Count(text, "\n"), strings.Count(clean, "\n"); got != want {
		t.Errorf("%d lines, want %d as with plain alerts:\n%s", got, want, text)
	}
	if plain := Compute(in).Text(); strings.Contains(plain, "\n*RCAs:*") || strings.Contains(plain, "\x1b") {
		t.Errorf("the plain text holds a line of an alert's:\n%s", plain)
	}
}
