package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/calendar"
	"github.com/baton-oncall/baton/calendar/icaltest"
)

var (
	now    = time.Date(2026, 11, 4, 12, 30, 5, 0, time.UTC)
	berlin = mustZone("Europe/Berlin")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sample is a feed with a shift, an override and a shift after it, the
// times given in Berlin's zone.
func sample() []calendar.Event {
	mon := time.Date(2026, 11, 2, 9, 0, 0, 0, berlin)
	return []calendar.Event{
		{UID: calendar.UID("data", "alice", mon, ""), Summary: "On call: alice (data)", Start: mon, End: mon.Add(26 * time.Hour)},
		{UID: calendar.UID("data", "carol", mon.Add(26*time.Hour), "o1"), Summary: "On call: carol (data, covering; dentist)",
			Description: "Override o1 by bob", Start: mon.Add(26 * time.Hour), End: mon.Add(50 * time.Hour)},
		{UID: calendar.UID("data", "alice", mon.Add(50*time.Hour), ""), Summary: "On call: alice (data)", Start: mon.Add(50 * time.Hour), End: mon.AddDate(0, 0, 7)},
	}
}

func mustCheck(t *testing.T, feed []byte) *icaltest.Component {
	t.Helper()
	cal, err := icaltest.Check(feed)
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, feed)
	}
	return cal
}

func text(t *testing.T, c *icaltest.Component, name string) string {
	t.Helper()
	return icaltest.Must(t, c, name, icaltest.Prop.Text)
}

func utc(t *testing.T, c *icaltest.Component, name string) time.Time {
	t.Helper()
	return icaltest.Must(t, c, name, icaltest.Prop.UTC)
}

func TestFeedIsAValidCalendar(t *testing.T) {
	events := sample()
	feed := calendar.Feed("On call: data", events, now)
	cal := mustCheck(t, feed)

	if !bytes.HasPrefix(feed, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")) || !bytes.HasSuffix(feed, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("the feed does not start with BEGIN:VCALENDAR, VERSION, PRODID or end with END:VCALENDAR:\n%s", feed)
	}
	if got := text(t, cal, "PRODID"); got != calendar.ProdID {
		t.Errorf("PRODID %q", got)
	}
	for _, name := range []string{"X-WR-CALNAME", "NAME"} {
		if got := text(t, cal, name); got != "On call: data" {
			t.Errorf("%s %q, want %q", name, got, "On call: data")
		}
	}
	ri, err := cal.One("REFRESH-INTERVAL")
	if err != nil || ri.Params["VALUE"] != "DURATION" || ri.Value != "PT1H" {
		t.Errorf("REFRESH-INTERVAL %+v (%v), want ;VALUE=DURATION:PT1H", ri, err)
	}
	if ttl, err := cal.One("X-PUBLISHED-TTL"); err != nil || ttl.Value != "PT1H" {
		t.Errorf("X-PUBLISHED-TTL %+v (%v), want PT1H", ttl, err)
	}

	evs := cal.Events()
	if len(evs) != len(events) {
		t.Fatalf("%d VEVENTs, want %d", len(evs), len(events))
	}
	for i, ev := range evs {
		want := events[i]
		if got := text(t, ev, "UID"); got != want.UID {
			t.Errorf("event %d: UID %q, want %q", i, got, want.UID)
		}
		if got := utc(t, ev, "DTSTAMP"); !got.Equal(now) {
			t.Errorf("event %d: DTSTAMP %s, want %s", i, got, now)
		}
		if got := utc(t, ev, "DTSTART"); !got.Equal(want.Start) {
			t.Errorf("event %d: DTSTART %s, want %s", i, got, want.Start)
		}
		if got := utc(t, ev, "DTEND"); !got.Equal(want.End) {
			t.Errorf("event %d: DTEND %s, want %s", i, got, want.End)
		}
		if got := text(t, ev, "SUMMARY"); got != want.Summary {
			t.Errorf("event %d: SUMMARY %q, want %q", i, got, want.Summary)
		}
		if ds := ev.All("DESCRIPTION"); want.Description == "" && len(ds) != 0 {
			t.Errorf("event %d: an empty description is written: %+v", i, ds)
		} else if want.Description != "" && text(t, ev, "DESCRIPTION") != want.Description {
			t.Errorf("event %d: DESCRIPTION %q, want %q", i, text(t, ev, "DESCRIPTION"), want.Description)
		}
	}
	// 09:00 in Berlin on 2 November is 08:00 UTC, written with a Z.
	if !bytes.Contains(feed, []byte("\r\nDTSTART:20261102T080000Z\r\n")) {
		t.Errorf("the first shift's start is not written in UTC:\n%s", feed)
	}
	if bytes.Contains(feed, []byte("TZID")) {
		t.Errorf("the feed names a time zone; every time should be UTC:\n%s", feed)
	}
}

