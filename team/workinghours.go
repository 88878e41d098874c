package team

import (
	"fmt"
	"strings"
	"time"
)

// defaultWorkingHours apply to a person whose team file entry gives none.
var defaultWorkingHours = WorkingHours{Start: "09:00", End: "17:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}}

// workday is a person's working hours, parsed.
type workday struct {
	loc        *time.Location
	start, end int // minutes after midnight
	days       [7]bool
}

// workdayOf reads a person's working hours in their zone (the team's when
// they give none). The team file was validated, so parse errors fall back
// to the defaults rather than failing a running workflow.
func (p Person) workdayOf(teamLoc *time.Location) workday {
	w := workday{loc: teamLoc}
	if p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			w.loc = loc
		}
	}
	wh := defaultWorkingHours
	if p.WorkingHours != nil {
		wh = *p.WorkingHours
	}
	sh, sm, err1 := ParseClock(wh.Start)
	eh, em, err2 := ParseClock(wh.End)
	if err1 != nil || err2 != nil {
		sh, sm, eh, em = 9, 0, 17, 0
	}
	w.start, w.end = sh*60+sm, eh*60+em
	for _, d := range wh.Days {
		if wd, err := ParseWeekday(d); err == nil {
			w.days[wd] = true
		}
	}
	return w
}

// InWorkingHours reports whether t falls in the person's working hours, in
// their own zone.
func (p Person) InWorkingHours(teamLoc *time.Location, t time.Time) bool {
	w := p.workdayOf(teamLoc)
	local := t.In(w.loc)
	m := local.Hour()*60 + local.Minute()
	return w.days[local.Weekday()] && m >= w.start && m < w.end
}

// NextWorkingStart returns the start of the person's next working period
// at or after t: their "next working morning".
func (p Person) NextWorkingStart(teamLoc *time.Location, t time.Time) time.Time {
	w := p.workdayOf(teamLoc)
	return w.next(t, w.start)
}

// HoldUntil is when a low-severity alert that fires at t for the person
// on call is posted: held is false in their working hours (it is posted at
// once), else it waits for their next working morning.
func (p Person) HoldUntil(teamLoc *time.Location, t time.Time) (until time.Time, held bool) {
	if p.InWorkingHours(teamLoc, t) {
		return time.Time{}, false
	}
	return p.NextWorkingStart(teamLoc, t), true
}

// NextWorkingDayAt returns hh:mm on the person's next working day after t,
// in their zone: a reminder "on their next working morning, not at 4 am".
// A working day is next even when it is today, if hh:mm is still ahead.
func (p Person) NextWorkingDayAt(teamLoc *time.Location, t time.Time, hour, minute int) time.Time {
	w := p.workdayOf(teamLoc)
	return w.next(t, hour*60+minute)
}

// next returns the first instant at minute-of-day m on a working day, at
// or after t. A person with no working days gets t.
func (w workday) next(t time.Time, m int) time.Time {
	local := t.In(w.loc)
	for d := 0; d <= 7; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, m/60, m%60, 0, 0, w.loc)
		if w.days[day.Weekday()] && !day.Before(t) {
			return day
		}
	}
	return t
}

// WorkingHoursText says a person's working hours as the rules read them,
// in their zone: "09:00-17:00 Mon Tue Wed Thu Fri, Europe/Berlin".
func (p Person) WorkingHoursText(teamLoc *time.Location) string {
	w := p.workdayOf(teamLoc)
	var days []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if w.days[d] {
			days = append(days, d.String()[:3])
		}
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d %s, %s", w.start/60, w.start%60, w.end/60, w.end%60, strings.Join(days, " "), w.loc)
}
