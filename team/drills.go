package team

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Drills is a team's schedule of fire drills: a drill incident goes
// through the real paging path (the page, the DM, the SMS and the call at
// the policy's steps) so that the team learns whether the phone rings
// before a real night asks.
type Drills struct {
	// Every is how often a drill runs, as a duration or in days or weeks
	// ("4w", "14d", "720h").
	Every string `yaml:"every" json:"every"`
	// InWorkingHours: each drill goes out in the working hours of the
	// person on call (in their own zone), never in their night.
	InWorkingHours bool `yaml:"in_working_hours,omitempty" json:"in_working_hours,omitempty"`
}

// Bounds of a drill schedule: more often than daily is a nuisance, and a
// drill more than a year apart proves nothing about this year's phone.
const (
	minDrillEvery = 24 * time.Hour
	maxDrillEvery = 366 * 24 * time.Hour
)

// Interval is how often drills run, for drills that passed validation.
func (d Drills) Interval() time.Duration {
	every, _ := parseDrillSpan(d.Every)
	return every
}

// parseDrillSpan reads a drill's period: a span as heartbeats take it, or
// whole weeks ("4w").
func parseDrillSpan(s string) (time.Duration, error) {
	if weeks, ok := strings.CutSuffix(s, "w"); ok {
		if n, err := strconv.Atoi(weeks); err == nil && n > 0 {
			return time.Duration(n) * 7 * 24 * time.Hour, nil
		}
	} else if d, err := ParseSpan(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not a period such as 4w, 14d or 720h", s)
}

// validateDrills checks the team's drill schedule, when it has one.
func (t Team) validateDrills(bad func(field, format string, args ...any)) {
	if t.Drills == nil {
		return
	}
	every, err := parseDrillSpan(t.Drills.Every)
	switch {
	case t.Drills.Every == "":
		bad("drills.every", "missing: how often a drill runs, such as 4w")
	case err != nil:
		bad("drills.every", "%v", err)
	case every < minDrillEvery || every > maxDrillEvery:
		bad("drills.every", "%q is not between 1d and 52w", t.Drills.Every)
	}
	if !t.Pages(DrillSeverity) {
		bad("drills", "a scheduled drill is a %s page, and incidents.page_severities does not page %s", DrillSeverity, DrillSeverity)
	}
}

// DrillSeverity is the severity of a scheduled drill, and of one started
// by hand unless it asks for another: the one that pages at once.
const DrillSeverity = "critical"

// Drill channels: what `starter drill --via` limits a drill's escalation
// to.
const (
	DrillViaSMS  = ActionSMS
	DrillViaCall = ActionCall
)

// DrillPlan lays out the escalation of a drill of the severity: the first
// cycle of the team's policy for it, never repeated (an unanswered drill
// is a finding, not a reason to ring three times). With via set (sms or
// call) only the policy's steps of that kind to the person on call are
// kept, so the drill proves that one channel; a policy without such a
// step cannot drill it, and says so.
func (t Team) DrillPlan(severity, via string) ([]EscalationAt, error) {
	policy := t.EscalationFor(severity)
	policy.Repeat = 0
	plan, err := policy.Plan()
	if err != nil {
		return nil, err
	}
	switch via {
	case "":
		return plan, nil
	case DrillViaSMS, DrillViaCall:
	default:
		return nil, fmt.Errorf("a drill goes via %s or %s, not %q", DrillViaSMS, DrillViaCall, via)
	}
	plan = slices.DeleteFunc(plan, func(s EscalationAt) bool { return s.Action != via })
	if len(plan) == 0 {
		return nil, fmt.Errorf("team %s's escalation policy for %s alerts has no %s step to the person on call to drill", t.Name, severity, via)
	}
	return plan, nil
}