func TestFeedLinesEndInCRLFAndFit(t *testing.T) {
	feed := calendar.Feed("On call: data", sample(), now)
	if n, m := bytes.Count(feed, []byte("\n")), bytes.Count(feed, []byte("\r\n")); n != m || n == 0 {
		t.Errorf("%d LFs but %d CRLFs", n, m)
	}
	if bytes.Count(feed, []byte("\r")) != bytes.Count(feed, []byte("\r\n")) {
		t.Error("the feed has a bare CR")
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(feed), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
	}
}

func TestFeedEscapesText(t *testing.T) {
	const tricky = "a, b; c\\d\nsecond line"
	feed := calendar.Feed("team, with; odd\\name", []calendar.Event{{
		UID: "u1@baton", Summary: tricky, Description: "one\r\ntwo\rthree", Start: now, End: now.Add(time.Hour),
	}}, now)
	cal := mustCheck(t, feed)
	if !bytes.Contains(feed, []byte(`SUMMARY:a\, b\; c\\d\nsecond line`+"\r\n")) {
		t.Errorf("the summary is not escaped as a\\, b\\; c\\\\d\\nsecond line:\n%s", feed)
	}
	ev := cal.Events()[0]
	if got := text(t, ev, "SUMMARY"); got != tricky {
		t.Errorf("SUMMARY unescapes to %q, want %q", got, tricky)
	}
	if got := text(t, ev, "DESCRIPTION"); got != "one\ntwo\nthree" {
		t.Errorf("DESCRIPTION unescapes to %q: CRLF and CR should each become one newline", got)
	}
	if got := text(t, cal, "X-WR-CALNAME"); got != "team, with; odd\\name" {
		t.Errorf("X-WR-CALNAME unescapes to %q", got)
	}
}

func TestTextDropsControlCharacters(t *testing.T) {
	if got, want := calendar.Text("bell\a tab\t nul\x00 del\x7f"), "bell tab\t nul del"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := calendar.Text("bad \xff byte"); !utf8.ValidString(got) {
		t.Errorf("Text = %q: not valid UTF-8", got)
	}
	if got := calendar.Text("colon: stays"); got != "colon: stays" {
		t.Errorf("Text = %q: a colon is not escaped in TEXT", got)
	}
}

