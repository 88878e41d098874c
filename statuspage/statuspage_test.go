package statuspage

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// now is Thursday 5 November 2026, 14:05 in Berlin (CET); the window's
// 30 days run from 7 October, across the clocks going back on 25 October.
var now = at(11, 5, 14, 5)

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, berlin)
}

// data lists orders and events; critical and high page.
var data = team.Team{
	Name: "data", TimeZone: "Europe/Berlin",
	People: []team.Person{{ID: "alice", Name: "Alice Adler"}, {ID: "bob"}},
	Services: []team.Service{
		{Name: "orders", Description: "Orders loaded hourly from the shop"},
		{Name: "events"},
	},
}

// open is an open incident of a service, triggered at from, in state.
func open(service, severity, state string, from time.Time) Record {
	r := Record{Incident: summary.Incident{Team: "data", Service: service, Severity: severity, Summary: service + " is late", Triggered: from},
		State: state, Running: true}
	switch state {
	case contract.StateAcknowledged:
		r.Acknowledged = from.Add(8 * time.Minute)
	case contract.StateMitigated:
		r.Acknowledged, r.Mitigated = from.Add(8*time.Minute), from.Add(28*time.Minute)
	}
	return r
}

// closed is an incident of a service resolved at to.
func closed(service, severity string, from, to time.Time) Record {
	return Record{Incident: summary.Incident{Team: "data", Service: service, Severity: severity, Summary: service + " was late",
		Triggered: from, Acknowledged: from.Add(time.Minute), Resolved: to, Closed: to.Add(time.Hour)},
		State: contract.StateClosed, Ended: to.Add(time.Hour)}
}

func compute(t *testing.T, in TeamInput) Team {
	t.Helper()
	if in.Team.Name == "" {
		in.Team = data
	}
	got, err := ComputeTeam(in, now)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func statuses(tm Team) map[string]Status {
	out := map[string]Status{}
	for _, s := range tm.Services {
		out[s.Name] = s.Status
	}
	return out
}

func TestServiceStatus(t *testing.T) {
	for _, c := range []struct {
		name    string
		records []Record
		checks  []Check
		want    map[string]Status
		team    Status
	}{
		{"nothing open", []Record{closed("orders", "critical", at(11, 5, 9, 0), at(11, 5, 10, 0))}, nil,
			map[string]Status{"orders": Operational, "events": Operational}, Operational},
		{"a paging incident, triggered", []Record{open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 2))}, nil,
			map[string]Status{"orders": Down, "events": Operational}, Down},
		{"a paging incident, acknowledged", []Record{open("orders", "high", contract.StateAcknowledged, at(11, 5, 14, 2))}, nil,
			map[string]Status{"orders": Down, "events": Operational}, Down},
		{"a paging incident, mitigated", []Record{open("orders", "critical", contract.StateMitigated, at(11, 5, 14, 2))}, nil,
			map[string]Status{"orders": Degraded, "events": Operational}, Degraded},
		{"an incident that does not page", []Record{open("events", "low", contract.StateTriggered, at(11, 5, 14, 2))}, nil,
			map[string]Status{"orders": Operational, "events": Degraded}, Degraded},
		{"a held one", []Record{open("events", "low", contract.StateHeld, at(11, 5, 3, 0))}, nil,
			map[string]Status{"orders": Operational, "events": Degraded}, Degraded},
		{"resolved, its run still waiting for the RCA",
			[]Record{func() Record {
				r := open("orders", "critical", contract.StateResolved, at(11, 5, 12, 0))
				r.Resolved = at(11, 5, 13, 0)
				return r
			}()}, nil,
			map[string]Status{"orders": Operational, "events": Operational}, Operational},
		{"a run that stopped unresolved (terminated)",
			[]Record{func() Record {
				r := open("orders", "critical", contract.StateTriggered, at(11, 5, 12, 0))
				r.Running, r.Ended = false, at(11, 5, 12, 30)
				return r
			}()}, nil,
			map[string]Status{"orders": Operational, "events": Operational}, Operational},
		{"the worst incident wins",
			[]Record{open("orders", "low", contract.StateTriggered, at(11, 5, 13, 0)), open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 0))}, nil,
			map[string]Status{"orders": Down, "events": Operational}, Down},
		{"a failing check", nil, []Check{{Name: "events_fresh", Service: "events", Failing: true}, {Name: "orders_fresh", Service: "orders"}},
			map[string]Status{"orders": Operational, "events": Degraded}, Degraded},
		{"a failing check does not lift down", []Record{open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 2))},
			[]Check{{Name: "orders_fresh", Service: "orders", Failing: true}},
			map[string]Status{"orders": Down, "events": Operational}, Down},
		{"a failing check of no service is left off", nil, []Check{{Name: "disk", Failing: true}},
			map[string]Status{"orders": Operational, "events": Operational}, Operational},
		{"a service the file does not list", []Record{open("billing", "critical", contract.StateTriggered, at(11, 5, 14, 2))},
			[]Check{{Name: "api", Service: "api", Failing: true}},
			map[string]Status{"orders": Operational, "events": Operational, "billing": Down, "api": Degraded}, Down},
		{"an incident of no service is the team's", []Record{open("", "critical", contract.StateTriggered, at(11, 5, 14, 2))}, nil,
			map[string]Status{"orders": Operational, "events": Operational}, Down},
		{"no state in visibility: read from the times", []Record{func() Record {
			r := open("orders", "critical", contract.StateMitigated, at(11, 5, 14, 2))
			r.State = ""
			return r
		}()}, nil,
			map[string]Status{"orders": Degraded, "events": Operational}, Degraded},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := compute(t, TeamInput{Records: c.records, Checks: c.checks})
			if s := statuses(got); len(s) != len(c.want) {
				t.Errorf("services %v, want %v", s, c.want)
			}
			for name, want := range c.want {
				if s := statuses(got)[name]; s != want {
					t.Errorf("%s is %q, want %q", name, s, want)
				}
			}
			if got.Status != c.team {
				t.Errorf("the team is %q, want %q", got.Status, c.team)
			}
		})
	}
}

