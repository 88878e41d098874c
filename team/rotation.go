package team

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shift is one member's turn with the pager: [Start, End).
type Shift struct {
	Member string
	Start  time.Time
	End    time.Time
}

// shiftLength is a rotation's shift: whole days on the local wall clock, or
// a fixed duration.
type shiftLength struct {
	days  int
	fixed time.Duration
}

func parseShift(s string) (shiftLength, error) {
	if len(s) < 2 {
		return shiftLength{}, fmt.Errorf("%q is not a shift length such as 1w, 3d or 12h", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return shiftLength{}, fmt.Errorf("%q is not a shift length such as 1w, 3d or 12h", s)
	}
	switch s[len(s)-1] {
	case 'w':
		return shiftLength{days: 7 * n}, nil
	case 'd':
		return shiftLength{days: n}, nil
	case 'h':
		return shiftLength{fixed: time.Duration(n) * time.Hour}, nil
	}
	return shiftLength{}, fmt.Errorf("%q is not a shift length such as 1w, 3d or 12h", s)
}

// localTimeLayout is how the team file writes a local date and time.
const localTimeLayout = "2006-01-02T15:04"

// ShiftAt returns the shift that holds t. ok is false before the rotation's
// first handover: nobody is on call then.
func (r Rotation) ShiftAt(loc *time.Location, t time.Time) (s Shift, ok bool, err error) {
	length, err := parseShift(r.Shift)
	if err != nil {
		return Shift{}, false, err
	}
	if len(r.Members) == 0 {
		return Shift{}, false, fmt.Errorf("rotation has no members")
	}
	first, err := time.ParseInLocation(localTimeLayout, r.Start, loc)
	if err != nil {
		return Shift{}, false, fmt.Errorf("rotation start %q: want a local time such as 2026-11-02T09:00", r.Start)
	}
	if t.Before(first) {
		return Shift{}, false, nil
	}
	startOf := func(k int) time.Time {
		if length.days > 0 {
			// time.Date keeps the wall clock across DST changes.
			return time.Date(first.Year(), first.Month(), first.Day()+k*length.days,
				first.Hour(), first.Minute(), 0, 0, loc)
		}
		return first.Add(time.Duration(k) * length.fixed)
	}
	approx := length.fixed
	if length.days > 0 {
		approx = time.Duration(length.days) * 24 * time.Hour
	}
	k := int(t.Sub(first) / approx)
	// The estimate is off by at most one where DST moved the wall clock.
	for k > 0 && startOf(k).After(t) {
		k--
	}
	for !startOf(k + 1).After(t) {
		k++
	}
	return Shift{
		Member: r.Members[k%len(r.Members)],
		Start:  startOf(k),
		End:    startOf(k + 1),
	}, true, nil
}

// Previous returns the latest handover at or before t.
func (h HandoverTime) Previous(loc *time.Location, t time.Time) (time.Time, error) {
	return h.nearest(loc, t, -1)
}

// Next returns the earliest handover strictly after t.
func (h HandoverTime) Next(loc *time.Location, t time.Time) (time.Time, error) {
	return h.nearest(loc, t, +1)
}

// nearest walks from t's day in loc one day at a time, backwards (step
// -1) to the first handover at or before t, or forwards (step +1) to the
// first one strictly after it.
func (h HandoverTime) nearest(loc *time.Location, t time.Time, step int) (time.Time, error) {
	wd, hour, minute, err := h.parse()
	if err != nil {
		return time.Time{}, err
	}
	local := t.In(loc)
	for d := 0; d <= 7; d++ {
		c := time.Date(local.Year(), local.Month(), local.Day()+step*d, hour, minute, 0, 0, loc)
		if c.Weekday() == wd && (step < 0 && !c.After(t) || step > 0 && c.After(t)) {
			return c, nil
		}
	}
	// Unreachable: one of eight consecutive days is the weekday and on the
	// wanted side of t.
	side := "after"
	if step < 0 {
		side = "before"
	}
	return time.Time{}, fmt.Errorf("no handover found %s %s", side, t)
}

func (h HandoverTime) parse() (time.Weekday, int, int, error) {
	wd, err := ParseWeekday(h.Weekday)
	if err != nil {
		return 0, 0, 0, err
	}
	hour, minute, err := ParseClock(h.Time)
	if err != nil {
		return 0, 0, 0, err
	}
	return wd, hour, minute, nil
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// ParseWeekday reads "monday" or "mon", in any case.
func ParseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for name, wd := range weekdays {
		if s == name || (len(s) == 3 && strings.HasPrefix(name, s)) {
			return wd, nil
		}
	}
	return 0, fmt.Errorf("%q is not a weekday such as monday or mon", s)
}

// ParseClock reads a 24-hour "HH:MM".
func ParseClock(s string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a time of day such as 09:00", s)
	}
	return t.Hour(), t.Minute(), nil
}

// How a handover tests the incoming person's phone.
const (
	TestPageSMS  = "sms"
	TestPageCall = "call"
	TestPageNone = "none"
)

// DefaultAcceptWithin is how long the incoming person has to accept a
// handover when the team file does not say.
const DefaultAcceptWithin = 30 * time.Minute

// TestPageFor is how the handover tests p's phone: the team's choice, an
// SMS by default, and none for a person without a phone number (there is
// nothing to prove then). An explicit choice stands even without a number,
// so that the handover can say the test could not be sent.
func (h HandoverTime) TestPageFor(p Person) string {
	switch {
	case h.TestPage == TestPageNone:
		return ""
	case h.TestPage != "":
		return h.TestPage
	case p.Phone != "":
		return TestPageSMS
	}
	return ""
}

// AcceptDeadline is how long after a handover the incoming person has to
// accept it.
func (h HandoverTime) AcceptDeadline() time.Duration {
	if d, err := time.ParseDuration(h.AcceptWithin); err == nil && d > 0 {
		return d
	}
	return DefaultAcceptWithin
}
