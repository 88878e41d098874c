// Package testclock gives end-to-end tests their "now" and the weekly shift
// under way at it, computed from the test's own clock and not from the
// calendar day the test was written on.
package testclock

import "time"

// Weekly is a weekly handover: every Weekday at Hour:00 in Loc.
type Weekly struct {
	Loc     *time.Location
	Weekday time.Weekday
	Hour    int
}

// Start is the start of the shift under way at now: the latest handover
// that is not after now. It counts days on the calendar of Loc, so a week
// across a change of summer time is still seven days.
func (w Weekly) Start(now time.Time) time.Time {
	local := now.In(w.Loc)
	start := time.Date(local.Year(), local.Month(), local.Day(), w.Hour, 0, 0, 0, w.Loc)
	for start.Weekday() != w.Weekday || start.After(local) {
		start = start.AddDate(0, 0, -1)
	}
	return start
}

// Margin is how close to a handover a test may start: closer, and Now
// waits for the handover to pass, so that no shift ends while a test runs.
// It covers a whole e2e run under -race (about 7 minutes), and a
// handover's wait for a late acceptance, which ends 5 minutes before the
// shift does.
const Margin = 15 * time.Minute

// Now is the wall clock, at least Margin before the next handover of each
// of the shifts.
func Now(shifts ...Weekly) time.Time {
	now := time.Now()
	for _, w := range shifts {
		if wait := time.Until(w.Start(now).AddDate(0, 0, 7)); wait < Margin {
			time.Sleep(wait + time.Second)
			now = time.Now()
		}
	}
	return now
}

// MustLoad loads a time zone that a test names.
func MustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
