package summary

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/team"
)

var testTeam = team.Team{
	Name:     "payments",
	TimeZone: "Europe/Berlin",
	People: []team.Person{
		{ID: "alice", Name: "Alice", TimeZone: "Europe/Berlin"},
		{ID: "bob", Name: "Bob", TimeZone: "America/New_York"},
		{ID: "carol"}, // the team's zone
	},
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func page(at time.Time, person string) Interruption {
	return Interruption{At: at, Kind: KindPage, Person: person}
}

func testLink(wid, rid string) string { return "https://ui/" + wid + "/" + rid }

// handWeek is a small week whose every figure is worked out by hand in
// TestComputeHandWeek.
func handWeek(t testing.TB) Input {
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, berlin) }
	incidents := []Record{
		{WorkflowID: "inc-1", RunID: "r1", Incident: Incident{
			Severity: "critical", Service: "db", AlertName: "DBDown", Summary: "Primary database down", Paged: true,
			Triggered: at(16, 10, 0), Acknowledged: at(16, 10, 4), Resolved: at(16, 11, 0),
			Interruptions: []Interruption{page(at(16, 10, 0), "alice")}, // Monday business
			Actionable:    yes(), Deliveries: 1,
		}},
		{WorkflowID: "inc-2", RunID: "r2", Incident: Incident{
			Severity: "high", Service: "api", AlertName: "LatencyHigh", Summary: "p99 latency", Paged: true,
			Triggered: at(17, 23, 30), Acknowledged: at(17, 23, 50), Resolved: at(18, 0, 30),
			EscalationStep: 3, ReachedSecondary: true,
			Interruptions: []Interruption{
				page(at(17, 23, 30), "alice"), // sleep
				{At: at(17, 23, 40), Kind: KindSMS, Person: "alice"},
				{At: at(17, 23, 45), Kind: KindCall, Person: "alice"},
				page(at(17, 23, 50), "bob"), // 17:50 in New York: business
			},
			Actionable: no(), Deliveries: 3,
		}},
		{WorkflowID: "inc-3", RunID: "r3", Incident: Incident{
			Severity: "high", Service: "api", AlertName: "LatencyHigh", Summary: "p99 latency", Paged: true,
			Triggered: at(17, 23, 45), Acknowledged: at(17, 23, 55), Resolved: at(18, 1, 0),
			EscalationStep: 1,
			Interruptions:  []Interruption{page(at(17, 23, 45), "alice")},
			Deliveries:     2,
		}},
		{WorkflowID: "inc-4", RunID: "r4", Incident: Incident{
			Severity: "low", Summary: "Disk 80%",
			Triggered: at(21, 12, 0), Resolved: at(21, 13, 0), ResolvedWhileHeld: true, Deliveries: 1,
		}},
		{WorkflowID: "inc-5", RunID: "r5", Incident: Incident{
			Severity: "critical", Service: "db", AlertName: "DBDown", Summary: "Replica lag", Paged: true,
			Triggered: at(22, 19, 0), Acknowledged: at(22, 19, 2), EscalationStep: 2,
			Interruptions: []Interruption{
				page(at(22, 19, 0), "carol"),                         // Sunday evening: off
				{At: at(23, 9, 30), Kind: KindCall, Person: "carol"}, // after the shift: folded, business
			},
			Actionable: yes(), Deliveries: 1,
		}},
		{WorkflowID: "inc-6", RunID: "r6", Incident: Incident{
			Severity: "medium", Service: "api", AlertName: "LatencyHigh", Summary: "p95 latency",
			Triggered: at(18, 14, 0), Resolved: at(18, 14, 30), Deliveries: 1,
		}},
		{WorkflowID: "inc-7", RunID: "r7", Incident: Incident{
			Severity: "low", Service: "queue", AlertName: "QueueBacklog", Summary: "backlog",
			Triggered: at(19, 9, 0), Resolved: at(19, 9, 10), Actionable: no(), Deliveries: 4,
		}},
		{WorkflowID: "inc-8", RunID: "r8", Incident: Incident{
			Severity: "low", Service: "queue", AlertName: "QueueBacklog", Summary: "backlog",
			Triggered: at(20, 20, 0), Resolved: at(20, 20, 10), Deliveries: 1,
		}},
	}
	openRCAs := []Record{
		{WorkflowID: "inc-2", RunID: "r2", Incident: Incident{Summary: "p99 latency", Resolved: at(18, 0, 30)}},
		{WorkflowID: "old-1", RunID: "o1", Incident: Incident{Summary: "Cache stampede", Resolved: at(10, 10, 0), RCATicket: "OPS-7"}},
		// Exactly a week before Now: not overdue yet.
		{WorkflowID: "edge", RunID: "e1", Incident: Incident{Summary: "Edge", Resolved: at(16, 12, 0)}},
	}
	return Input{
		Team: testTeam,
		Shift: Shift{
			Start:  at(16, 9, 0),
			End:    at(23, 9, 0),
			OnCall: []string{"alice"},
		},
		// Carol holds Sunday evening for alice.
		Holdings: []Holding{
			{Person: "alice", From: at(16, 9, 0), To: at(22, 18, 0)},
			{Person: "carol", From: at(22, 18, 0), To: at(22, 22, 0)},
			{Person: "alice", From: at(22, 22, 0), To: at(23, 9, 0)},
		},
		Incidents: incidents,
		OpenRCAs:  openRCAs,
		Now:       at(23, 12, 0),
		UILink:    testLink,
	}
}

