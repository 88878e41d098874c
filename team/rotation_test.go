package team

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestShiftAt(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	sydney := mustLoc(t, "Australia/Sydney")
	ny := mustLoc(t, "America/New_York")
	weekly := Rotation{Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-10-19T09:00"}

	tests := []struct {
		name   string
		rot    Rotation
		loc    *time.Location
		at     time.Time
		wantOK bool
		member string
		start  time.Time
		end    time.Time
	}{
		{
			name: "before the first handover nobody is on call",
			rot:  weekly, loc: berlin,
			at: time.Date(2026, 10, 19, 8, 59, 0, 0, berlin),
		},
		{
			name: "the first handover instant belongs to the first member",
			rot:  weekly, loc: berlin, wantOK: true,
			at:     time.Date(2026, 10, 19, 9, 0, 0, 0, berlin),
			member: "alice",
			start:  time.Date(2026, 10, 19, 9, 0, 0, 0, berlin),
			end:    time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
		},
		{
			// Berlin leaves summer time on Sunday 25 Oct 2026: the week that
			// holds it is 169 hours long, and the next one starts at 09:00 CET.
			name: "a weekly shift across the end of summer time keeps 09:00 local",
			rot:  weekly, loc: berlin, wantOK: true,
			at:     time.Date(2026, 10, 26, 8, 30, 0, 0, berlin),
			member: "alice",
			start:  time.Date(2026, 10, 19, 9, 0, 0, 0, berlin),
			end:    time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
		},
		{
			name: "one minute after the DST week's handover it is the second member",
			rot:  weekly, loc: berlin, wantOK: true,
			at:     time.Date(2026, 10, 26, 9, 1, 0, 0, berlin),
			member: "bob",
			start:  time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
			end:    time.Date(2026, 11, 2, 9, 0, 0, 0, berlin),
		},
		{
			name: "the rotation wraps around to the first member",
			rot:  weekly, loc: berlin, wantOK: true,
			at:     time.Date(2026, 11, 12, 3, 0, 0, 0, berlin),
			member: "alice",
			start:  time.Date(2026, 11, 9, 9, 0, 0, 0, berlin),
			end:    time.Date(2026, 11, 16, 9, 0, 0, 0, berlin),
		},
		{
			name: "an instant given in another zone is placed in the team's zone",
			rot:  weekly, loc: berlin, wantOK: true,
			// 08:30 UTC on 2 Nov is 09:30 CET: bob's shift is over.
			at:     time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC),
			member: "carol",
			start:  time.Date(2026, 11, 2, 9, 0, 0, 0, berlin),
			end:    time.Date(2026, 11, 9, 9, 0, 0, 0, berlin),
		},
		{
			// Sydney starts summer time on Sunday 4 Oct 2026.
			name: "southern hemisphere spring forward",
			rot:  Rotation{Members: []string{"a", "b"}, Shift: "1w", Start: "2026-09-28T09:00"}, loc: sydney, wantOK: true,
			at:     time.Date(2026, 10, 5, 9, 0, 0, 0, sydney),
			member: "b",
			start:  time.Date(2026, 10, 5, 9, 0, 0, 0, sydney),
			end:    time.Date(2026, 10, 12, 9, 0, 0, 0, sydney),
		},
		{
			// New York springs forward on Sunday 8 Mar 2026: a 12-hour shift
			// is twelve real hours, so it moves on the local clock.
			name: "fixed-hour shifts count real hours through a DST change",
			rot:  Rotation{Members: []string{"day", "night"}, Shift: "12h", Start: "2026-03-07T08:00"}, loc: ny, wantOK: true,
			// The night shift from 20:00 EST on the 7th ends twelve hours
			// later at 09:00 EDT, not at 08:00.
			at:     time.Date(2026, 3, 8, 12, 0, 0, 0, ny),
			member: "day",
			start:  time.Date(2026, 3, 8, 9, 0, 0, 0, ny),
			end:    time.Date(2026, 3, 8, 21, 0, 0, 0, ny),
		},
		{
			name: "two-week shifts",
			rot:  Rotation{Members: []string{"a", "b", "c"}, Shift: "2w", Start: "2026-01-05T10:00"}, loc: ny, wantOK: true,
			at:     time.Date(2026, 2, 3, 0, 0, 0, 0, ny),
			member: "c",
			start:  time.Date(2026, 2, 2, 10, 0, 0, 0, ny),
			end:    time.Date(2026, 2, 16, 10, 0, 0, 0, ny),
		},
		{
			name: "years after the start",
			rot:  weekly, loc: berlin, wantOK: true,
			// 156 weeks after the start: 156 % 3 == 0.
			at:     time.Date(2029, 10, 15, 9, 0, 0, 0, berlin),
			member: "alice",
			start:  time.Date(2029, 10, 15, 9, 0, 0, 0, berlin),
			end:    time.Date(2029, 10, 22, 9, 0, 0, 0, berlin),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok, err := tc.rot.ShiftAt(tc.loc, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if s.Member != tc.member || !s.Start.Equal(tc.start) || !s.End.Equal(tc.end) {
				t.Errorf("got %s [%s, %s), want %s [%s, %s)", s.Member, s.Start, s.End, tc.member, tc.start, tc.end)
			}
		})
	}
}

