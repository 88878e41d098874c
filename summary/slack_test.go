package summary

import (
	"strings"
	"testing"
)

func TestSlackMarksHeadingsLinksAndEscapes(t *testing.T) {
	in := handWeek(t)
	in.Incidents[0].Summary = "Primary <db> & replica down"
	r := Compute(in)
	text := Slack(r)
	for _, want := range []string{
		"*On-call summary: payments, week 2026-W47*\n",
		"*Incidents:* 8, 4 paged",
		"  - critical <https://ui/inc-1/r1|inc-1> [db]: Primary &lt;db&gt; &amp; replica down,",
		"*Interruptions:* 8 (pages 5, SMS 1, calls 2): business 3, off-hours 1, sleep 4\n",
		"\n*On-call hours:*\n  Alice (alice) 164.0 h (business 50.0,",
		"*RCAs:* 3 open, 1 overdue",
		"  - <https://ui/old-1/o1|old-1>: Cache stampede",
		"*Load:* 16h30m",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Slack text lacks %q:\n%s", want, text)
		}
	}
	// The plain text keeps the summary as it is and has no markup.
	plain := r.Text()
	if !strings.Contains(plain, "Primary <db> & replica down") || strings.Contains(plain, "*Incidents:*") || strings.Contains(plain, "<https://") {
		t.Errorf("plain text carries Slack markup:\n%s", plain)
	}
}
