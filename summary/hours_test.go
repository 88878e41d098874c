package summary

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/team"
)

// hoursTeam is a Berlin team with one person far from it.
var hoursTeam = team.Team{
	Name:     "data",
	TimeZone: "Europe/Berlin",
	People: []team.Person{
		{ID: "alice", Name: "Alice"}, // the team's zone
		{ID: "bob", TimeZone: "Europe/Berlin"},
		{ID: "dave", Name: "Dave", TimeZone: "America/Los_Angeles"},
	},
}

func hold(person string, from, to time.Time) Holding {
	return Holding{Person: person, From: from, To: to}
}

func TestOnCallHours(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	// November 2026: Monday 16 to Monday 23, CET throughout.
	nov := func(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, berlin) }
	week := Shift{Start: nov(16, 9, 0), End: nov(23, 9, 0)}
	// A Berlin week from Monday 09:00: 5 x 10 business hours (Monday
	// 09:00-18:00 and the next Monday 08:00-09:00 make one day's ten),
	// 5 x 4 evening hours, 7 x 10 night hours, 2 x 14 weekend hours.
	fullWeek := HeldHours{Total: 168, Business: 50, OffHours: 20, Sleep: 70, Weekend: 28}

	tests := []struct {
		name      string
		shift     Shift
		holdings  []Holding
		incidents []Record
		want      []PersonOnCall
	}{
		{
			name:     "a normal week",
			shift:    week,
			holdings: []Holding{hold("alice", week.Start, week.End)},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(nov(17, 23, 30), "alice"),                         // Tuesday night: sleep
				{At: nov(17, 23, 35), Kind: KindCall, Person: "alice"}, // sleep
				page(nov(18, 19, 0), "alice"),                          // Wednesday evening: off-hours
				page(nov(19, 11, 0), "alice"),                          // Thursday: business
				page(nov(21, 10, 0), "alice"),                          // Saturday: weekend
				page(nov(21, 23, 0), "alice"),                          // Saturday night: sleep, not weekend
				page(nov(22, 7, 59), "alice"),                          // Sunday before 08:00: sleep
				page(nov(22, 21, 59), "alice"),                         // Sunday 21:59: weekend
			}}}},
			want: []PersonOnCall{{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin", Hours: fullWeek,
				Interruptions: HeldInterruptions{Total: 8, Business: 1, OffHours: 1, Sleep: 4, Weekend: 2}}},
		},
		{
			name:  "an override takes two evenings from the holder",
			shift: week,
			holdings: []Holding{
				hold("alice", week.Start, nov(17, 18, 0)),
				hold("bob", nov(17, 18, 0), nov(17, 22, 0)),
				hold("alice", nov(17, 22, 0), nov(18, 18, 0)),
				hold("bob", nov(18, 18, 0), nov(18, 22, 0)),
				hold("alice", nov(18, 22, 0), week.End),
			},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(nov(17, 19, 0), "bob"),
				// The evening is bob's, but the page still reached alice (escalation
				// running on from before 18:00): it counts for her, in off-hours.
				page(nov(17, 18, 5), "alice"),
				page(nov(18, 23, 0), "alice"),
			}}}},
			want: []PersonOnCall{
				{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 160, Business: 50, OffHours: 12, Sleep: 70, Weekend: 28},
					Interruptions: HeldInterruptions{Total: 2, OffHours: 1, Sleep: 1}},
				{Person: "bob", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 8, OffHours: 8},
					Interruptions: HeldInterruptions{Total: 1, OffHours: 1}},
			},
		},
		{
			name:  "holdings across the shift's edges are clipped",
			shift: week,
			holdings: []Holding{
				hold("carol", nov(23, 8, 0), nov(23, 10, 0)), // the last hour only: business
				hold("alice", nov(9, 9, 0), nov(30, 9, 0)),   // three weeks: this one only
				hold("bob", nov(2, 9, 0), nov(16, 9, 0)),     // ends as the shift starts: not listed
				hold("bob", nov(23, 9, 0), nov(30, 9, 0)),    // starts as it ends: not listed
				hold("alice", nov(16, 9, 0), nov(17, 9, 0)),  // overlaps alice's own: counted once
				hold("dave", nov(17, 0, 0), nov(16, 0, 0)),   // backwards: nothing
			},
			want: []PersonOnCall{
				// Ordered by first holding in the shift: alice from the start, carol
				// at the end, although carol's holding comes first.
				{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin", Hours: fullWeek},
				// Not in the team file: the team's zone, no name.
				{Person: "carol", TimeZone: "Europe/Berlin", Hours: HeldHours{Total: 1, Business: 1}},
			},
		},
		{
			// Europe/Berlin springs forward on Sunday 29 Mar 2026 at 02:00: the
			// night is an hour short.
			name:  "DST spring week in Berlin",
			shift: Shift{Start: time.Date(2026, 3, 23, 9, 0, 0, 0, berlin), End: time.Date(2026, 3, 30, 9, 0, 0, 0, berlin)},
			holdings: []Holding{
				hold("alice", time.Date(2026, 3, 23, 9, 0, 0, 0, berlin), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin)),
				// 24 wall-clock hours across the change: 23 real ones, Saturday
				// 12:00-22:00 and Sunday 08:00-12:00 weekend, a 9-hour night.
				hold("bob", time.Date(2026, 3, 28, 12, 0, 0, 0, berlin), time.Date(2026, 3, 29, 12, 0, 0, 0, berlin)),
			},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(utc(2026, 3, 29, 5, 30), "bob"),   // 07:30 CEST, 06:30 in CET: sleep
				page(utc(2026, 3, 29, 6, 30), "bob"),   // 08:30 CEST: weekend
				page(utc(2026, 3, 30, 6, 30), "alice"), // Monday 08:30 CEST: business
			}}}},
			want: []PersonOnCall{
				{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 167, Business: 50, OffHours: 20, Sleep: 69, Weekend: 28},
					Interruptions: HeldInterruptions{Total: 1, Business: 1}},
				{Person: "bob", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 23, Sleep: 9, Weekend: 14},
					Interruptions: HeldInterruptions{Total: 2, Sleep: 1, Weekend: 1}},
			},
		},
		{
			// Europe/Berlin falls back on Sunday 25 Oct 2026 at 03:00: 02:00-03:00
			// runs twice, both times sleep.
			name:  "DST autumn week in Berlin",
			shift: Shift{Start: time.Date(2026, 10, 19, 9, 0, 0, 0, berlin), End: time.Date(2026, 10, 26, 9, 0, 0, 0, berlin)},
			holdings: []Holding{
				hold("alice", time.Date(2026, 10, 19, 9, 0, 0, 0, berlin), time.Date(2026, 10, 26, 9, 0, 0, 0, berlin)),
				hold("bob", time.Date(2026, 10, 24, 12, 0, 0, 0, berlin), time.Date(2026, 10, 25, 12, 0, 0, 0, berlin)),
			},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(utc(2026, 10, 25, 0, 30), "bob"), // 02:30 CEST
				page(utc(2026, 10, 25, 1, 30), "bob"), // 02:30 CET, the same wall clock an hour later
				page(utc(2026, 10, 25, 7, 0), "bob"),  // 08:00 CET: weekend
			}}}},
			want: []PersonOnCall{
				{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
					Hours: HeldHours{Total: 169, Business: 50, OffHours: 20, Sleep: 71, Weekend: 28}},
				{Person: "bob", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 25, Sleep: 11, Weekend: 14},
					Interruptions: HeldInterruptions{Total: 3, Sleep: 2, Weekend: 1}},
			},
		},
		{
			// Friday 18:00 to Saturday 18:00 in Berlin is Friday 09:00 to Saturday
			// 09:00 in Los Angeles, nine hours behind.
			name:  "a person in a zone far from the team's",
			shift: week,
			holdings: []Holding{
				hold("dave", nov(20, 18, 0), nov(21, 18, 0)),
				hold("bob", nov(20, 18, 0), nov(21, 18, 0)),
			},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(nov(20, 23, 0), "dave"), // 14:00 in Los Angeles: business
				page(nov(20, 23, 0), "bob"),  // sleep
				page(nov(21, 10, 0), "dave"), // Saturday 01:00 in Los Angeles: sleep
				page(nov(21, 10, 0), "bob"),  // weekend
			}}}},
			want: []PersonOnCall{
				{Person: "dave", Name: "Dave", TimeZone: "America/Los_Angeles",
					Hours:         HeldHours{Total: 24, Business: 9, OffHours: 4, Sleep: 10, Weekend: 1},
					Interruptions: HeldInterruptions{Total: 2, Business: 1, Sleep: 1}},
				{Person: "bob", TimeZone: "Europe/Berlin",
					Hours:         HeldHours{Total: 24, OffHours: 4, Sleep: 10, Weekend: 10},
					Interruptions: HeldInterruptions{Total: 2, Sleep: 1, Weekend: 1}},
			},
		},
		{
			// Three minutes each of sleep, business and off-hours: 9 minutes
			// are 0.15 h, rounded to 0.2. Rounding each bucket would say 0.1
			// three times, 0.3 in all; the largest remainders (a tie, broken in
			// bucket order) get the two tenths instead.
			name:  "buckets add up to the rounded total",
			shift: week,
			holdings: []Holding{
				hold("alice", nov(17, 7, 57), nov(17, 8, 0)),
				hold("alice", nov(17, 17, 57), nov(17, 18, 3)),
			},
			want: []PersonOnCall{{Person: "alice", Name: "Alice", TimeZone: "Europe/Berlin",
				Hours: HeldHours{Total: 0.2, Business: 0.1, OffHours: 0.1}}},
		},
		{
			name:     "a holding of nobody counts for (unknown)",
			shift:    week,
			holdings: []Holding{hold("", nov(16, 12, 0), nov(16, 13, 30))},
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				{At: nov(16, 12, 10), Kind: KindSMS},
			}}}},
			want: []PersonOnCall{{Person: "(unknown)", TimeZone: "Europe/Berlin",
				Hours: HeldHours{Total: 1.5, Business: 1.5}, Interruptions: HeldInterruptions{Total: 1, Business: 1}}},
		},
		{
			name:  "no holdings",
			shift: week,
			incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
				page(nov(16, 12, 0), "alice"),
			}}}},
			want: []PersonOnCall{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Team: hoursTeam, Shift: tc.shift, Holdings: tc.holdings, Incidents: tc.incidents}
			r := Compute(in)
			if !reflect.DeepEqual(r.OnCallHours.People, tc.want) {
				t.Errorf("on-call hours:\n got %+v\nwant %+v", r.OnCallHours.People, tc.want)
			}
			checkOnCallHours(t, r)
		})
	}
}

