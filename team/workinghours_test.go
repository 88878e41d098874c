package team

import (
	"testing"
	"time"
)

func TestWorkingHours(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	la := mustLoc(t, "America/Los_Angeles")
	alice := Person{ID: "alice"} // defaults: 09:00-17:00 Mon-Fri, team zone
	bob := Person{ID: "bob", TimeZone: "America/Los_Angeles",
		WorkingHours: &WorkingHours{Start: "08:00", End: "16:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}}}
	nightOwl := Person{ID: "owl", WorkingHours: &WorkingHours{Start: "13:00", End: "21:00", Days: []string{"sat", "sun"}}}

	tests := []struct {
		name      string
		p         Person
		at        time.Time
		in        bool
		nextStart time.Time
		rca       time.Time // next working day at 10:00
	}{
		{
			name: "02:00 on a Tuesday: wait for 09:00",
			p:    alice, at: time.Date(2026, 11, 24, 2, 0, 0, 0, berlin),
			nextStart: time.Date(2026, 11, 24, 9, 0, 0, 0, berlin),
			rca:       time.Date(2026, 11, 24, 10, 0, 0, 0, berlin),
		},
		{
			name: "during the day",
			p:    alice, at: time.Date(2026, 11, 24, 11, 0, 0, 0, berlin), in: true,
			nextStart: time.Date(2026, 11, 25, 9, 0, 0, 0, berlin),
			rca:       time.Date(2026, 11, 25, 10, 0, 0, 0, berlin),
		},
		{
			name: "Friday evening: Monday morning",
			p:    alice, at: time.Date(2026, 11, 27, 19, 30, 0, 0, berlin),
			nextStart: time.Date(2026, 11, 30, 9, 0, 0, 0, berlin),
			rca:       time.Date(2026, 11, 30, 10, 0, 0, 0, berlin),
		},
		{
			name: "17:00 is after hours",
			p:    alice, at: time.Date(2026, 11, 24, 17, 0, 0, 0, berlin),
			nextStart: time.Date(2026, 11, 25, 9, 0, 0, 0, berlin),
			rca:       time.Date(2026, 11, 25, 10, 0, 0, 0, berlin),
		},
		{
			// 02:00 in Berlin on Tuesday is 17:00 Monday in Los Angeles:
			// bob's own zone decides.
			name: "a responder in another zone",
			p:    bob, at: time.Date(2026, 11, 24, 2, 0, 0, 0, berlin),
			nextStart: time.Date(2026, 11, 24, 8, 0, 0, 0, la),
			rca:       time.Date(2026, 11, 24, 10, 0, 0, 0, la),
		},
		{
			name: "same instant, bob at work",
			p:    bob, at: time.Date(2026, 11, 23, 20, 0, 0, 0, berlin), in: true, // 11:00 in LA
			nextStart: time.Date(2026, 11, 24, 8, 0, 0, 0, la),
			rca:       time.Date(2026, 11, 24, 10, 0, 0, 0, la),
		},
		{
			// Berlin leaves summer time at 03:00 on Sunday 25 Oct 2026; the
			// next morning is still 09:00 on the wall clock.
			name: "the night summer time ends",
			p:    alice, at: time.Date(2026, 10, 25, 2, 30, 0, 0, berlin),
			nextStart: time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
			rca:       time.Date(2026, 10, 26, 10, 0, 0, 0, berlin),
		},
		{
			name: "weekend worker",
			p:    nightOwl, at: time.Date(2026, 11, 24, 12, 0, 0, 0, berlin),
			nextStart: time.Date(2026, 11, 28, 13, 0, 0, 0, berlin),
			rca:       time.Date(2026, 11, 28, 10, 0, 0, 0, berlin),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.InWorkingHours(berlin, tc.at); got != tc.in {
				t.Errorf("InWorkingHours = %v", got)
			}
			if got := tc.p.NextWorkingStart(berlin, tc.at); !got.Equal(tc.nextStart) {
				t.Errorf("NextWorkingStart = %s, want %s", got, tc.nextStart)
			}
			if got := tc.p.NextWorkingDayAt(berlin, tc.at, 10, 0); !got.Equal(tc.rca) {
				t.Errorf("NextWorkingDayAt 10:00 = %s, want %s", got, tc.rca)
			}
			// A low severity is held outside working hours, until the
			// next working start.
			until, held := tc.p.HoldUntil(berlin, tc.at)
			if held == tc.in || held && !until.Equal(tc.nextStart) {
				t.Errorf("HoldUntil = %s %v", until, held)
			}
		})
	}
}