func TestFeedFoldsLongLines(t *testing.T) {
	cases := map[string]string{
		"ascii":       "On call: carol (data, covering; " + strings.Repeat("a long note about the dentist ", 8) + ")",
		"multibyte":   strings.Repeat("Zoë Øster covers 🚨 für Jürgen; ", 12),
		"escapes":     strings.Repeat(`\,;`, 60),
		"exactly 75":  strings.Repeat("x", 75-len("SUMMARY:")),
		"76":          strings.Repeat("x", 76-len("SUMMARY:")),
		"a long word": strings.Repeat("é", 200),
	}
	for name, summary := range cases {
		t.Run(name, func(t *testing.T) {
			feed := calendar.Feed("On call: data", []calendar.Event{{UID: "u@baton", Summary: summary, Start: now, End: now.Add(time.Hour)}}, now)
			lines, err := icaltest.Lines(feed)
			if err != nil {
				t.Fatal(err)
			}
			var folds int
			for i, l := range lines {
				if !strings.HasPrefix(l, " ") {
					continue
				}
				folds++
				// The fold does not split an escape (\, \; \\ \n).
				before := lines[i-1]
				if n := len(before) - len(strings.TrimRight(before, `\`)); n%2 == 1 {
					t.Errorf("a fold splits an escape after %q", before)
				}
			}
			logical := "SUMMARY:" + calendar.Text(summary)
			if want := len(logical) > 75; (folds > 0) != want {
				t.Errorf("%d folds for a %d-octet line", folds, len(logical))
			}
			cal := mustCheck(t, feed)
			if got := text(t, cal.Events()[0], "SUMMARY"); got != summary {
				t.Errorf("the summary unfolds to\n%q\nwant\n%q", got, summary)
			}
		})
	}
}

func TestFeedWithoutEvents(t *testing.T) {
	cal := mustCheck(t, calendar.Feed("On call: data", nil, now))
	if n := len(cal.Events()); n != 0 {
		t.Errorf("%d events", n)
	}
}

func TestFeedIsDeterministic(t *testing.T) {
	a := calendar.Feed("On call: data", sample(), now)
	b := calendar.Feed("On call: data", sample(), now)
	if !bytes.Equal(a, b) {
		t.Error("the same events gave two different feeds")
	}
}

func TestUIDIsStable(t *testing.T) {
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, berlin)
	uid := calendar.UID("data", "alice", start, "")
	if want := "data/alice/20261102T080000Z@baton"; uid != want {
		t.Errorf("UID %q, want %q", uid, want)
	}
	if again := calendar.UID("data", "alice", start.UTC(), ""); again != uid {
		t.Errorf("the same instant in another zone gives %q, not %q", again, uid)
	}
	if o := calendar.UID("data", "alice", start, "o7"); o != "data/alice/20261102T080000Z/o7@baton" {
		t.Errorf("override UID %q", o)
	}
	different := []string{
		calendar.UID("data", "bob", start, ""),
		calendar.UID("platform", "alice", start, ""),
		calendar.UID("data", "alice", start.Add(time.Hour), ""),
		calendar.UID("data", "alice", start, "o1"),
		calendar.UID("data", "alice", start, "o2"),
		// "/" in a part cannot make two stretches share a UID.
		calendar.UID("data/alice", "x", start, ""),
		calendar.UID("data", "alice/x", start, ""),
	}
	seen := map[string]bool{uid: true}
	for _, u := range different {
		if seen[u] {
			t.Errorf("UID %q is given to two different stretches", u)
		}
		seen[u] = true
		if !strings.HasSuffix(u, "@baton") {
			t.Errorf("UID %q does not end in @baton", u)
		}
	}
}

// The parser used by these tests refuses what it should: a test that it
// passes a feed proves something.
func TestParserIsStrict(t *testing.T) {
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20261102T080000Z\r\nDTSTART:20261102T080000Z\r\nDTEND:20261102T090000Z\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := icaltest.Check([]byte(good)); err != nil {
		t.Fatalf("a good feed is refused: %v", err)
	}
	bad := map[string]string{
		"LF endings":         strings.ReplaceAll(good, "\r\n", "\n"),
		"no final CRLF":      strings.TrimSuffix(good, "\r\n"),
		"a long line":        strings.Replace(good, "SUMMARY:ok", "SUMMARY:"+strings.Repeat("o", 70), 1),
		"unescaped comma":    strings.Replace(good, "SUMMARY:ok", "SUMMARY:a,b", 1),
		"unescaped semi":     strings.Replace(good, "SUMMARY:ok", "SUMMARY:a;b", 1),
		"bad escape":         strings.Replace(good, "SUMMARY:ok", `SUMMARY:a\qb`, 1),
		"local time":         strings.Replace(good, "DTSTART:20261102T080000Z", "DTSTART:20261102T080000", 1),
		"TZID":               strings.Replace(good, "DTSTART:", "DTSTART;TZID=Europe/Berlin:", 1),
		"no UID":             strings.Replace(good, "UID:u\r\n", "", 1),
		"no DTSTAMP":         strings.Replace(good, "DTSTAMP:20261102T080000Z\r\n", "", 1),
		"no DTEND":           strings.Replace(good, "DTEND:20261102T090000Z\r\n", "", 1),
		"two UIDs":           strings.Replace(good, "UID:u\r\n", "UID:u\r\nUID:v\r\n", 1),
		"end before start":   strings.Replace(good, "DTEND:20261102T090000Z", "DTEND:20261102T070000Z", 1),
		"unclosed event":     strings.Replace(good, "END:VEVENT\r\n", "", 1),
		"no VERSION":         strings.Replace(good, "VERSION:2.0\r\n", "", 1),
		"empty fold":         strings.Replace(good, "SUMMARY:ok\r\n", "SUMMARY:ok\r\n \r\n", 1),
		"split character":    strings.Replace(good, "SUMMARY:ok", "SUMMARY:\xc3\r\n \xa9", 1),
		"text after the end": good + "X-AFTER:1\r\n",
	}
	for name, feed := range bad {
		if _, err := icaltest.Check([]byte(feed)); err == nil {
			t.Errorf("%s: the parser takes it", name)
		}
	}
	// A fold may fall anywhere, even inside an escape.
	folded := strings.Replace(good, "SUMMARY:ok", "SUMMARY:a\\\r\n ,b", 1)
	cal, err := icaltest.Check([]byte(folded))
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, cal.Events()[0], "SUMMARY"); got != "a,b" {
		t.Errorf("a fold inside an escape unfolds to %q", got)
	}
}