// checkOnCallHours checks what holds for every report: the buckets add up
// to the total, in tenths and in interruptions, and each holder's
// interruptions are the ones the interruptions report counts for them.
func checkOnCallHours(t *testing.T, r Report) {
	t.Helper()
	counted := map[string]InterruptionCounts{}
	for _, p := range r.Interruptions.People {
		counted[p.Person] = p.InterruptionCounts
	}
	tenths := func(h float64) int64 { return int64(math.Round(h * 10)) }
	for _, p := range r.OnCallHours.People {
		h := p.Hours
		if sum := tenths(h.Business) + tenths(h.OffHours) + tenths(h.Sleep) + tenths(h.Weekend); sum != tenths(h.Total) {
			t.Errorf("%s: buckets add up to %d tenths, total %v: %+v", p.Person, sum, h.Total, h)
		}
		if sum := h.Business + h.OffHours + h.Sleep + h.Weekend; math.Abs(sum-h.Total) > 1e-9 {
			t.Errorf("%s: buckets add up to %v, total %v", p.Person, sum, h.Total)
		}
		for _, v := range []float64{h.Total, h.Business, h.OffHours, h.Sleep, h.Weekend} {
			if v < 0 || float64(tenths(v))/10 != v {
				t.Errorf("%s: %v is not a whole tenth: %+v", p.Person, v, h)
			}
		}
		n := p.Interruptions
		if n.Business+n.OffHours+n.Sleep+n.Weekend != n.Total {
			t.Errorf("%s: interruptions do not add up: %+v", p.Person, n)
		}
		c := counted[p.Person]
		if n.Total != c.Total || n.Business != c.BusinessHours || n.Sleep != c.SleepHours || n.OffHours+n.Weekend != c.OffHours {
			t.Errorf("%s: interruptions %+v, the interruptions report says %+v", p.Person, n, c)
		}
	}
}

