package summary

import (
	"fmt"
	"time"
)

// Hour buckets of an interruption, in the interrupted person's local time.
const (
	BucketBusiness = "business"
	BucketOff      = "off"
	BucketSleep    = "sleep"
	// BucketWeekend is the part of BucketOff that falls on a Saturday or a
	// Sunday (08:00-22:00): the on-call hours report it on its own.
	// Bucket never returns it.
	BucketWeekend = "weekend"
)

// Bucket says when t falls for someone in loc, by their local clock:
// "sleep" from 22:00 to 08:00 every day, "business" Monday to Friday from
// 08:00 to 18:00, and "off" otherwise (weekday evenings 18:00-22:00 and
// weekend days 08:00-22:00). A nil loc is UTC. The local clock decides, so
// the buckets follow daylight saving time.
func Bucket(t time.Time, loc *time.Location) string {
	if b := bucket(t, loc); b != BucketWeekend {
		return b
	}
	return BucketOff
}

// bucket is Bucket with weekend days told apart from weekday evenings:
// BucketWeekend where Bucket says BucketOff on a Saturday or Sunday, the
// same answer everywhere else. Sleep comes first, so a weekend night is
// sleep, as it is for Bucket. Bucket is derived from it, so the on-call
// hours and the interruptions cannot be classified differently.
func bucket(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	h := local.Hour()
	switch {
	case h < 8 || h >= 22:
		return BucketSleep
	case local.Weekday() == time.Saturday || local.Weekday() == time.Sunday:
		return BucketWeekend
	case h >= 18:
		return BucketOff
	default:
		return BucketBusiness
	}
}

// WeekOf is the ISO week of t in loc, as "2026-W47". A nil loc is UTC.
func WeekOf(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// civilDay numbers the local calendar day of t in loc (days since 1 Jan
// 1970 on the local wall clock): the difference of two is a count of
// wall-clock days, so a 23- or 25-hour day at a DST change is still one.
func civilDay(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	s := t.Unix() + int64(off)
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// DayHourGrid counts interruptions of every kind by day of the shift and
// local hour, in the team's zone. Row 0 is the shift's first local day;
// interruptions on later days than the seventh (a shift longer than a
// week, or escalation running past its end) are folded into the last
// row, and any before the first day into the first.
type DayHourGrid struct {
	TimeZone string `json:"time_zone"`
	// DayLabels name the rows, as "Mon 16 Nov".
	DayLabels []string `json:"day_labels"`
	// Counts[day][hour].
	Counts [7][24]int `json:"counts"`
	// Max is the largest cell, for the chart's scale.
	Max int `json:"max"`
}

func newDayHourGrid(start time.Time, loc *time.Location) DayHourGrid {
	g := DayHourGrid{TimeZone: loc.String(), DayLabels: make([]string, 7)}
	s := start.In(loc)
	for d := range g.DayLabels {
		g.DayLabels[d] = time.Date(s.Year(), s.Month(), s.Day()+d, 12, 0, 0, 0, loc).Format("Mon 2 Jan")
	}
	return g
}

// add counts an interruption at t; firstDay is the civilDay of the
// shift's start.
func (g *DayHourGrid) add(firstDay int64, t time.Time, loc *time.Location) {
	d := int(min(max(civilDay(t, loc)-firstDay, 0), 6))
	h := t.In(loc).Hour()
	g.Counts[d][h]++
	g.Max = max(g.Max, g.Counts[d][h])
}