func TestServicesKeepTheFilesOrderThenTheOthersByName(t *testing.T) {
	got := compute(t, TeamInput{Records: []Record{
		open("zeta", "low", contract.StateTriggered, now), open("billing", "low", contract.StateTriggered, now),
		closed("old", "critical", at(11, 1, 9, 0), at(11, 1, 10, 0)),
	}})
	var names []string
	for _, s := range got.Services {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "orders,events,billing,zeta" {
		t.Errorf("services %v: the file's in order, then those of open incidents by name; a closed incident's is not listed", names)
	}
	if got.Services[0].Description != "Orders loaded hourly from the shop" {
		t.Errorf("description %q", got.Services[0].Description)
	}
}

func TestLatestPublicUpdate(t *testing.T) {
	for _, c := range []struct {
		state  string
		phase  string
		update string
	}{
		{contract.StateTriggered, PhaseInvestigating, "Investigating since 14:02"},
		{contract.StateHeld, PhaseInvestigating, "Investigating since 14:02"},
		{contract.StateAcknowledged, PhaseIdentified, "Identified: being worked on since 14:10"},
		{contract.StateMitigated, PhaseMitigated, "Mitigated at 14:30: impact contained"},
	} {
		got := compute(t, TeamInput{Records: []Record{open("orders", "critical", c.state, at(11, 5, 14, 2))}})
		if len(got.Open) != 1 {
			t.Fatalf("%s: open %+v", c.state, got.Open)
		}
		inc := got.Open[0]
		if inc.Phase != c.phase || inc.Update != c.update {
			t.Errorf("%s: %q %q, want %q %q", c.state, inc.Phase, inc.Update, c.phase, c.update)
		}
		if inc.Headline != "orders is late" || inc.Severity != "critical" || inc.Service != "orders" || !inc.Since.Equal(at(11, 5, 14, 2)) {
			t.Errorf("%s: %+v", c.state, inc)
		}
	}

	// An open incident of another day says which; a resolved one is
	// listed for a day, then leaves the page.
	got := compute(t, TeamInput{Records: []Record{
		open("orders", "low", contract.StateTriggered, at(11, 4, 22, 15)),
		closed("events", "critical", at(11, 5, 14, 0), at(11, 5, 15-1, 0)),
		closed("events", "critical", at(11, 4, 9, 0), at(11, 4, 10, 0)),
	}})
	if got.Open[0].Update != "Investigating since Wed 4 Nov 22:15" {
		t.Errorf("update %q", got.Open[0].Update)
	}
	if len(got.Resolved) != 1 || got.Resolved[0].Update != "Resolved at 14:00" || got.Resolved[0].Phase != PhaseResolved {
		t.Errorf("recently resolved %+v: the one resolved today, not the one of yesterday morning", got.Resolved)
	}
}

func TestOpenIncidentsTheWorstAndNewestFirst(t *testing.T) {
	got := compute(t, TeamInput{Records: []Record{
		open("events", "low", contract.StateTriggered, at(11, 5, 14, 0)),
		open("orders", "critical", contract.StateTriggered, at(11, 5, 9, 0)),
		open("orders", "critical", contract.StateTriggered, at(11, 5, 10, 0)),
	}})
	var order []string
	for _, inc := range got.Open {
		order = append(order, inc.SinceText)
	}
	if strings.Join(order, ",") != "10:00,09:00,14:00" {
		t.Errorf("order %v", order)
	}
}

func TestHistoryAcrossThirtyDays(t *testing.T) {
	got := compute(t, TeamInput{Records: []Record{
		// 40 days ago: out of the window.
		closed("orders", "critical", at(9, 26, 9, 0), at(9, 26, 10, 0)),
		// Paged on the night the clocks went back, mitigated within an
		// hour, resolved the next afternoon: down that day, degraded the
		// next.
		func() Record {
			r := closed("orders", "critical", at(10, 25, 2, 30), at(10, 26, 15, 0))
			r.Mitigated = at(10, 25, 3, 15)
			return r
		}(),
		// Low, from the evening of 1 November to the morning after.
		closed("orders", "low", at(11, 1, 22, 0), at(11, 2, 7, 0)),
		// Open since this morning, mitigated: today was down, then
		// degraded.
		open("events", "high", contract.StateMitigated, at(11, 5, 9, 0)),
		// Of no service: the team's only.
		closed("", "critical", at(11, 3, 12, 0), at(11, 3, 12, 20)),
	}})
	orders, events := got.Services[0].History, got.Services[1].History
	if len(orders.Days) != HistoryDays || orders.Days[0].Date != "2026-10-07" || orders.Days[HistoryDays-1].Date != "2026-11-05" {
		t.Fatalf("days %s … %s (%d), want 2026-10-07 … 2026-11-05", orders.Days[0].Date, orders.Days[len(orders.Days)-1].Date, len(orders.Days))
	}
	day := func(h History, date string) Day {
		for _, d := range h.Days {
			if d.Date == date {
				return d
			}
		}
		t.Fatalf("no day %s", date)
		return Day{}
	}
	for _, c := range []struct {
		h         History
		date      string
		status    Status
		incidents int
	}{
		{orders, "2026-10-07", Operational, 0},
		{orders, "2026-10-24", Operational, 0},
		{orders, "2026-10-25", Down, 1},
		{orders, "2026-10-26", Degraded, 1},
		{orders, "2026-10-27", Operational, 0},
		{orders, "2026-11-01", Degraded, 1},
		{orders, "2026-11-02", Degraded, 1},
		{orders, "2026-11-03", Operational, 0},
		{events, "2026-11-05", Down, 1},
		{events, "2026-11-04", Operational, 0},
		{got.History, "2026-11-03", Down, 1},
		{got.History, "2026-11-05", Down, 1},
		{got.History, "2026-10-26", Degraded, 1},
	} {
		if d := day(c.h, c.date); d.Status != c.status || d.Incidents != c.incidents {
			t.Errorf("%s: %s with %d incidents, want %s with %d", c.date, d.Status, d.Incidents, c.status, c.incidents)
		}
	}
	if orders.Incidents != 2 || events.Incidents != 1 || got.History.Incidents != 4 {
		t.Errorf("incidents in 30 days: orders %d, events %d, the team %d; want 2, 1, 4 (each counted once, however many days it spans)",
			orders.Incidents, events.Incidents, got.History.Incidents)
	}
	if l := day(orders, "2026-10-25").Label; l != "Sun 25 Oct: down, 1 incident" {
		t.Errorf("label %q", l)
	}
}

// hostile is an alert summary that tries to run a script, to break out of
// an attribute and to reorder the text around it.
const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(2)>` + "\u202e" + `evil`

func render(t *testing.T, p Page) (html, js string) {
	t.Helper()
	var b bytes.Buffer
	if err := p.HTML(&b); err != nil {
		t.Fatal(err)
	}
	j, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), string(j)
}

func TestAHostileSummaryIsShownAsText(t *testing.T) {
	r := open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 2))
	r.Summary = hostile
	tm := data
	tm.Services = append(tm.Services, team.Service{Name: `<b>svc</b>`, Description: `<i onclick="x">d</i>`})
	p, err := Compute(now, TeamInput{Team: tm, Records: []Record{r}})
	if err != nil {
		t.Fatal(err)
	}
	html, js := render(t, p)
	for _, bad := range []string{"<script", "<img", "<b>", "<i ", "\u202e"} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML holds %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;evil", "&lt;b&gt;svc&lt;/b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML does not show %q as text", want)
		}
	}
	if strings.Contains(js, "<script") || !strings.Contains(js, `\u003cscript\u003ealert(1)`) {
		t.Errorf("the JSON does not escape the summary:\n%s", js)
	}
	var back Page
	if err := json.Unmarshal([]byte(js), &back); err != nil || back.Teams[0].Open[0].Headline != strings.ReplaceAll(hostile, "\u202e", "") {
		t.Errorf("the JSON's headline %q (%v)", back.Teams[0].Open[0].Headline, err)
	}
}

func TestAHeadlineIsOneBoundedLine(t *testing.T) {
	r := open("orders", "critical", contract.StateTriggered, now)
	r.Summary = "first\nsecond " + strings.Repeat("x", 500)
	got := compute(t, TeamInput{Records: []Record{r}}).Open[0].Headline
	if strings.Contains(got, "\n") || len([]rune(got)) != headlineMost || !strings.HasPrefix(got, "first second x") || !strings.HasSuffix(got, "…") {
		t.Errorf("headline %q (%d characters)", got, len([]rune(got)))
	}
}

// A record holds who acted, who was paged and silence notes; none of it is
// the public's, and who is on call only when the team says so.
func TestNoNotesNoNames(t *testing.T) {
	r := open("orders", "critical", contract.StateAcknowledged, at(11, 5, 14, 2))
	r.AcknowledgedBy, r.ResolvedBy = "alice", "alice"
	r.OnCall = []string{"alice"}
	r.Interruptions = []summary.Interruption{{At: r.Triggered, Kind: summary.KindCall, Person: "bob"}}
	r.Silenced, r.SilenceNote = "s1", "warehouse migration, ask bob"
	r.RCATicket = "DATA-123"
	r.AlertName = "OrdersLate"
	done := closed("events", "critical", at(11, 5, 9, 0), at(11, 5, 10, 0))
	done.ResolvedBy = "bob"
	onCall := []team.Person{{ID: "alice", Name: "Alice Adler"}}

	p, err := Compute(now, TeamInput{Team: data, Records: []Record{r, done}, OnCall: onCall})
	if err != nil {
		t.Fatal(err)
	}
	html, js := render(t, p)
	for _, secret := range []string{"alice", "Alice", "bob", "migration", "DATA-123", "s1\"", "OrdersLate"} {
		if strings.Contains(html, secret) || strings.Contains(js, secret) {
			t.Errorf("the page shows %q", secret)
		}
	}

	shows := data
	shows.StatusPage.ShowOnCall = true
	p, err = Compute(now, TeamInput{Team: shows, Records: []Record{r, done}, OnCall: onCall})
	if err != nil {
		t.Fatal(err)
	}
	html, js = render(t, p)
	if !strings.Contains(html, "On call: Alice Adler.") || !strings.Contains(js, `"on_call": [`) {
		t.Errorf("show_on_call: the page does not say who is on call")
	}
	if strings.Contains(html, "bob") || strings.Contains(js, "bob") || strings.Count(html, "Alice") != 1 {
		t.Errorf("show_on_call shows who is on call in the team's header, and nothing else of anyone")
	}
}

// handlerAttr is an event handler attribute: a script by another name.
var handlerAttr = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)

func TestTheHTMLReadsOnAPhoneWithoutScript(t *testing.T) {
	p, err := Compute(now,
		TeamInput{Team: data, Records: []Record{open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 2))}},
		TeamInput{Team: team.Team{Name: "web", TimeZone: "America/New_York"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != Down || p.Teams[1].Status != Operational {
		t.Errorf("page %s, web %s", p.Status, p.Teams[1].Status)
	}
	html, _ := render(t, p)
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<title>Status</title>`,
		`Some services are down`,
		`<section class="team" data-team="data" data-status="down">`,
		`<section class="team" data-team="web" data-status="operational">`,
		`<li class="service" data-service="orders" data-status="down">`,
		`<li class="service" data-service="events" data-status="operational">`,
		`Times in Europe/Berlin (CET).`,
		`Times in America/New_York (EST).`,
		`<p>Investigating since 14:02</p>`,
		`The team file lists no services.`,
		`data-date="2026-11-05" data-status="down" data-incidents="1" title="Thu 5 Nov: down, 1 incident"`,
		`Updated 5 Nov 2026 13:05:00 UTC`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") || handlerAttr.MatchString(html) {
		t.Error("the page has a script")
	}

	one, err := Compute(now, TeamInput{Team: data})
	if err != nil {
		t.Fatal(err)
	}
	html, _ = render(t, one)
	for _, want := range []string{`<title>Status: data</title>`, `All services are operational`, `Updated 5 Nov 2026 14:05:00 CET`, `No open incidents.`} {
		if !strings.Contains(html, want) {
			t.Errorf("a team's page lacks %s", want)
		}
	}
}