func TestComputeHandWeek(t *testing.T) {
	in := handWeek(t)
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, berlin) }
	r := Compute(in)

	if r.Team != "payments" || r.TimeZone != "Europe/Berlin" || r.Shift.Week != "2026-W47" || !r.GeneratedAt.Equal(in.Now) {
		t.Errorf("header: team %q zone %q week %q generated %s", r.Team, r.TimeZone, r.Shift.Week, r.GeneratedAt)
	}

	// Incidents.
	wantInc := IncidentCounts{
		Total:      8,
		Paged:      4,
		BySeverity: map[string]int{"critical": 2, "high": 2, "medium": 1, "low": 3},
		ByService:  map[string]int{"db": 2, "api": 3, "queue": 2, "(none)": 1},
		Major: []MajorIncident{
			{WorkflowID: "inc-1", Summary: "Primary database down", Severity: "critical", Service: "db",
				Triggered: at(16, 10, 0), Resolved: at(16, 11, 0), DurationSeconds: 3600, Duration: "1h00m", Link: "https://ui/inc-1/r1"},
			{WorkflowID: "inc-2", Summary: "p99 latency", Severity: "high", Service: "api",
				Triggered: at(17, 23, 30), Resolved: at(18, 0, 30), DurationSeconds: 3600, Duration: "1h00m", Link: "https://ui/inc-2/r2"},
			{WorkflowID: "inc-3", Summary: "p99 latency", Severity: "high", Service: "api",
				Triggered: at(17, 23, 45), Resolved: at(18, 1, 0), DurationSeconds: 4500, Duration: "1h15m", Link: "https://ui/inc-3/r3"},
			// Open: to Now, Monday 12:00, 17 hours.
			{WorkflowID: "inc-5", Summary: "Replica lag", Severity: "critical", Service: "db",
				Triggered: at(22, 19, 0), DurationSeconds: 17 * 3600, Duration: "17h00m", Open: true, Link: "https://ui/inc-5/r5"},
		},
	}
	if !reflect.DeepEqual(r.Incidents, wantInc) {
		t.Errorf("incidents:\n got %+v\nwant %+v", r.Incidents, wantInc)
	}

	// Interruptions: alice is sorted first with 5, carol 2, bob 1.
	wantPeople := []PersonInterruptions{
		{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
			InterruptionCounts: InterruptionCounts{Pages: 3, SMS: 1, Calls: 1, Total: 5, BusinessHours: 1, SleepHours: 4}},
		{Person: "carol", TimeZone: "Europe/Berlin",
			InterruptionCounts: InterruptionCounts{Pages: 1, Calls: 1, Total: 2, BusinessHours: 1, OffHours: 1}},
		{Person: "bob", Name: "Bob", TimeZone: "America/New_York",
			InterruptionCounts: InterruptionCounts{Pages: 1, Total: 1, BusinessHours: 1}},
	}
	if !reflect.DeepEqual(r.Interruptions.People, wantPeople) {
		t.Errorf("people:\n got %+v\nwant %+v", r.Interruptions.People, wantPeople)
	}
	wantTotals := InterruptionCounts{Pages: 5, SMS: 1, Calls: 2, Total: 8, BusinessHours: 3, OffHours: 1, SleepHours: 4}
	if r.Interruptions.Totals != wantTotals {
		t.Errorf("totals %+v, want %+v", r.Interruptions.Totals, wantTotals)
	}

	// The grid, in Berlin.
	var wantGrid [7][24]int
	wantGrid[0][10] = 1 // Monday 10:00
	wantGrid[1][23] = 5 // Tuesday night
	wantGrid[6][19] = 1 // Sunday 19:00
	wantGrid[6][9] = 1  // the Monday after, folded into Sunday's row
	if r.PagesByDayHour.Counts != wantGrid {
		t.Errorf("grid %v", r.PagesByDayHour.Counts)
	}
	if r.PagesByDayHour.Max != 5 || r.PagesByDayHour.TimeZone != "Europe/Berlin" {
		t.Errorf("grid max %d zone %s", r.PagesByDayHour.Max, r.PagesByDayHour.TimeZone)
	}
	wantLabels := []string{"Mon 16 Nov", "Tue 17 Nov", "Wed 18 Nov", "Thu 19 Nov", "Fri 20 Nov", "Sat 21 Nov", "Sun 22 Nov"}
	if !slices.Equal(r.PagesByDayHour.DayLabels, wantLabels) {
		t.Errorf("labels %v", r.PagesByDayHour.DayLabels)
	}

	// Ack 2, 4, 10, 20 minutes; resolve 60, 60, 75 (inc-5 is open).
	if want := (TimeStats{Count: 4, MedianSeconds: 420, P90Seconds: 1200, Median: "7m00s", P90: "20m00s"}); r.TimeToAcknowledge != want {
		t.Errorf("ack %+v, want %+v", r.TimeToAcknowledge, want)
	}
	if want := (TimeStats{Count: 3, MedianSeconds: 3600, P90Seconds: 4500, Median: "1h00m", P90: "1h15m"}); r.TimeToResolve != want {
		t.Errorf("resolve %+v, want %+v", r.TimeToResolve, want)
	}

	if want := (EscalationStats{Escalated: 3, BeyondFirstStep: 2, ToSecondary: 1}); r.Escalations != want {
		t.Errorf("escalations %+v, want %+v", r.Escalations, want)
	}

	wantNoisy := []AlertNoise{
		{Alert: "LatencyHigh", Incidents: 3, Deliveries: 6, Noise: 1, Unanswered: 2},
		{Alert: "QueueBacklog", Incidents: 2, Deliveries: 5, Noise: 1, Unanswered: 1},
		{Alert: "DBDown", Incidents: 2, Deliveries: 2, Actionable: 2},
		{Alert: "Disk 80%", Incidents: 1, Deliveries: 1, Unanswered: 1},
	}
	if !reflect.DeepEqual(r.NoisiestAlerts, wantNoisy) {
		t.Errorf("noisiest:\n got %+v\nwant %+v", r.NoisiestAlerts, wantNoisy)
	}

	if want := (ActionableStats{Answered: 4, Actionable: 2, Noise: 2, Ratio: 0.5}); r.Actionable != want {
		t.Errorf("actionable %+v, want %+v", r.Actionable, want)
	}
	if r.HeldOvernightResolved != 1 {
		t.Errorf("held overnight %d", r.HeldOvernightResolved)
	}

	wantRCAs := RCAStats{
		NeededThisShift: 4, Open: 3, Overdue: 1,
		List: []OpenRCA{
			{WorkflowID: "old-1", Summary: "Cache stampede", Resolved: at(10, 10, 0), AgeSeconds: 13*86400 + 2*3600,
				Age: "13d02h", Overdue: true, Ticket: "OPS-7", Link: "https://ui/old-1/o1"},
			{WorkflowID: "edge", Summary: "Edge", Resolved: at(16, 12, 0), AgeSeconds: 7 * 86400,
				Age: "7d00h", Link: "https://ui/edge/e1"},
			{WorkflowID: "inc-2", Summary: "p99 latency", Resolved: at(18, 0, 30), AgeSeconds: 5*86400 + 11*3600 + 1800,
				Age: "5d12h", Link: "https://ui/inc-2/r2"},
		},
	}
	if !reflect.DeepEqual(r.RCAs, wantRCAs) {
		t.Errorf("rcas:\n got %+v\nwant %+v", r.RCAs, wantRCAs)
	}

	// Load: inc-1 60m; inc-2 and inc-3 overlap, 23:30-01:00 is 90m; inc-5
	// is open past the shift's end, 19:00-09:00 is 14h.
	wantLoad := Load{IncidentSeconds: 59400, ShiftSeconds: 604800, Ratio: 59400.0 / 604800,
		IncidentTime: "16h30m", ShiftTime: "7d00h"}
	if r.Load != wantLoad {
		t.Errorf("load %+v, want %+v", r.Load, wantLoad)
	}

	if r.Trend == nil || len(r.Trend) != 0 || r.TrendAgainst != "" {
		t.Errorf("trend before CompareWith: %+v", r.Trend)
	}

	// Held hours: alice the week but Sunday 18:00-22:00, carol that
	// evening. Carol's call after the shift counts for her, as above; bob
	// held nothing and is not listed.
	wantHeld := []PersonOnCall{
		{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
			Hours:         HeldHours{Total: 164, Business: 50, OffHours: 20, Sleep: 70, Weekend: 24},
			Interruptions: HeldInterruptions{Total: 5, Business: 1, Sleep: 4}},
		{Person: "carol", TimeZone: "Europe/Berlin",
			Hours:         HeldHours{Total: 4, Weekend: 4},
			Interruptions: HeldInterruptions{Total: 2, Business: 1, Weekend: 1}},
	}
	if !reflect.DeepEqual(r.OnCallHours.People, wantHeld) {
		t.Errorf("on-call hours:\n got %+v\nwant %+v", r.OnCallHours.People, wantHeld)
	}
}