// TestOnCallHoursAgainstMinutes walks random holdings minute by minute,
// in zones with DST, half-hour DST (Lord Howe) and odd offsets, across a
// year, and compares with the hours reported: each bucket within a tenth
// of the exact time, the total within half a tenth, and the buckets adding
// up to the total.
func TestOnCallHoursAgainstMinutes(t *testing.T) {
	zones := []string{"Europe/Berlin", "America/Los_Angeles", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"}
	tm := team.Team{Name: "t", TimeZone: "Europe/Berlin"}
	for i, z := range zones {
		tm.People = append(tm.People, team.Person{ID: string(rune('a' + i)), TimeZone: z})
	}
	rng := rand.New(rand.NewPCG(7, 47))
	year := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Random weeks, and weeks that start a day before each of the zones'
	// changes of offset in 2026, whose holdings all cross it.
	type week struct {
		start  time.Time
		change bool
	}
	var weeks []week
	for range 30 {
		weeks = append(weeks, week{start: year.Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)})
	}
	for _, z := range zones {
		loc := mustLoc(t, z)
		for at := year; at.Year() == 2026; {
			_, end := at.In(loc).ZoneBounds()
			if end.IsZero() || end.Year() != 2026 {
				break
			}
			weeks = append(weeks, week{start: end.Add(-24*time.Hour - time.Duration(rng.IntN(60))*time.Minute), change: true})
			at = end
		}
	}
	if len(weeks) < 30+8 {
		t.Fatalf("only %d weeks: the zones' changes were not found", len(weeks))
	}
	for _, w := range weeks {
		start := w.start
		shift := Shift{Start: start, End: start.Add(7 * 24 * time.Hour)}
		var holdings []Holding
		var incidents []Record
		for _, person := range tm.People {
			for range rng.IntN(3) {
				p := person.ID
				from := start.Add(time.Duration(rng.IntN(9*24*60)-24*60) * time.Minute)
				to := from.Add(time.Duration(rng.IntN(3*24*60)) * time.Minute)
				if w.change { // across the change, a day after the start
					from = start.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
					to = from.Add(time.Duration(24*60+rng.IntN(2*24*60)) * time.Minute)
				}
				holdings = append(holdings, hold(p, from, to))
				at := start.Add(time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
				incidents = append(incidents, Record{Incident: Incident{Interruptions: []Interruption{page(at, p)}}})
			}
		}
		r := Compute(Input{Team: tm, Shift: shift, Holdings: holdings, Incidents: incidents})
		checkOnCallHours(t, r)

		// Every minute held, by person, once.
		minutes := map[string]map[int64]bool{}
		for _, h := range holdings {
			if minutes[h.Person] == nil {
				minutes[h.Person] = map[int64]bool{}
			}
			for m := h.From; m.Before(h.To); m = m.Add(time.Minute) {
				if !m.Before(shift.Start) && m.Before(shift.End) {
					minutes[h.Person][m.Unix()/60] = true
				}
			}
		}
		held := 0
		for _, m := range minutes {
			if len(m) > 0 {
				held++
			}
		}
		if len(r.OnCallHours.People) != held {
			t.Errorf("from %s: listed %+v, %d people held minutes", start, r.OnCallHours.People, held)
		}
		for _, p := range r.OnCallHours.People {
			loc := mustLoc(t, p.TimeZone)
			var exact [4]float64
			for m := range minutes[p.Person] {
				exact[heldIndex(bucket(time.Unix(m*60, 0), loc))] += 1.0 / 60
			}
			h := p.Hours
			total := exact[0] + exact[1] + exact[2] + exact[3]
			if math.Abs(h.Total-total) > 0.05+1e-9 {
				t.Errorf("%s from %s: total %v, held %.4f h", p.Person, start, h.Total, total)
			}
			for i, got := range []float64{h.Business, h.OffHours, h.Sleep, h.Weekend} {
				if math.Abs(got-exact[i]) >= 0.1+1e-9 {
					t.Errorf("%s from %s: %s %v, held %.4f h", p.Person, start, heldBuckets[i], got, exact[i])
				}
			}
		}
	}
}

func TestOnCallHoursJSON(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	start := time.Date(2026, 11, 16, 9, 0, 0, 0, berlin)
	r := Compute(Input{Team: hoursTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)},
		Holdings: []Holding{hold("alice", start, start.AddDate(0, 0, 7)), hold("bob", start, start.Add(90*time.Minute))},
		Incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
			page(start.Add(time.Hour), "bob"), page(start.Add(14*time.Hour), "alice"),
		}}}}})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `"oncall_hours":{"people":[` +
		`{"person":"alice","name":"Alice","time_zone":"Europe/Berlin",` +
		`"hours":{"total":168,"business":50,"off_hours":20,"sleep":70,"weekend":28},` +
		`"interruptions":{"total":1,"business":0,"off_hours":0,"sleep":1,"weekend":0}},` +
		`{"person":"bob","name":"","time_zone":"Europe/Berlin",` +
		`"hours":{"total":1.5,"business":1.5,"off_hours":0,"sleep":0,"weekend":0},` +
		`"interruptions":{"total":1,"business":1,"off_hours":0,"sleep":0,"weekend":0}}]}`
	if !strings.Contains(string(b), want) {
		t.Errorf("JSON lacks\n%s\nin\n%s", want, b)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.OnCallHours, r.OnCallHours) {
		t.Errorf("round trip: %v, %+v", err, back.OnCallHours)
	}

	// Without holdings the list is empty, not null.
	b, err = json.Marshal(Compute(Input{}))
	if err != nil || !strings.Contains(string(b), `"oncall_hours":{"people":[]}`) {
		t.Errorf("empty: %v %s", err, b)
	}
}