func TestJSONShape(t *testing.T) {
	p, err := Compute(now, TeamInput{Team: data, Records: []Record{open("orders", "critical", contract.StateTriggered, at(11, 5, 14, 2))},
		Checks: []Check{{Name: "events_fresh", Service: "events", Failing: true}}})
	if err != nil {
		t.Fatal(err)
	}
	_, js := render(t, p)
	var got struct {
		GeneratedAt time.Time `json:"generated_at"`
		Status      string
		Teams       []struct {
			Name, Timezone, Status string
			Services               []struct {
				Name, Status  string
				FailingChecks int `json:"failing_checks"`
				OpenIncidents int `json:"open_incidents"`
				History       struct {
					Incidents int
					Days      []map[string]any
				}
			}
			OpenIncidents    []map[string]any `json:"open_incidents"`
			RecentlyResolved []map[string]any `json:"recently_resolved"`
			History          struct{ Days []map[string]any }
		}
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	if !got.GeneratedAt.Equal(now) || got.Status != "down" || len(got.Teams) != 1 {
		t.Fatalf("%+v", got)
	}
	tm := got.Teams[0]
	if tm.Name != "data" || tm.Timezone != "Europe/Berlin" || tm.Status != "down" || len(tm.Services) != 2 || tm.RecentlyResolved == nil {
		t.Errorf("team %+v", tm)
	}
	if s := tm.Services[0]; s.Name != "orders" || s.Status != "down" || s.OpenIncidents != 1 || s.History.Incidents != 1 || len(s.History.Days) != HistoryDays {
		t.Errorf("orders %+v", s)
	}
	if s := tm.Services[1]; s.Status != "degraded" || s.FailingChecks != 1 {
		t.Errorf("events %+v", s)
	}
	inc := tm.OpenIncidents[0]
	for k, want := range map[string]any{"headline": "orders is late", "severity": "critical", "service": "orders", "status": "down",
		"phase": "investigating", "since": "2026-11-05T14:02:00+01:00", "update": "Investigating since 14:02"} {
		if inc[k] != want {
			t.Errorf("open_incidents[0].%s = %v, want %v", k, inc[k], want)
		}
	}
	if d := tm.History.Days[HistoryDays-1]; d["date"] != "2026-11-05" || d["status"] != "down" || d["incidents"] != 1.0 || len(d) != 3 {
		t.Errorf("today %v", d)
	}
}