func TestComputeHandWeekText(t *testing.T) {
	r := Compute(handWeek(t))
	r.RetentionWarning = "some incidents may be missing"
	prev := Compute(Input{Team: testTeam, Shift: Shift{Start: r.Shift.Start.AddDate(0, 0, -7), End: r.Shift.Start, Week: "2026-W46"}})
	r.CompareWith(prev)
	text := r.Text()
	texttest.HoldsAll(t, "text", text,
		"On-call summary: payments, week 2026-W47\n",
		"Warning: some incidents may be missing\n",
		"Shift: Mon 16 Nov 09:00 to Mon 23 Nov 09:00 (Europe/Berlin), on call: alice\n",
		"Incidents: 8, 4 paged (critical 2, high 2, medium 1, low 3)\n",
		"By service: api 3, db 2, queue 2, (none) 1\n",
		"  - critical inc-5 [db]: Replica lag, Sun 22 Nov 19:00, open for 17h00m\n",
		"Interruptions: 8 (pages 5, SMS 1, calls 2): business 3, off-hours 1, sleep 4\n",
		"  Alice (alice), Europe/Berlin: 5 (pages 3, SMS 1, calls 1): business 1, off-hours 0, sleep 4\n",
		"  Bob (bob), America/New_York: 1 (pages 1, SMS 0, calls 0): business 1, off-hours 0, sleep 0\n",
		"\nOn-call hours:\n"+
			"  Alice (alice) 164.0 h (business 50.0, off-hours 20.0, sleep 70.0, weekend 24.0); 5 interruptions (business 1, sleep 4)\n"+
			"  carol 4.0 h (business 0.0, off-hours 0.0, sleep 0.0, weekend 4.0); 2 interruptions (business 1, weekend 1)\n\n",
		"Time to acknowledge: median 7m00s, p90 20m00s (4 incidents)\n",
		"Time to resolve: median 1h00m, p90 1h15m (3 incidents)\n",
		"Escalations: 3 escalated, 2 beyond the first step, 1 to the secondary\n",
		"  1. LatencyHigh: 3 incidents, 6 deliveries; 0 actionable, 1 noise, 2 unanswered\n",
		"  4. Disk 80%: 1 incident, 1 delivery; 0 actionable, 0 noise, 1 unanswered\n",
		"Actionable: 2 of 4 answered (50%), 2 noise\n",
		"RCAs: 3 open, 1 overdue; 4 needed for this shift's incidents\n",
		"  - old-1: Cache stampede, resolved 13d02h ago, overdue, ticket OPS-7\n",
		"Load: 16h30m with a paged incident open in a 7d00h shift (9.8%)\n",
		"Trend against 2026-W46:\n",
		"  ↑ incidents: 8 (was 0)\n",
		"  ↑ interruptions in sleep hours: 4 (was 0)\n",
	)
	// The previous week had no pages: no median to compare.
	if strings.Contains(text, "median time to acknowledge") {
		t.Errorf("text compares a median with an empty week:\n%s", text)
	}
	if again := r.Text(); again != text {
		t.Error("Text is not deterministic")
	}
}

