// Package testclock gives end-to-end tests their teams' weekly handovers
// and the shift under way, set from the test's own clock and not from the
// calendar day the test was written on.
package testclock

import (
	"fmt"
	"strings"
	"time"
)

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

// MidWeek is a weekly handover, on the hour in loc, half a week from now:
// the latest before now was three and a half days ago, the next is as far
// ahead. Tests that set their teams' handovers by it run clear of any
// handover whatever the day, with nothing to wait for.
func MidWeek(loc *time.Location, now time.Time) Weekly {
	at := now.In(loc).Add(-84 * time.Hour)
	return Weekly{Loc: loc, Weekday: at.Weekday(), Hour: at.Hour()}
}

// YAML is the handover as a team file writes it, for inside its braces:
// weekday: thursday, time: "14:00".
func (w Weekly) YAML() string {
	return fmt.Sprintf(`weekday: %s, time: "%02d:00"`, strings.ToLower(w.Weekday.String()), w.Hour)
}

// MustLoad loads a time zone that a test names.
func MustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
