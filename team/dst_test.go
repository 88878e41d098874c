package team

import (
	"testing"
	"time"
)

// The time rules hold across both DST changes of zones far apart: Berlin
// and Los Angeles (an hour, on different dates), Kolkata (none), and Lord
// Howe (half an hour). Every instant of a year, stepped at an odd minute
// so that each lands on different wall clocks, has exactly one handover
// before it and one after, a week apart on the wall clock, and exactly
// one shift, which meets the next without gap or overlap. Handovers at
// 02:30 on the changes' Sunday fall in the spring gap and the autumn
// overlap in all three DST zones.
func TestTimeRulesAcrossDSTInZonesFarApart(t *testing.T) {
	for _, zone := range []string{"Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"} {
		loc := mustLoc(t, zone)
		for _, clock := range []string{"09:00", "02:30", "00:00"} {
			h := HandoverTime{Weekday: "sunday", Time: clock}
			rot := Rotation{Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-01-04T" + clock}
			t.Run(zone+" "+clock, func(t *testing.T) {
				from := time.Date(2026, 1, 5, 0, 0, 0, 0, loc)
				for at := from; at.Before(from.AddDate(1, 0, 0)); at = at.Add(37 * time.Minute) {
					prev, err := h.Previous(loc, at)
					if err != nil {
						t.Fatal(err)
					}
					next, err := h.Next(loc, at)
					if err != nil {
						t.Fatal(err)
					}
					if prev.After(at) || !next.After(at) {
						t.Fatalf("at %s: previous handover %s, next %s", at, prev, next)
					}
					// A week on the wall clock: 168 h, give or take the DST
					// change the week holds (an hour, or Lord Howe's half).
					if gap := next.Sub(prev); gap < 167*time.Hour || gap > 169*time.Hour {
						t.Fatalf("at %s: handovers %s and %s are %s apart", at, prev, next, gap)
					}
					for _, hv := range []time.Time{prev, next} {
						if local := hv.In(loc); local.Weekday() != time.Sunday {
							t.Fatalf("at %s: handover %s is not on a Sunday", at, local)
						}
					}
					s, ok, err := rot.ShiftAt(loc, at)
					if err != nil || !ok {
						t.Fatalf("at %s: no shift (%v)", at, err)
					}
					if s.Start.After(at) || !s.End.After(at) || !s.Start.Equal(prev) || !s.End.Equal(next) {
						t.Fatalf("at %s: shift %s to %s, handovers %s and %s", at, s.Start, s.End, prev, next)
					}
					after, _, _ := rot.ShiftAt(loc, s.End)
					if !after.Start.Equal(s.End) || after.Member == s.Member {
						t.Fatalf("at %s: the shift after %s (%s) starts %s with %s", at, s.Member, s.End, after.Start, after.Member)
					}
				}
			})
		}
	}
}

// A person's working hours across the DST changes of their own zone, which
// is not the team's: the next working start is a start (the minute before
// it is not in their hours, the minute after is), never before the
// instant asked, and within a weekend of it.
func TestWorkingHoursAcrossDSTInZonesFarApart(t *testing.T) {
	teamLoc := mustLoc(t, "Europe/Berlin")
	for _, zone := range []string{"America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"} {
		p := Person{ID: "p", TimeZone: zone, WorkingHours: &WorkingHours{Start: "09:00", End: "17:30", Days: []string{"mon", "tue", "wed", "thu", "fri"}}}
		loc := mustLoc(t, zone)
		from := time.Date(2026, 1, 5, 0, 0, 0, 0, loc)
		for at := from; at.Before(from.AddDate(1, 0, 0)); at = at.Add(53 * time.Minute) {
			start := p.NextWorkingStart(teamLoc, at)
			if start.Before(at) || start.Sub(at) > 4*24*time.Hour {
				t.Fatalf("%s at %s: next working start %s", zone, at, start.In(loc))
			}
			if !p.InWorkingHours(teamLoc, start) || !p.InWorkingHours(teamLoc, start.Add(time.Minute)) {
				t.Fatalf("%s at %s: next working start %s is not in their hours", zone, at, start.In(loc))
			}
			if p.InWorkingHours(teamLoc, start.Add(-time.Minute)) {
				t.Fatalf("%s at %s: next working start %s is not a start: the minute before is in their hours too", zone, at, start.In(loc))
			}
		}
	}
}