func TestComputeEmptyWeek(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	start := time.Date(2026, 11, 16, 9, 0, 0, 0, berlin)
	for _, in := range []Input{
		{}, // nothing at all
		{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}, Now: start.AddDate(0, 0, 7)},
	} {
		r := Compute(in)
		if r.Incidents.Total != 0 || r.Incidents.Paged != 0 || r.Interruptions.Totals != (InterruptionCounts{}) ||
			r.TimeToAcknowledge.Count != 0 || r.TimeToAcknowledge.MedianSeconds != 0 || r.TimeToResolve.P90Seconds != 0 ||
			r.Escalations != (EscalationStats{}) || r.Actionable != (ActionableStats{}) || r.RCAs.Open != 0 ||
			r.Load.IncidentSeconds != 0 || r.Load.Ratio != 0 || r.PagesByDayHour.Max != 0 {
			t.Errorf("empty week has figures: %+v", r)
		}
		if len(r.PagesByDayHour.DayLabels) != 7 {
			t.Errorf("labels %v", r.PagesByDayHour.DayLabels)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"team", "time_zone", "shift", "incidents", "interruptions", "pages_by_day_hour",
			"time_to_acknowledge", "time_to_resolve", "escalations", "noisiest_alerts", "actionable",
			"held_overnight_resolved", "rcas", "load", "trend", "oncall_hours"} {
			if _, ok := m[k]; !ok {
				t.Errorf("JSON lacks %q: %s", k, b)
			}
		}
		if _, ok := m["retention_warning"]; ok {
			t.Errorf("JSON has an empty retention_warning: %s", b)
		}
		// Lists and maps are empty, not null, for the chart.
		for _, frag := range []string{`"by_severity":{}`, `"by_service":{}`, `"major":[]`, `"noisiest_alerts":[]`,
			`"list":[]`, `"trend":[]`, `"people":[`, `"on_call":[`, `"median_seconds":0`, `"p90_seconds":0`, `"count":0`} {
			if !strings.Contains(string(b), frag) {
				t.Errorf("JSON lacks %s: %s", frag, b)
			}
		}
		if r.Text() == "" {
			t.Error("empty text")
		}
	}

	// The on-call person shows with zeros.
	r := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7), OnCall: []string{"Bob"}}})
	want := []PersonInterruptions{{Person: "bob", Name: "Bob", TimeZone: "America/New_York"}}
	if !reflect.DeepEqual(r.Interruptions.People, want) {
		t.Errorf("on-call person: %+v", r.Interruptions.People)
	}
	if r.Shift.Week != "2026-W47" || r.Load.ShiftSeconds != 7*86400 {
		t.Errorf("week %s, shift %ds", r.Shift.Week, r.Load.ShiftSeconds)
	}
}

