package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/team"
)

// Trail is what the incident decided and why, in words, recorded when it
// decided: explain (starter explain, /baton why) reads it, never today's
// team file, which may have changed since. Recording it adds no command
// to the history, so runs that predate it replay unchanged; their trail
// is empty and explain says so.
type Trail struct {
	// Paging says why the alert paged, was held, or was only posted.
	Paging string `json:"paging,omitempty"`
	// OnCall and Secondary say where those people came from: an override,
	// the rotation's shift, the vendor's schedule, the last handover, the
	// team's fallback.
	OnCall    string `json:"on_call,omitempty"`
	Secondary string `json:"secondary,omitempty"`
	// Policy names the escalation policy and its steps.
	Policy string `json:"policy,omitempty"`
	// Steps are the escalation steps run, each with its planned and its
	// actual instant.
	Steps []StepRun `json:"steps,omitempty"`
	// Rings are the SMS and calls of the steps, one per person, and how
	// each went.
	Rings []Ring `json:"rings,omitempty"`
	// Acts are what people did, through what.
	Acts []Act `json:"acts,omitempty"`
}

// StepRun is one escalation step as it ran: Step is 1-based for the
// policy's steps, 0 for one asked by hand; Round is the page round (a
// reopened incident is paged anew); Key names its rings (Ring.Step).
type StepRun struct {
	Key     string    `json:"key"`
	Round   int       `json:"round"`
	Step    int       `json:"step"`
	Action  string    `json:"action"`
	Planned time.Time `json:"planned"`
	At      time.Time `json:"at"`
}

// Ring outcomes.
const (
	RingSent      = "sent"       // the SMS went out, or the call was placed
	RingCarried   = "carried"    // another incident's SMS or call carried it
	RingCalledOff = "called off" // the incident changed before it went
	RingFailed    = "failed"     // the phone provider refused it
	RingNoPhone   = "no phone"   // the person has no number
	RingNobody    = "nobody"     // the step had nobody to ring
)

// Ring is one SMS or call to one person of a step (Step as in its keys:
// "step2", "manual1", with the round when reopened).
type Ring struct {
	Step    string    `json:"step"`
	Kind    string    `json:"kind"`
	Person  string    `json:"person"`
	Planned time.Time `json:"planned"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	// With is the incident whose SMS or call carried this one; Carried,
	// the incidents whose held pages this SMS carried.
	With    string   `json:"with,omitempty"`
	Carried []string `json:"carried,omitempty"`
	// Why is the failure, when it failed.
	Why string `json:"why,omitempty"`
}

// Act is an action someone took on the incident.
type Act struct {
	At     time.Time `json:"at"`
	Action Action    `json:"action"`
	By     string    `json:"by"`
	Via    string    `json:"via"`
}

// Why is the decision trail explain reads: the trail as recorded, with
// whom the incident pages and its escalation's plan. It holds names, not
// phone numbers.
type Why struct {
	Trail Trail `json:"trail"`
	// TimeZone is the team's zone, in which explain shows instants.
	TimeZone  string   `json:"time_zone"`
	OnCall    []string `json:"on_call,omitempty"`
	Secondary []string `json:"secondary,omitempty"`
	// Source is who named them: the pager, the last handover, the team's
	// fallback, or nobody.
	Source string `json:"source,omitempty"`
	// Round is the page round Plan is of; Next its next step, counted
	// from 0.
	Round     int           `json:"round"`
	Plan      []PlannedStep `json:"plan,omitempty"`
	Next      int           `json:"next"`
	HoldUntil time.Time     `json:"hold_until,omitzero"`
	Silence   *SilenceHold  `json:"silence,omitempty"`
}

// PlannedStep is a step of the escalation's plan and its instant.
type PlannedStep struct {
	Step   int       `json:"step"`
	Action string    `json:"action"`
	At     time.Time `json:"at"`
}

func (inc *incident) why() *Why {
	w := &Why{
		Trail: inc.Trail, TimeZone: inc.loc.String(),
		OnCall: team.IDs(inc.Responders.OnCall), Secondary: team.IDs(inc.Responders.Secondary), Source: inc.Responders.Source,
		Round: inc.Escalation.Round, Next: inc.Escalation.Next, HoldUntil: inc.HoldUntil, Silence: inc.Silence,
	}
	for i, s := range inc.Escalation.Plan {
		w.Plan = append(w.Plan, PlannedStep{Step: i + 1, Action: s.Action, At: inc.Escalation.Base.Add(s.Offset)})
	}
	return w
}

// pagesWhy says why a severity pages, naming the list it is in.
func pagesWhy(t team.Team, severity string) string {
	return fmt.Sprintf("severity %s pages: it is one of the team's page_severities (%s)", severity, strings.Join(t.PageSeverityList(), ", "))
}

// postsWhy says why an alert of a severity that does not page was posted
// at once or held, by the working hours of the person on call.
func postsWhy(t team.Team, loc *time.Location, severity string, responder team.Person, held bool, until string) string {
	why := fmt.Sprintf("severity %s does not page (page_severities: %s)", severity, strings.Join(t.PageSeverityList(), ", "))
	who := responder.ID
	if who == "" {
		who = "nobody on call"
	}
	if held {
		return fmt.Sprintf("%s, and it came outside the working hours of %s (%s): held until %s", why, who, responder.WorkingHoursText(loc), until)
	}
	return fmt.Sprintf("%s: posted without paging, in the working hours of %s (%s)", why, who, responder.WorkingHoursText(loc))
}

// policyWhy names the escalation policy a severity takes and where it
// comes from, with its steps.
func policyWhy(t team.Team, severity string) string {
	origin := policyOrigin(t, severity)
	e := t.EscalationFor(severity)
	steps := make([]string, len(e.Steps))
	for i, s := range e.Steps {
		steps[i] = s.Action + " after " + s.After
	}
	why := origin + ": " + strings.Join(steps, ", ")
	if e.Repeat > 0 {
		why += fmt.Sprintf(", repeated %d more time(s)", e.Repeat)
	}
	return why
}

// policyOrigin says where the policy of a severity comes from, as
// team.EscalationFor picks it.
func policyOrigin(t team.Team, severity string) string {
	if _, ok := t.Incidents.Escalation[severity]; ok {
		return "the team's policy for " + severity
	}
	if _, ok := t.Incidents.Escalation["default"]; ok {
		return "the team's default policy"
	}
	return "Baton's default policy"
}
