package silence

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)

func TestParseMatchers(t *testing.T) {
	ms, err := ParseMatchers([]string{"service=orders", "env = prod"})
	if err != nil || len(ms) != 2 || ms[0] != (Matcher{"service", "orders"}) || ms[1] != (Matcher{"env", "prod"}) {
		t.Fatalf("ParseMatchers = %v, %v", ms, err)
	}
	for _, bad := range [][]string{nil, {"service"}, {"=orders"}, {"service="}, {"a=1", "a=2"}} {
		if _, err := ParseMatchers(bad); err == nil {
			t.Errorf("ParseMatchers(%q) took it", bad)
		}
	}
}

func TestMatchesReadsFieldsThenLabels(t *testing.T) {
	a := Alert{Service: "orders", AlertName: "DagFailed", Severity: "high", Labels: map[string]string{"env": "prod", "service": "label-loses"}}
	for _, c := range []struct {
		match []Matcher
		want  bool
	}{
		{[]Matcher{{"service", "orders"}}, true},
		{[]Matcher{{"service", "label-loses"}}, false},
		{[]Matcher{{"alertname", "DagFailed"}, {"env", "prod"}}, true},
		{[]Matcher{{"alertname", "DagFailed"}, {"env", "staging"}}, false},
		{[]Matcher{{"severity", "high"}}, true},
		{[]Matcher{{"team", "data"}}, false},
		{nil, false},
	} {
		if got := (Silence{Matchers: c.match}).Matches(a); got != c.want {
			t.Errorf("%v matches = %v, want %v", c.match, got, c.want)
		}
	}
}

func TestASilenceHoldsFromItsStartUntilItEnds(t *testing.T) {
	s := Silence{Matchers: []Matcher{{"service", "orders"}}, From: t0, Until: t0.Add(2 * time.Hour)}
	a := Alert{Service: "orders"}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{t0.Add(-time.Second), false}, {t0, true}, {t0.Add(2*time.Hour - time.Second), true}, {t0.Add(2 * time.Hour), false}} {
		if _, got := Holding([]Silence{s}, a, c.at); got != c.want {
			t.Errorf("holding at %s = %v, want %v", c.at, got, c.want)
		}
	}
	s.Ended = t0.Add(time.Hour)
	if _, held := Holding([]Silence{s}, a, t0.Add(time.Hour)); held || s.End() != s.Ended {
		t.Errorf("a silence removed at %s still holds then (end %s)", s.Ended, s.End())
	}
}

func TestCheckBoundsASilence(t *testing.T) {
	ok := Silence{Matchers: []Matcher{{"service", "orders"}}, From: t0, Until: t0.Add(MaxFor)}
	if err := ok.Check(t0); err != nil {
		t.Fatalf("a week's silence: %v", err)
	}
	for name, c := range map[string]struct {
		s    Silence
		want string
	}{
		"longer than a week": {Silence{Matchers: ok.Matchers, From: t0, Until: t0.Add(MaxFor + time.Minute)}, "at most"},
		"over already":       {Silence{Matchers: ok.Matchers, From: t0.Add(-time.Hour), Until: t0}, "not after now"},
		"no matcher":         {Silence{From: t0, Until: t0.Add(time.Hour)}, "at least one matcher"},
		"long note":          {Silence{Matchers: ok.Matchers, From: t0, Until: t0.Add(time.Hour), Note: strings.Repeat("n", MaxNote+1)}, "note"},
	} {
		if err := c.s.Check(t0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check = %v, want an error saying %q", name, err, c.want)
		}
	}
}