func TestComputeLoad(t *testing.T) {
	start := utc(2026, 11, 16, 8, 0)
	end := start.Add(168 * time.Hour)
	h := func(x float64) time.Time { return start.Add(time.Duration(x * float64(time.Hour))) }
	inc := func(paged bool, from, to time.Time) Record {
		return Record{Incident: Incident{Severity: "high", Paged: paged, Triggered: from, Resolved: to}}
	}
	tests := []struct {
		name      string
		incidents []Record
		now       time.Time
		want      time.Duration
	}{
		{"two overlapping count once", []Record{inc(true, h(1), h(3)), inc(true, h(2), h(4))}, end, 3 * time.Hour},
		{"three overlapping and one apart",
			[]Record{inc(true, h(10), h(12)), inc(true, h(11), h(11.5)), inc(true, h(11.5), h(13)), inc(true, h(20), h(21))}, end, 4 * time.Hour},
		{"not paged does not count", []Record{inc(false, h(1), h(5)), inc(true, h(2), h(3))}, end, time.Hour},
		{"open until now", []Record{inc(true, h(100), time.Time{})}, h(102), 2 * time.Hour},
		{"open past the end counts to the end", []Record{inc(true, h(160), time.Time{})}, h(200), 8 * time.Hour},
		{"resolved past the end is clipped", []Record{inc(true, h(167), h(170))}, h(200), time.Hour},
		{"open and overlapping a resolved one", []Record{inc(true, h(50), time.Time{}), inc(true, h(40), h(51))}, h(52), 12 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(Input{Shift: Shift{Start: start, End: end}, Incidents: tc.incidents, Now: tc.now})
			if got := time.Duration(r.Load.IncidentSeconds) * time.Second; got != tc.want {
				t.Errorf("load %v, want %v", got, tc.want)
			}
			if r.Load.ShiftSeconds != 168*3600 || r.Load.Ratio != float64(tc.want)/float64(168*time.Hour) {
				t.Errorf("load %+v", r.Load)
			}
		})
	}
}

func TestNoisiestOrdering(t *testing.T) {
	var incs []Record
	add := func(alert, summary string, n, deliveries int, actionable *bool) {
		for range n {
			incs = append(incs, Record{Incident: Incident{Severity: "low", AlertName: alert, Summary: summary,
				Deliveries: deliveries, Actionable: actionable}})
		}
	}
	add("A", "a", 2, 1, nil)               // 2 incidents, 2 deliveries
	add("B", "b", 4, 1, no())              // 4 incidents
	add("C", "c", 2, 5, yes())             // 2 incidents, 10 deliveries
	add("", "summary only", 2, 3, nil)     // grouped by summary: 2 incidents, 6 deliveries
	add("D", "d", 1, 50, nil)              // 1 incident, many deliveries: below every 2
	add("E", "e", 2, 1, nil)               // ties A exactly: by name
	add("B", "other summary", 1, 2, yes()) // same alert, other summary: still B
	r := Compute(Input{Incidents: incs})
	want := []AlertNoise{
		{Alert: "B", Incidents: 5, Deliveries: 6, Actionable: 1, Noise: 4},
		{Alert: "C", Incidents: 2, Deliveries: 10, Actionable: 2},
		{Alert: "summary only", Incidents: 2, Deliveries: 6, Unanswered: 2},
		{Alert: "A", Incidents: 2, Deliveries: 2, Unanswered: 2},
		{Alert: "E", Incidents: 2, Deliveries: 2, Unanswered: 2},
	}
	if !reflect.DeepEqual(r.NoisiestAlerts, want) {
		t.Errorf("noisiest:\n got %+v\nwant %+v", r.NoisiestAlerts, want)
	}
}

