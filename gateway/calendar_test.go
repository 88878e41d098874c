package gateway

// Calendar feed tests: GET /calendar/{team}.ics and
// /calendar/{team}/{person}.ics served with httptest, a *mocks.Client
// answering the roster's query with overrides, and every feed read back
// with calendar/icaltest's strict parser.
//
// Identifiers here start with "ct" so that they cannot collide with the
// package's other test files.

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/calendar"
	"github.com/baton-oncall/baton/calendar/icaltest"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

const (
	ctToken = "cal-s3cret-token"
	// ctTeamsYAML: data rotates alice, bob and carol weekly from Monday 2
	// November 2026, 09:00 Berlin (08:00 UTC: CET); lead is in the team
	// but not the rotation. platform's pager is Opsgenie.
	ctTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: "#data-team", user_group: data-oncall}
    pager:
      rotation: {members: [alice, bob, carol], shift: 1w, start: "2026-11-02T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, name: Alice Adler, email: alice@example.com}
      - {id: bob, email: bob@example.com}
      - {id: carol, name: Carol Chen, email: carol@example.com}
      - {id: lead, email: lead@example.com}
` + htPlatformYAML
)

var (
	ctBerlin = func() *time.Location {
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			panic(err)
		}
		return loc
	}()
	// ctNow is Wednesday of alice's first week.
	ctNow = time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)
	// ctFeb1 ends the shift under way 12 weeks after ctNow.
	ctFeb1 = time.Date(2027, 2, 1, 9, 0, 0, 0, ctBerlin)
)

func ctAt(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, ctBerlin)
}

// ctOverrides: carol covers alice from Thursday 18:00 to Friday 09:00 (a
// dentist), and bob covers carol for two evenings of her week.
var ctOverrides = []team.Override{
	{ID: "o1", Person: "carol", From: ctAt(11, 5, 18), To: ctAt(11, 6, 9), Note: "dentist", By: "alice"},
	{ID: "o2", Person: "bob", From: ctAt(11, 17, 18), To: ctAt(11, 19, 8), By: "carol"},
}

// ctValue is a query's answer, as Temporal's data converter would give it.
type ctValue struct{ v any }

func (c ctValue) HasValue() bool { return c.v != nil }

func (c ctValue) Get(ptr any) error {
	b, err := json.Marshal(c.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, ptr)
}

type ctFixture struct {
	teams  *team.File
	client *mocks.Client
	logs   *bytes.Buffer
	now    time.Time
	token  string
}

func ctNew(t *testing.T) *ctFixture {
	t.Helper()
	f, err := team.Parse([]byte(ctTeamsYAML))
	if err != nil {
		t.Fatalf("the test's team file: %v", err)
	}
	return &ctFixture{teams: f, client: &mocks.Client{}, logs: &bytes.Buffer{}, now: ctNow, token: ctToken}
}

// roster makes the roster's query answer overrides (or fail with err).
func (f *ctFixture) roster(overrides []team.Override, err error) {
	var v any
	if err == nil {
		v = ctValue{overrides}
	}
	f.client.On("QueryWorkflow", mock.Anything, contract.RosterWorkflowID("data"), "", contract.RosterQuery).Return(v, err)
}

func (f *ctFixture) get(t *testing.T, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	if token != "" {
		path += "?token=" + url.QueryEscape(token)
	}
	g := New(Options{
		Temporal: f.client, Teams: f.teams, CalendarToken: f.token,
		Now:    func() time.Time { return f.now },
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	return htServe(t, g, httptest.NewRequest(http.MethodGet, path, nil))
}

// ctFeed checks a 200 feed's headers and parses it strictly.
func ctFeed(t *testing.T, rec *httptest.ResponseRecorder) *icaltest.Component {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/calendar; charset=utf-8", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q: a feed whose URL holds a token must not sit in a shared cache", cc)
	}
	cal, err := icaltest.Check(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, rec.Body)
	}
	return cal
}

// ctEvent is an event read back from a feed.
type ctEvent struct {
	UID, Summary, Description string
	Start, End                time.Time
}

// ctStretch is an event as a test expects it.
type ctStretch struct {
	summary    string
	start, end time.Time
}

// ctBeginsWith checks that the feed's events got begin with want.
func ctBeginsWith(t *testing.T, got []ctEvent, want []ctStretch) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%d events, want at least %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Summary != w.summary || !got[i].Start.Equal(w.start) || !got[i].End.Equal(w.end) {
			t.Errorf("event %d: %q %s to %s, want %q %s to %s", i, got[i].Summary, got[i].Start, got[i].End, w.summary, w.start, w.end)
		}
	}
}

func ctEvents(t *testing.T, cal *icaltest.Component) []ctEvent {
	t.Helper()
	var out []ctEvent
	for _, ev := range cal.Events() {
		out = append(out, ctEvent{
			UID:         icaltest.Must(t, ev, "UID", icaltest.Prop.Text),
			Summary:     icaltest.Must(t, ev, "SUMMARY", icaltest.Prop.Text),
			Description: icaltest.Must(t, ev, "DESCRIPTION", icaltest.Prop.Text),
			Start:       icaltest.Must(t, ev, "DTSTART", icaltest.Prop.UTC),
			End:         icaltest.Must(t, ev, "DTEND", icaltest.Prop.UTC),
		})
	}
	return out
}

func ctCalName(t *testing.T, cal *icaltest.Component) string {
	t.Helper()
	return icaltest.Must(t, cal, "X-WR-CALNAME", icaltest.Prop.Text)
}

// ctJSONError checks a refusal: its status and that its message holds
// every one of want.
func ctJSONError(t *testing.T, rec *httptest.ResponseRecorder, code int, want ...string) string {
	t.Helper()
	if rec.Code != code {
		t.Errorf("status %d, want %d: %s", rec.Code, code, rec.Body)
	}
	msg := htErrorBody(t, rec)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
	return msg
}

func TestCalendarOff(t *testing.T) {
	for _, path := range []string{"/calendar/data.ics", "/calendar/data/alice.ics", "/calendar/nosuch.ics"} {
		f := ctNew(t)
		f.token = ""
		for _, token := range []string{"", "anything"} {
			rec := f.get(t, path, token)
			ctJSONError(t, rec, http.StatusNotFound, "off", "BATON_CALENDAR_TOKEN")
		}
		htNoCalls(t, f.client)
	}
}

func TestCalendarForbidden(t *testing.T) {
	for _, path := range []string{"/calendar/data.ics", "/calendar/data/alice.ics", "/calendar/nosuch.ics", "/calendar/platform.ics", "/calendar/data/nobody.ics"} {
		for _, token := range []string{"", "guess-1234", ctToken[:len(ctToken)-1], strings.ToUpper(ctToken), ctToken + "x"} {
			f := ctNew(t)
			rec := f.get(t, path, token)
			msg := ctJSONError(t, rec, http.StatusForbidden, "token", "BATON_CALENDAR_TOKEN")
			for _, secret := range []string{ctToken, token} {
				if secret != "" && (strings.Contains(msg, secret) || strings.Contains(f.logs.String(), secret)) {
					t.Errorf("%s with token %q: the answer or the log echoes a token:\n%s\n%s", path, token, msg, f.logs)
				}
			}
			// Nothing is looked up without the token: not even whether the
			// team exists.
			if strings.Contains(msg, "nosuch") || strings.Contains(msg, "nobody") || strings.Contains(msg, "pager") {
				t.Errorf("%s: the refusal tells what exists: %q", path, msg)
			}
			htNoCalls(t, f.client)
		}
	}
	// A second token parameter does not help.
	f := ctNew(t)
	rec := f.get(t, "/calendar/data.ics?token=guess-1234&token="+ctToken, "")
	ctJSONError(t, rec, http.StatusForbidden)
}

func TestCalendarNotFound(t *testing.T) {
	cases := []struct {
		path string
		want []string
	}{
		{"/calendar/nosuch.ics", []string{`unknown team "nosuch"`, "data, platform"}},
		{"/calendar/nosuch/alice.ics", []string{`unknown team "nosuch"`}},
		{"/calendar/data/nobody.ics", []string{`"data"`, `no person "nobody"`}},
		{"/calendar/platform.ics", []string{`"platform"`, "pager"}},
		{"/calendar/platform/dana.ics", []string{`"platform"`, "pager"}},
		{"/calendar/data", []string{"/calendar/{team}.ics"}},
		{"/calendar/data/alice", []string{"/calendar/{team}/{person}.ics"}},
		{"/calendar/.ics", []string{"/calendar/{team}.ics"}},
		{"/calendar/data/.ics", []string{"/calendar/{team}/{person}.ics"}},
	}
	for _, tc := range cases {
		f := ctNew(t)
		rec := f.get(t, tc.path, ctToken)
		ctJSONError(t, rec, http.StatusNotFound, tc.want...)
		htNoCalls(t, f.client)
	}
}

func TestCalendarTeamFeed(t *testing.T) {
	f := ctNew(t)
	f.roster(ctOverrides, nil)
	cal := ctFeed(t, f.get(t, "/calendar/data.ics", ctToken))
	f.client.AssertExpectations(t)
	if got := ctCalName(t, cal); got != "On call: data" {
		t.Errorf("X-WR-CALNAME %q", got)
	}
	got := ctEvents(t, cal)

	// The first weeks, by hand: alice's week cut by carol's evening, then
	// bob's, then carol's cut by bob's two evenings.
	ctBeginsWith(t, got, []ctStretch{
		{"On call: alice (data)", ctAt(11, 2, 9), ctAt(11, 5, 18)},
		{"On call: carol (data, covering; dentist)", ctAt(11, 5, 18), ctAt(11, 6, 9)},
		{"On call: alice (data)", ctAt(11, 6, 9), ctAt(11, 9, 9)},
		{"On call: bob (data)", ctAt(11, 9, 9), ctAt(11, 16, 9)},
		{"On call: carol (data)", ctAt(11, 16, 9), ctAt(11, 17, 18)},
		{"On call: bob (data, covering)", ctAt(11, 17, 18), ctAt(11, 19, 8)},
		{"On call: carol (data)", ctAt(11, 19, 8), ctAt(11, 23, 9)},
		{"On call: alice (data)", ctAt(11, 23, 9), ctAt(11, 30, 9)},
	})

	// Every event is one of team.Schedule's stretches, in order: from the
	// start of the shift under way to the end of the shift 12 weeks on.
	tm, _ := f.teams.Team("data")
	segs, err := tm.Schedule(ctOverrides, ctAt(11, 2, 9), ctFeb1)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != len(got) {
		t.Fatalf("%d events, but team.Schedule has %d stretches", len(got), len(segs))
	}
	for i, s := range segs {
		e := got[i]
		if !e.Start.Equal(s.From) || !e.End.Equal(s.To) || !strings.HasPrefix(e.Summary, "On call: "+s.Person+" (data") {
			t.Errorf("event %d is %q %s to %s; the schedule has %s %s to %s", i, e.Summary, e.Start, e.End, s.Person, s.From, s.To)
		}
		if wantUID := calendar.UID("data", s.Person, s.From, s.Override); e.UID != wantUID {
			t.Errorf("event %d: UID %q, want %q", i, e.UID, wantUID)
		}
	}
	// Twelve weeks on, the last event ends with its shift, not mid-week.
	last := got[len(got)-1]
	if horizon := ctNow.AddDate(0, 0, 7*12); last.End.Before(horizon) || !last.End.Equal(ctFeb1) {
		t.Errorf("the last event ends %s; want the end of the shift under way at %s", last.End, horizon)
	}
	// The override's description says who is covered, by whose request.
	if d := got[1].Description; !strings.Contains(d, "Carol Chen") || !strings.Contains(d, "covering for alice") || !strings.Contains(d, "o1") || !strings.Contains(d, "dentist") {
		t.Errorf("the override's description is %q", d)
	}
	if !bytes.Contains(f.getBody(t), []byte(`SUMMARY:On call: carol (data\, covering\; dentist)`)) {
		t.Error("the override's summary is not escaped in the feed")
	}
}

func (f *ctFixture) getBody(t *testing.T) []byte {
	t.Helper()
	return f.get(t, "/calendar/data.ics", ctToken).Body.Bytes()
}

// Fetched again later in the same stretch, the feed has the same events:
// the one under way keeps its start and UID, so an app updates rather
// than duplicates it; a stretch that ended is gone.
func TestCalendarFeedIsStableAcrossFetches(t *testing.T) {
	f := ctNew(t)
	f.roster(ctOverrides, nil)
	first := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	f.now = ctNow.Add(5 * time.Hour)
	again := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	if len(first) == 0 || len(again) != len(first) {
		t.Fatalf("%d events, then %d", len(first), len(again))
	}
	for i := range first {
		if first[i].UID != again[i].UID || !first[i].Start.Equal(again[i].Start) {
			t.Errorf("event %d changed: %+v, then %+v", i, first[i], again[i])
		}
	}
	// Friday: alice's first stretch and carol's evening are over.
	f.now = ctAt(11, 6, 12)
	later := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	if later[0].UID != first[2].UID || !later[0].Start.Equal(ctAt(11, 6, 9)) {
		t.Errorf("on Friday the feed starts with %+v, want alice from Friday 09:00 (%s)", later[0], first[2].UID)
	}
}

// An override under way that began before the shift does keeps its start.
func TestCalendarOverrideUnderWay(t *testing.T) {
	f := ctNew(t)
	f.now = ctAt(11, 9, 12) // Monday of bob's week
	f.roster([]team.Override{{ID: "o9", Person: "carol", From: ctAt(11, 8, 20), To: ctAt(11, 9, 20)}}, nil)
	got := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	if len(got) < 2 || got[0].Summary != "On call: carol (data, covering)" || !got[0].Start.Equal(ctAt(11, 8, 20)) || !got[0].End.Equal(ctAt(11, 9, 20)) ||
		got[1].Summary != "On call: bob (data)" || !got[1].Start.Equal(ctAt(11, 9, 20)) {
		t.Errorf("the feed starts with %+v", got[:min(2, len(got))])
	}
}

func TestCalendarPersonFeed(t *testing.T) {
	f := ctNew(t)
	f.roster(ctOverrides, nil)
	cal := ctFeed(t, f.get(t, "/calendar/data/carol.ics", ctToken))
	if got := ctCalName(t, cal); got != "On call: carol (data)" {
		t.Errorf("X-WR-CALNAME %q", got)
	}
	if cd := f.get(t, "/calendar/data/carol.ics", ctToken).Header().Get("Content-Disposition"); !strings.Contains(cd, `filename="carol.ics"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	got := ctEvents(t, cal)
	ctBeginsWith(t, got, []ctStretch{
		{"On call: carol (data, covering; dentist)", ctAt(11, 5, 18), ctAt(11, 6, 9)},
		{"On call: carol (data)", ctAt(11, 16, 9), ctAt(11, 17, 18)},
		{"On call: carol (data)", ctAt(11, 19, 8), ctAt(11, 23, 9)},
		{"On call: carol (data)", ctAt(12, 7, 9), ctAt(12, 14, 9)},
	})
	for _, e := range got {
		if !strings.HasPrefix(e.Summary, "On call: carol (") {
			t.Errorf("carol's feed holds %q", e.Summary)
		}
	}
	// Each of her events is the same event as in the team's feed.
	teamEvents := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	uids := map[string]bool{}
	for _, e := range teamEvents {
		uids[e.UID] = true
	}
	for _, e := range got {
		if !uids[e.UID] {
			t.Errorf("carol's event %q is not in the team's feed", e.UID)
		}
	}

	// lead is in the team but not the rotation: a feed with no events.
	cal = ctFeed(t, f.get(t, "/calendar/data/lead.ics", ctToken))
	if n := len(cal.Events()); n != 0 {
		t.Errorf("lead's feed has %d events", n)
	}
}

// A roster that never ran has no overrides: the feed is the rotation.
func TestCalendarWithoutRoster(t *testing.T) {
	f := ctNew(t)
	f.roster(nil, serviceerror.NewNotFound("workflow not found"))
	got := ctEvents(t, ctFeed(t, f.get(t, "/calendar/data.ics", ctToken)))
	if len(got) == 0 || got[0].Summary != "On call: alice (data)" || !got[0].Start.Equal(ctAt(11, 2, 9)) || !got[0].End.Equal(ctAt(11, 9, 9)) {
		t.Errorf("the feed starts with %+v", got)
	}
	for _, e := range got {
		if strings.Contains(e.Summary, "covering") {
			t.Errorf("an override without a roster: %q", e.Summary)
		}
	}
}

func TestCalendarTemporalDown(t *testing.T) {
	f := ctNew(t)
	f.roster(nil, errors.New("connection refused"))
	rec := f.get(t, "/calendar/data.ics", ctToken)
	ctJSONError(t, rec, http.StatusServiceUnavailable, "overrides", "data")
	if strings.Contains(f.logs.String(), ctToken) {
		t.Errorf("the log holds the token:\n%s", f.logs)
	}
}