func TestOnCallHoursText(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	nov := func(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, berlin) }
	tm := hoursTeam
	tm.People = append(tm.People, team.Person{ID: "eve", Name: "Eve & co"})
	in := Input{Team: tm, Shift: Shift{Start: nov(16, 9, 0), End: nov(23, 9, 0)},
		Holdings: []Holding{
			hold("alice", nov(16, 9, 0), nov(23, 9, 0)),
			hold("bob", nov(17, 18, 0), nov(17, 22, 0)),
			hold("eve", nov(18, 12, 0), nov(18, 12, 30)),
		},
		Incidents: []Record{{Incident: Incident{Interruptions: []Interruption{
			page(nov(17, 23, 0), "alice"), page(nov(18, 2, 0), "alice"), page(nov(21, 12, 0), "alice"),
			page(nov(17, 19, 0), "bob"),
		}}}}}
	r := Compute(in)
	want := "\nOn-call hours:\n" +
		"  Alice (alice) 168.0 h (business 50.0, off-hours 20.0, sleep 70.0, weekend 28.0); 3 interruptions (sleep 2, weekend 1)\n" +
		"  bob 4.0 h (business 0.0, off-hours 4.0, sleep 0.0, weekend 0.0); 1 interruption (off-hours 1)\n" +
		"  Eve & co (eve) 0.5 h (business 0.5, off-hours 0.0, sleep 0.0, weekend 0.0); 0 interruptions\n" +
		"\nTime to acknowledge:"
	if text := r.Text(); !strings.Contains(text, want) {
		t.Errorf("text lacks\n%s\nin\n%s", want, text)
	}
	if text := Slack(r); !strings.Contains(text, "\n*On-call hours:*\n") || !strings.Contains(text, "  Eve &amp; co (eve) 0.5 h (") {
		t.Errorf("Slack:\n%s", text)
	}

	// Without holdings the text is as it was.
	in.Holdings = nil
	if text := Compute(in).Text(); strings.Contains(text, "On-call hours") {
		t.Errorf("text without holdings lists hours:\n%s", text)
	}
}