func TestCompareWith(t *testing.T) {
	mk := func(incidents, pages, sms, calls, sleep, ackN int, ack int64, resN int, res int64, noise int) Report {
		var r Report
		r.Shift.Week = "2026-W46"
		r.Incidents.Total = incidents
		r.Interruptions.Totals = InterruptionCounts{Pages: pages, SMS: sms, Calls: calls, SleepHours: sleep}
		r.TimeToAcknowledge = TimeStats{Count: ackN, MedianSeconds: ack}
		r.TimeToResolve = TimeStats{Count: resN, MedianSeconds: res}
		r.Actionable.Noise = noise
		return r
	}
	// every is a want of change for each of figs.
	every := func(change string, figs ...string) map[string]string {
		want := map[string]string{}
		for _, f := range figs {
			want[f] = change
		}
		return want
	}
	// counts are the figures compared in every week; the medians need
	// data in both.
	counts := []string{FigureIncidents, FigurePages, FigureSMS, FigureCalls, FigureSleepInterruptions, FigureNoise}
	tests := []struct {
		name      string
		this      Report
		prev      Report
		want      map[string]string // figure -> change
		thisFig   map[string]int64
		prevFig   map[string]int64
		lacksFigs []string
	}{
		{
			name: "mixed",
			this: mk(10, 6, 2, 1, 3, 5, 300, 5, 3600, 4),
			prev: mk(8, 6, 3, 0, 5, 4, 400, 4, 3600, 4),
			want: map[string]string{
				FigureIncidents: "up", FigurePages: "same", FigureSMS: "down", FigureCalls: "up",
				FigureSleepInterruptions: "down", FigureMedianAckSeconds: "down", FigureMedianResolveSeconds: "same", FigureNoise: "same",
			},
			thisFig: map[string]int64{FigureIncidents: 10, FigureMedianAckSeconds: 300},
			prevFig: map[string]int64{FigureIncidents: 8, FigureMedianAckSeconds: 400},
		},
		{
			name:      "quiet week after a busy one",
			this:      mk(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			prev:      mk(3, 2, 1, 1, 1, 2, 60, 2, 600, 1),
			want:      every("down", counts...),
			lacksFigs: []string{FigureMedianAckSeconds, FigureMedianResolveSeconds},
		},
		{
			name:      "busy week after a quiet one",
			this:      mk(3, 2, 1, 1, 1, 2, 60, 0, 0, 1),
			prev:      mk(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			want:      every("up", counts...),
			lacksFigs: []string{FigureMedianAckSeconds, FigureMedianResolveSeconds},
		},
		{
			name: "same",
			this: mk(1, 1, 1, 1, 1, 1, 30, 1, 90, 0),
			prev: mk(1, 1, 1, 1, 1, 1, 30, 1, 90, 0),
			want: every("same", append(counts, FigureMedianAckSeconds, FigureMedianResolveSeconds)...),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.this
			r.CompareWith(tc.prev)
			if r.TrendAgainst != "2026-W46" {
				t.Errorf("trend against %q", r.TrendAgainst)
			}
			got := map[string]TrendItem{}
			var order []string
			for _, it := range r.Trend {
				got[it.Figure] = it
				order = append(order, it.Figure)
			}
			if len(got) != len(tc.want) {
				t.Errorf("figures %v, want %d", order, len(tc.want))
			}
			for fig, change := range tc.want {
				if got[fig].Change != change {
					t.Errorf("%s: %q, want %q (%+v)", fig, got[fig].Change, change, got[fig])
				}
			}
			for fig, v := range tc.thisFig {
				if got[fig].This != v || got[fig].Previous != tc.prevFig[fig] {
					t.Errorf("%s: %+v", fig, got[fig])
				}
			}
			for _, fig := range tc.lacksFigs {
				if _, ok := got[fig]; ok {
					t.Errorf("%s compared without data: %+v", fig, got[fig])
				}
			}
			// The order is fixed: incidents first, noise last.
			if order[0] != FigureIncidents || order[len(order)-1] != FigureNoise {
				t.Errorf("order %v", order)
			}
		})
	}
}

var (
	genSeverities = []string{"critical", "high", "medium", "low", "info", ""}
	genServices   = []string{"api", "db", "queue", "web", "batch", ""}
	genKinds      = []string{KindPage, KindSMS, KindCall}
	genPeople     = []string{"alice", "bob", "carol", "dave", "stranger", ""}
)

// genWeek builds a deterministic week of n incidents.
func genWeek(t testing.TB, n int) Input {
	berlin := mustLoc(t, "Europe/Berlin")
	start := time.Date(2026, 11, 16, 9, 0, 0, 0, berlin)
	end := start.AddDate(0, 0, 7)
	rng := rand.New(rand.NewPCG(47, 2026))
	week := end.Sub(start)
	tm := team.Team{Name: "payments", TimeZone: "Europe/Berlin", People: append(slices.Clone(testTeam.People),
		team.Person{ID: "dave", TimeZone: "Asia/Tokyo"})}
	incs := make([]Record, n)
	for i := range incs {
		trig := start.Add(time.Duration(rng.Int64N(int64(week))))
		inc := Incident{
			Team:       tm.Name,
			Severity:   genSeverities[rng.IntN(len(genSeverities))],
			Service:    genServices[rng.IntN(len(genServices))],
			Summary:    fmt.Sprintf("summary %d", rng.IntN(40)),
			Triggered:  trig,
			Deliveries: 1 + rng.IntN(5),
		}
		if rng.IntN(4) > 0 {
			inc.AlertName = fmt.Sprintf("Alert%02d", rng.IntN(30))
		}
		inc.Paged = inc.Severity == "critical" || inc.Severity == "high"
		if rng.IntN(10) > 0 {
			inc.Acknowledged = trig.Add(time.Duration(rng.Int64N(int64(30 * time.Minute))))
		}
		if rng.IntN(10) > 0 {
			inc.Resolved = trig.Add(time.Duration(rng.Int64N(int64(6 * time.Hour))))
		}
		inc.EscalationStep = rng.IntN(4)
		inc.ReachedSecondary = inc.EscalationStep >= 3
		switch rng.IntN(3) {
		case 0:
			inc.Actionable = yes()
		case 1:
			inc.Actionable = no()
		}
		inc.ResolvedWhileHeld = !inc.Paged && rng.IntN(5) == 0
		for range rng.IntN(5) {
			inc.Interruptions = append(inc.Interruptions, Interruption{
				At:     trig.Add(time.Duration(rng.Int64N(int64(40 * time.Minute)))),
				Kind:   genKinds[rng.IntN(len(genKinds))],
				Person: genPeople[rng.IntN(len(genPeople))],
			})
		}
		incs[i] = Record{WorkflowID: fmt.Sprintf("incident-%05d", i), RunID: fmt.Sprintf("run-%d", i), Incident: inc}
	}
	var rcas []Record
	for i := range 200 {
		rcas = append(rcas, Record{WorkflowID: fmt.Sprintf("rca-%03d", i), RunID: "r",
			Incident: Incident{Summary: "old", Resolved: end.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))}})
	}
	return Input{Team: tm, Shift: Shift{Start: start, End: end, OnCall: []string{"alice", "bob"}},
		Incidents: incs, OpenRCAs: rcas, Now: end.Add(time.Hour), UILink: testLink}
}

