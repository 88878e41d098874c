package team

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultEscalation pages the person on call by SMS at 10 minutes and by
// phone at 15, then the secondary by both at 20, and runs the cycle twice
// more while nobody acknowledges.
var DefaultEscalation = Escalation{
	Steps: []EscalationStep{
		{After: "10m", Action: ActionSMS},
		{After: "15m", Action: ActionCall},
		{After: "20m", Action: ActionSMSSecondary},
		{After: "20m", Action: ActionCallSecondary},
	},
	Repeat: 2,
}

// defaultPageSeverities page; the rest go to the channel only.
var defaultPageSeverities = []string{"critical", "high"}

// DefaultAckReminder is how long an acknowledged incident may stay
// unmitigated before a reminder.
const DefaultAckReminder = 60 * time.Minute

// Pages reports whether an incident of the severity pages the person on
// call, rather than only being posted in the channel.
func (t Team) Pages(severity string) bool {
	return slices.Contains(t.PageSeverityList(), severity)
}

// PageSeverityList is the severities that page: the team's, or the
// default.
func (t Team) PageSeverityList() []string {
	if len(t.Incidents.PageSeverities) == 0 {
		return defaultPageSeverities
	}
	return t.Incidents.PageSeverities
}

// EscalationFor returns the escalation policy for a severity: the team's
// own for that severity, else the team's default, else DefaultEscalation.
func (t Team) EscalationFor(severity string) Escalation {
	if e, ok := t.Incidents.Escalation[severity]; ok {
		return e
	}
	if e, ok := t.Incidents.Escalation["default"]; ok {
		return e
	}
	return DefaultEscalation
}

// DefaultRepeatNoteEvery is how often at most a repeating alert adds a
// thread line: often enough to show it is still firing, rarely enough that
// a storm of repeats cannot flood the channel's posting limit.
const DefaultRepeatNoteEvery = 5 * time.Minute

// RepeatNoteInterval is the team's RepeatNoteEvery, or its default.
func (t Team) RepeatNoteInterval() time.Duration {
	if d, err := time.ParseDuration(t.Incidents.RepeatNoteEvery); err == nil && d > 0 {
		return d
	}
	return DefaultRepeatNoteEvery
}

// AckReminderAfter is the team's ack reminder delay.
func (t Team) AckReminderAfter() time.Duration {
	if d, err := time.ParseDuration(t.Incidents.AckReminder); err == nil && d > 0 {
		return d
	}
	return DefaultAckReminder
}

// EscalationAt is one planned escalation step: its action, at an offset
// from the page.
type EscalationAt struct {
	Offset time.Duration
	Action string
	// Cycle counts from 0.
	Cycle int
}

// Plan lays an escalation policy out in time: every step of every cycle,
// with its offset from the page, in order. A cycle lasts as long as its
// latest step's delay; the next starts then.
func (e Escalation) Plan() ([]EscalationAt, error) {
	var cycle time.Duration
	offsets := make([]time.Duration, len(e.Steps))
	for i, s := range e.Steps {
		d, err := time.ParseDuration(s.After)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("escalation step %d: %q is not a positive duration such as 10m", i, s.After)
		}
		offsets[i] = d
		cycle = max(cycle, d)
	}
	var plan []EscalationAt
	for c := 0; c <= e.Repeat; c++ {
		for i, s := range e.Steps {
			plan = append(plan, EscalationAt{Offset: time.Duration(c)*cycle + offsets[i], Action: s.Action, Cycle: c})
		}
	}
	slices.SortStableFunc(plan, func(a, b EscalationAt) int { return int(a.Offset - b.Offset) })
	return plan, nil
}

// StepKind is what an escalation step's action does: an SMS or a call
// (summary's interruption kinds), and whether it goes to the secondary
// rather than to the person on call.
func StepKind(action string) (kind string, toSecondary bool) {
	switch action {
	case ActionSMSSecondary, ActionCallSecondary:
		return strings.TrimSuffix(action, "_secondary"), true
	}
	return action, false
}

// PagerSecond is whom a pager's answer names second: the people on call at
// the shift's end, when they are not the people on call now.
func PagerSecond(onCall, next []Person) []Person {
	if slices.Equal(IDs(next), IDs(onCall)) {
		return nil
	}
	return next
}

// Secondary is who an incident's secondary steps page: the team's own
// incidents.secondary when it names one, else second (whom the pager
// named), else the team's fallback when it is not on call itself.
func (t Team) Secondary(onCall, second []Person) []Person {
	if p, ok := t.Person(t.Incidents.Secondary); ok {
		return []Person{p}
	}
	if p, ok := t.Person(t.Fallback); ok && len(second) == 0 && !slices.Contains(IDs(onCall), p.ID) {
		return []Person{p}
	}
	return second
}