func TestShiftAtRejectsBadRotation(t *testing.T) {
	for _, r := range []Rotation{
		{Members: []string{"a"}, Shift: "1x", Start: "2026-01-05T10:00"},
		{Members: []string{"a"}, Shift: "0w", Start: "2026-01-05T10:00"},
		{Members: []string{"a"}, Shift: "1w", Start: "Monday"},
		{Shift: "1w", Start: "2026-01-05T10:00"},
	} {
		if _, _, err := r.ShiftAt(time.UTC, time.Now()); err == nil {
			t.Errorf("%+v: want an error", r)
		}
	}
}

func TestHandoverPreviousAndNext(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tokyo := mustLoc(t, "Asia/Tokyo")
	la := mustLoc(t, "America/Los_Angeles")
	monday9 := HandoverTime{Weekday: "monday", Time: "09:00"}
	tests := []struct {
		name       string
		h          HandoverTime
		loc        *time.Location
		at         time.Time
		prev, next time.Time
	}{
		{
			name: "midweek",
			h:    monday9, loc: berlin,
			at:   time.Date(2026, 11, 25, 15, 0, 0, 0, berlin),
			prev: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin),
			next: time.Date(2026, 11, 30, 9, 0, 0, 0, berlin),
		},
		{
			name: "exactly at the handover it is the previous one",
			h:    monday9, loc: berlin,
			at:   time.Date(2026, 11, 23, 9, 0, 0, 0, berlin),
			prev: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin),
			next: time.Date(2026, 11, 30, 9, 0, 0, 0, berlin),
		},
		{
			name: "a minute before, it is last week's",
			h:    monday9, loc: berlin,
			at:   time.Date(2026, 11, 23, 8, 59, 0, 0, berlin),
			prev: time.Date(2026, 11, 16, 9, 0, 0, 0, berlin),
			next: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin),
		},
		{
			name: "across the end of summer time",
			h:    monday9, loc: berlin,
			at:   time.Date(2026, 10, 24, 12, 0, 0, 0, berlin),
			prev: time.Date(2026, 10, 19, 9, 0, 0, 0, berlin),
			next: time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
		},
		{
			// Monday 09:00 in Tokyo is still Sunday in UTC.
			name: "a zone far ahead of UTC",
			h:    monday9, loc: tokyo,
			at:   time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC),
			prev: time.Date(2026, 11, 16, 9, 0, 0, 0, tokyo),
			next: time.Date(2026, 11, 23, 9, 0, 0, 0, tokyo),
		},
		{
			name: "a zone behind UTC, Friday evening handover",
			h:    HandoverTime{Weekday: "Fri", Time: "17:30"}, loc: la,
			at:   time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC), // Fri 17:00 PST
			prev: time.Date(2026, 11, 13, 17, 30, 0, 0, la),
			next: time.Date(2026, 11, 20, 17, 30, 0, 0, la),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev, err := tc.h.Previous(tc.loc, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			next, err := tc.h.Next(tc.loc, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if !prev.Equal(tc.prev) || !next.Equal(tc.next) {
				t.Errorf("got prev %s next %s, want %s and %s", prev, next, tc.prev, tc.next)
			}
		})
	}
}
