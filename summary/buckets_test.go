package summary

import (
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func TestBucket(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	kolkata := mustLoc(t, "Asia/Kolkata")

	tests := []struct {
		name  string
		at    time.Time
		loc   *time.Location
		local string // the local clock the bucket is read from, "Mon 15:04"
		want  string
	}{
		// One instant, two people: Wednesday 18 Nov 2026 21:30 UTC.
		{"same instant, Berlin night", utc(2026, 11, 18, 21, 30), berlin, "Wed 22:30", BucketSleep},
		{"same instant, New York afternoon", utc(2026, 11, 18, 21, 30), ny, "Wed 16:30", BucketBusiness},
		{"same instant, Kolkata early morning", utc(2026, 11, 18, 21, 30), kolkata, "Thu 03:00", BucketSleep},

		// Weekday edges in Berlin (CET, UTC+1).
		{"Monday 07:59", utc(2026, 11, 16, 6, 59), berlin, "Mon 07:59", BucketSleep},
		{"Monday 08:00", utc(2026, 11, 16, 7, 0), berlin, "Mon 08:00", BucketBusiness},
		{"Monday 17:59", utc(2026, 11, 16, 16, 59), berlin, "Mon 17:59", BucketBusiness},
		{"Monday 18:00", utc(2026, 11, 16, 17, 0), berlin, "Mon 18:00", BucketOff},
		{"Monday 21:59", utc(2026, 11, 16, 20, 59), berlin, "Mon 21:59", BucketOff},
		{"Monday 22:00", utc(2026, 11, 16, 21, 0), berlin, "Mon 22:00", BucketSleep},
		{"Friday 18:30", utc(2026, 11, 20, 17, 30), berlin, "Fri 18:30", BucketOff},
		{"Friday 23:00", utc(2026, 11, 20, 22, 0), berlin, "Fri 23:00", BucketSleep},

		// Weekends: off hours by day, sleep at night.
		{"Saturday 07:59", utc(2026, 11, 21, 6, 59), berlin, "Sat 07:59", BucketSleep},
		{"Saturday 08:00", utc(2026, 11, 21, 7, 0), berlin, "Sat 08:00", BucketOff},
		{"Saturday 10:00", utc(2026, 11, 21, 9, 0), berlin, "Sat 10:00", BucketOff},
		{"Saturday 14:00 (business time on a weekday)", utc(2026, 11, 21, 13, 0), berlin, "Sat 14:00", BucketOff},
		{"Sunday 21:59", utc(2026, 11, 22, 20, 59), berlin, "Sun 21:59", BucketOff},
		{"Sunday 22:00", utc(2026, 11, 22, 21, 0), berlin, "Sun 22:00", BucketSleep},
		// Friday 23:00 in New York is already Saturday in UTC: the local day counts.
		{"New York Friday evening, Saturday in UTC", utc(2026, 11, 21, 1, 0), ny, "Fri 20:00", BucketOff},
		{"New York Sunday evening, Monday in UTC", utc(2026, 11, 23, 0, 0), ny, "Sun 19:00", BucketOff},

		// Europe/Berlin springs forward on Sunday 29 Mar 2026 (CET -> CEST, UTC+2).
		{"spring: 07:30 CEST after the change is still sleep", utc(2026, 3, 29, 5, 30), berlin, "Sun 07:30", BucketSleep},
		{"spring: 08:30 CEST is Sunday off hours (07:30 in CET)", utc(2026, 3, 29, 6, 30), berlin, "Sun 08:30", BucketOff},
		{"spring: Monday 07:30 CEST", utc(2026, 3, 30, 5, 30), berlin, "Mon 07:30", BucketSleep},
		{"spring: Monday 08:30 CEST is business (07:30 in CET)", utc(2026, 3, 30, 6, 30), berlin, "Mon 08:30", BucketBusiness},
		{"spring: the night of the change, 03:30 CEST", utc(2026, 3, 29, 1, 30), berlin, "Sun 03:30", BucketSleep},

		// Europe/Berlin falls back on Sunday 25 Oct 2026 (CEST -> CET, UTC+1).
		{"autumn: 07:30 CET after the change is still sleep (08:30 in CEST)", utc(2026, 10, 25, 6, 30), berlin, "Sun 07:30", BucketSleep},
		{"autumn: 08:00 CET is Sunday off hours", utc(2026, 10, 25, 7, 0), berlin, "Sun 08:00", BucketOff},
		{"autumn: Monday 07:59 CET", utc(2026, 10, 26, 6, 59), berlin, "Mon 07:59", BucketSleep},
		{"autumn: Monday 08:00 CET", utc(2026, 10, 26, 7, 0), berlin, "Mon 08:00", BucketBusiness},
		{"autumn: Saturday before, 07:30 CEST", utc(2026, 10, 24, 5, 30), berlin, "Sat 07:30", BucketSleep},
		{"autumn: the repeated hour, 02:30 CET", utc(2026, 10, 25, 1, 30), berlin, "Sun 02:30", BucketSleep},

		// America/New_York springs forward on Sunday 8 Mar 2026 (EST -> EDT).
		{"New York spring: Monday 08:00 EDT (07:00 in EST)", utc(2026, 3, 9, 12, 0), ny, "Mon 08:00", BucketBusiness},
		{"New York spring: Monday 17:30 EDT", utc(2026, 3, 9, 21, 30), ny, "Mon 17:30", BucketBusiness},
		{"New York spring: Monday 18:00 EDT", utc(2026, 3, 9, 22, 0), ny, "Mon 18:00", BucketOff},

		// A half-hour zone.
		{"Kolkata 07:59", utc(2026, 11, 18, 2, 29), kolkata, "Wed 07:59", BucketSleep},
		{"Kolkata 08:00", utc(2026, 11, 18, 2, 30), kolkata, "Wed 08:00", BucketBusiness},

		// No zone is UTC.
		{"nil location is UTC", utc(2026, 11, 18, 12, 0), nil, "Wed 12:00", BucketBusiness},
		{"nil location, UTC night", utc(2026, 11, 18, 23, 0), nil, "Wed 23:00", BucketSleep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := tc.loc
			if loc == nil {
				loc = time.UTC
			}
			if got := tc.at.In(loc).Format("Mon 15:04"); got != tc.local {
				t.Fatalf("local clock %s, the test expects %s", got, tc.local)
			}
			if got := Bucket(tc.at, tc.loc); got != tc.want {
				t.Errorf("Bucket(%s in %s) = %q, want %q", tc.at.Format(time.RFC3339), loc, got, tc.want)
			}
		})
	}
}