func TestComputeGeneratedWeek(t *testing.T) {
	in := genWeek(t, 5000)
	r := Compute(in)

	if r.Incidents.Total != 5000 {
		t.Fatalf("total %d", r.Incidents.Total)
	}
	sum := func(m map[string]int) (s int) {
		for _, v := range m {
			s += v
		}
		return s
	}
	if s := sum(r.Incidents.BySeverity); s != r.Incidents.Total {
		t.Errorf("by_severity sums to %d, total %d", s, r.Incidents.Total)
	}
	if s := sum(r.Incidents.ByService); s != r.Incidents.Total {
		t.Errorf("by_service sums to %d, total %d", s, r.Incidents.Total)
	}
	if r.Incidents.ByService["(none)"] == 0 || r.Incidents.ByService[""] != 0 {
		t.Errorf("empty service not shown as (none): %v", r.Incidents.ByService)
	}
	if n := r.Incidents.BySeverity["critical"] + r.Incidents.BySeverity["high"]; len(r.Incidents.Major) != n || r.Incidents.Paged != n {
		t.Errorf("major %d, paged %d, critical+high %d", len(r.Incidents.Major), r.Incidents.Paged, n)
	}
	if !slices.IsSortedFunc(r.Incidents.Major, func(a, b MajorIncident) int { return a.Triggered.Compare(b.Triggered) }) {
		t.Error("major not sorted")
	}

	var people InterruptionCounts
	wantInterruptions := 0
	for _, inc := range in.Incidents {
		wantInterruptions += len(inc.Interruptions)
	}
	for i, p := range r.Interruptions.People {
		if p.BusinessHours+p.OffHours+p.SleepHours != p.Total || p.Pages+p.SMS+p.Calls+p.Other != p.Total {
			t.Errorf("%s does not add up: %+v", p.Person, p)
		}
		if i > 0 {
			q := r.Interruptions.People[i-1]
			if q.Total < p.Total || (q.Total == p.Total && q.Person >= p.Person) {
				t.Errorf("people not sorted: %s %d before %s %d", q.Person, q.Total, p.Person, p.Total)
			}
		}
		people.Pages += p.Pages
		people.SMS += p.SMS
		people.Calls += p.Calls
		people.Total += p.Total
		people.BusinessHours += p.BusinessHours
		people.OffHours += p.OffHours
		people.SleepHours += p.SleepHours
	}
	if people != r.Interruptions.Totals || people.Total != wantInterruptions {
		t.Errorf("people sum %+v, totals %+v, interruptions %d", people, r.Interruptions.Totals, wantInterruptions)
	}
	if len(r.Interruptions.People) != 6 { // alice, bob, carol, dave, stranger, (unknown)
		t.Errorf("people: %d", len(r.Interruptions.People))
	}
	grid := 0
	for _, row := range r.PagesByDayHour.Counts {
		for _, c := range row {
			grid += c
			if c > r.PagesByDayHour.Max {
				t.Errorf("cell %d above max %d", c, r.PagesByDayHour.Max)
			}
		}
	}
	if grid != wantInterruptions {
		t.Errorf("grid holds %d, want %d", grid, wantInterruptions)
	}

	for _, ts := range []TimeStats{r.TimeToAcknowledge, r.TimeToResolve} {
		if ts.Count == 0 || ts.Count > r.Incidents.Paged || ts.MedianSeconds > ts.P90Seconds {
			t.Errorf("time stats %+v", ts)
		}
	}
	if r.TimeToAcknowledge.P90Seconds > 30*60 || r.TimeToResolve.P90Seconds > 6*3600 {
		t.Errorf("p90 beyond the generated range: %+v %+v", r.TimeToAcknowledge, r.TimeToResolve)
	}
	if e := r.Escalations; e.Escalated < e.BeyondFirstStep || e.BeyondFirstStep < e.ToSecondary || e.Escalated > r.Incidents.Total {
		t.Errorf("escalations %+v", e)
	}
	if a := r.Actionable; a.Actionable+a.Noise != a.Answered || a.Ratio < 0 || a.Ratio > 1 {
		t.Errorf("actionable %+v", a)
	}
	if len(r.NoisiestAlerts) != NoisiestAlertsShown {
		t.Errorf("noisiest: %d", len(r.NoisiestAlerts))
	}
	for i, n := range r.NoisiestAlerts {
		if n.Actionable+n.Noise+n.Unanswered != n.Incidents || n.Deliveries < n.Incidents {
			t.Errorf("alert %+v does not add up", n)
		}
		if i > 0 {
			p := r.NoisiestAlerts[i-1]
			if p.Incidents < n.Incidents || (p.Incidents == n.Incidents && p.Deliveries < n.Deliveries) {
				t.Errorf("noisiest not sorted: %+v before %+v", p, n)
			}
		}
	}
	if r.RCAs.Open != 200 || len(r.RCAs.List) != 200 || r.RCAs.Overdue == 0 || r.RCAs.Overdue == 200 || r.RCAs.NeededThisShift != r.Incidents.Paged {
		t.Errorf("rcas open %d overdue %d needed %d", r.RCAs.Open, r.RCAs.Overdue, r.RCAs.NeededThisShift)
	}
	if l := r.Load; l.IncidentSeconds <= 0 || l.IncidentSeconds > l.ShiftSeconds || l.Ratio <= 0 || l.Ratio > 1 {
		t.Errorf("load %+v", l)
	}

	// The same input gives the same report, in JSON and in text.
	again := Compute(in)
	j1, err1 := json.Marshal(r)
	j2, err2 := json.Marshal(again)
	if err1 != nil || err2 != nil || string(j1) != string(j2) {
		t.Error("Compute is not deterministic")
	}
	if r.Text() != again.Text() {
		t.Error("Text is not deterministic")
	}
	r.CompareWith(Compute(genWeek(t, 100)))
	if len(r.Trend) != 8 {
		t.Errorf("trend %+v", r.Trend)
	}
}