// TestBucketEveryHour walks a Berlin week across the autumn change hour
// by hour and checks the bucket against the local clock.
func TestBucketEveryHour(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	counts := map[string]int{}
	start := time.Date(2026, 10, 19, 0, 0, 0, 0, berlin) // Monday
	end := time.Date(2026, 10, 26, 0, 0, 0, 0, berlin)   // a 169-hour week
	for at := start; at.Before(end); at = at.Add(time.Hour) {
		counts[Bucket(at, berlin)]++
	}
	// 5 weekdays x 10 business hours; 5 x 4 evening + 2 x 14 weekend
	// hours off; 7 x 10 night hours, plus the repeated 02:00.
	want := map[string]int{BucketBusiness: 50, BucketOff: 48, BucketSleep: 71}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d hours, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
}

func TestWeekOf(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 11, 16, 9, 0, 0, 0, berlin), berlin, "2026-W47"},
		{time.Date(2026, 11, 22, 23, 30, 0, 0, berlin), berlin, "2026-W47"},
		// Monday 00:30 in Berlin is still Sunday in UTC.
		{time.Date(2026, 11, 23, 0, 30, 0, 0, berlin), berlin, "2026-W48"},
		{time.Date(2026, 11, 23, 0, 30, 0, 0, berlin), nil, "2026-W47"},
		{utc(2026, 1, 1, 12, 0), nil, "2026-W01"},
		{utc(2027, 1, 1, 12, 0), nil, "2026-W53"},
	}
	for _, tc := range tests {
		if got := WeekOf(tc.at, tc.loc); got != tc.want {
			t.Errorf("WeekOf(%s, %v) = %s, want %s", tc.at, tc.loc, got, tc.want)
		}
	}
}

func TestDayHourGrid(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	// A week across the autumn change: Monday 19 Oct 09:00 CEST.
	start := time.Date(2026, 10, 19, 9, 0, 0, 0, berlin)
	g := newDayHourGrid(start, berlin)
	wantLabels := []string{"Mon 19 Oct", "Tue 20 Oct", "Wed 21 Oct", "Thu 22 Oct", "Fri 23 Oct", "Sat 24 Oct", "Sun 25 Oct"}
	for i, l := range wantLabels {
		if g.DayLabels[i] != l {
			t.Errorf("label %d = %q, want %q", i, g.DayLabels[i], l)
		}
	}
	tests := []struct {
		at        time.Time
		day, hour int
	}{
		{time.Date(2026, 10, 19, 9, 0, 0, 0, berlin), 0, 9},
		{time.Date(2026, 10, 19, 23, 59, 0, 0, berlin), 0, 23},
		{time.Date(2026, 10, 20, 0, 0, 0, 0, berlin), 1, 0},
		// After the change: 23:30 CET on Sunday is 167.5 hours after the start
		// but still the seventh local day.
		{time.Date(2026, 10, 25, 23, 30, 0, 0, berlin), 6, 23},
		{time.Date(2026, 10, 25, 0, 30, 0, 0, berlin), 6, 0},
		// Past the seventh day: folded into the last row.
		{time.Date(2026, 10, 26, 8, 30, 0, 0, berlin), 6, 8},
		{time.Date(2026, 10, 28, 3, 0, 0, 0, berlin), 6, 3},
		// Before the first day: the first row.
		{time.Date(2026, 10, 18, 22, 0, 0, 0, berlin), 0, 22},
	}
	for _, tc := range tests {
		var g DayHourGrid
		g.add(civilDay(start, berlin), tc.at, berlin)
		if g.Counts[tc.day][tc.hour] != 1 || g.Max != 1 {
			t.Errorf("%s: want cell [%d][%d], grid %v", tc.at, tc.day, tc.hour, g.Counts)
		}
	}

	// A UTC team's shift seen from the team's zone: day 0 is the local day
	// of the start even when UTC has already moved on.
	la := mustLoc(t, "America/Los_Angeles")
	laStart := time.Date(2026, 11, 16, 20, 0, 0, 0, la) // Tue 04:00 UTC
	var g2 DayHourGrid
	g2.add(civilDay(laStart, la), laStart.Add(3*time.Hour), la) // Mon 23:00 local
	g2.add(civilDay(laStart, la), laStart.Add(5*time.Hour), la) // Tue 01:00 local
	if g2.Counts[0][23] != 1 || g2.Counts[1][1] != 1 {
		t.Errorf("Los Angeles grid: %v", g2.Counts[:2])
	}
}
