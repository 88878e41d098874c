// Package explain tells, in plain words, why an incident did what it did:
// the alert and its severity, why it paged or was held, who was on call
// and where that came from, the escalation policy with each step's planned
// and actual instant, what each SMS and call became, and who acted
// through what. Everything comes from what the incident recorded (its
// status query's Why); nothing is recomputed from today's team file,
// which may have changed since. Pure: starter explain and /baton why
// render the same explanation.
package explain

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/workflows"
)

// Explanation is an incident's decision trail, ready to show.
type Explanation struct {
	Incident string                 `json:"incident"`
	State    workflows.State        `json:"state"`
	Alert    Alert                  `json:"alert"`
	TimeZone string                 `json:"time_zone"`
	Paging   string                 `json:"paging"`
	OnCall   Responders             `json:"on_call"`
	Second   Responders             `json:"secondary"`
	Policy   string                 `json:"policy,omitempty"`
	Steps    []Step                 `json:"steps,omitempty"`
	Acts     []workflows.Act        `json:"acts,omitempty"`
	Silence  *workflows.SilenceHold `json:"silence,omitempty"`
	// Recorded is false for an incident that predates the trail: then
	// only what its status always held is explained.
	Recorded bool `json:"recorded"`
}

// Alert is what the alert said, as the incident took it.
type Alert struct {
	Name       string    `json:"name,omitempty"`
	Summary    string    `json:"summary"`
	Severity   string    `json:"severity"`
	Service    string    `json:"service,omitempty"`
	Source     string    `json:"source"`
	Triggered  time.Time `json:"triggered"`
	Deliveries int       `json:"deliveries"`
	// Drill: the alert was a drill's (starter drill, or the team's drill
	// schedule), paged as a real one but counted apart.
	Drill bool `json:"drill,omitempty"`
}

// Responders are people the incident paged, and why them.
type Responders struct {
	People []string `json:"people,omitempty"`
	Why    string   `json:"why,omitempty"`
}

// Step is one escalation step: planned, run or not, and its SMS and calls.
type Step struct {
	Round   int       `json:"round"`
	Step    int       `json:"step"` // 0: escalated by hand
	Action  string    `json:"action"`
	Planned time.Time `json:"planned"`
	// Ran is when it ran; zero when it did not (yet): Outcome says why.
	Ran     time.Time        `json:"ran,omitzero"`
	Outcome string           `json:"outcome,omitempty"`
	Rings   []workflows.Ring `json:"rings,omitempty"`
}

// Of builds the explanation of an incident from its status.
func Of(st workflows.IncidentStatus) Explanation {
	s := st.Summary
	x := Explanation{
		Incident: st.WorkflowID, State: st.State,
		Alert: Alert{
			Name: st.Alert.AlertName, Summary: st.Alert.Summary, Severity: string(st.Alert.Severity),
			Service: st.Alert.Service, Source: st.Alert.Source, Triggered: s.Triggered, Deliveries: s.Deliveries,
			Drill: st.Alert.Drill != nil,
		},
		OnCall: Responders{People: s.OnCall},
	}
	w := st.Why
	if w == nil {
		x.TimeZone = "UTC"
		return x
	}
	x.Recorded = w.Trail.Paging != "" || w.Trail.OnCall != "" || w.Trail.Policy != ""
	x.TimeZone, x.Paging, x.Policy, x.Silence = w.TimeZone, w.Trail.Paging, w.Trail.Policy, w.Silence
	x.OnCall = Responders{People: w.OnCall, Why: cmp.Or(w.Trail.OnCall, w.Source)}
	x.Second = Responders{People: w.Secondary, Why: w.Trail.Secondary}
	x.Acts = w.Trail.Acts
	x.Steps = steps(st, w)
	return x
}

// steps lays the steps run beside the current round's plan: every step
// run, of any round, then the plan's steps not reached, with why not.
func steps(st workflows.IncidentStatus, w *workflows.Why) []Step {
	var out []Step
	for _, r := range w.Trail.Steps {
		step := Step{Round: r.Round, Step: r.Step, Action: r.Action, Planned: r.Planned, Ran: r.At}
		for _, ring := range w.Trail.Rings {
			if ring.Step == r.Key {
				step.Rings = append(step.Rings, ring)
			}
		}
		out = append(out, step)
	}
	notReached := notReachedWhy(st)
	for i := w.Next; i < len(w.Plan); i++ {
		p := w.Plan[i]
		out = append(out, Step{Round: w.Round, Step: p.Step, Action: p.Action, Planned: p.At, Outcome: notReached})
	}
	return out
}

// notReachedWhy says why the plan's steps still ahead did not run: the
// incident moved on, or they are still due.
func notReachedWhy(st workflows.IncidentStatus) string {
	s := st.Summary
	switch {
	case !s.Acknowledged.IsZero():
		return "not needed: acknowledged before"
	case !s.Resolved.IsZero():
		return "not needed: resolved before"
	case st.Why.Silence != nil && !st.Why.Silence.Over:
		return "paused by silence " + st.Why.Silence.ID
	case st.State == workflows.StateTriggered:
		return "due"
	}
	return "not run"
}

// Text is the explanation as plain text, one fact a line. What came from
// outside stays on its line, without control characters, so that nothing
// typed in an alert can steer a terminal.
func (x Explanation) Text() string {
	return strings.Join(x.render(mrkdwn.OneLine), "\n") + "\n"
}

// Slack is the explanation for Slack: every line is data, escaped, so
// that nothing in it (an alert's summary, an override's note) mentions,
// links or formats.
func (x Explanation) Slack() string {
	lines := x.render(mrkdwn.Line)
	if len(lines) > slackLines {
		more := len(lines) - slackLines + 1
		lines = append(lines[:slackLines-1], fmt.Sprintf("… and %d more lines: `starter explain %s` has them all.", more, mrkdwn.Line(x.Incident)))
	}
	return strings.Join(lines, "\n")
}

// slackLines bounds an explanation in Slack: an incident that flapped for
// days, noted at every turn, would pass what a message shows (each line
// is at most a few hundred characters; Slack cuts a message at 40,000).
const slackLines = 60

// render passes each line through clean, keeping its indent.
func (x Explanation) render(clean func(string) string) []string {
	lines := x.lines()
	for i, l := range lines {
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		lines[i] = indent + clean(l)
	}
	return lines
}

func (x Explanation) lines() []string {
	loc, err := time.LoadLocation(x.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04:05 MST") }
	after := func(t time.Time) string { return summary.HumanDuration(t.Sub(x.Alert.Triggered)) }
	a := x.Alert
	head := fmt.Sprintf("%s: \"%s\", severity %s", x.Incident, a.Summary, a.Severity)
	if a.Drill {
		head = fmt.Sprintf("%s: a DRILL, \"%s\", severity %s", x.Incident, a.Summary, a.Severity)
	}
	if a.Service != "" {
		head += ", service " + a.Service
	}
	if a.Name != "" {
		head += ", alert " + a.Name
	}
	lines := []string{
		head + fmt.Sprintf(", from %s.", a.Source),
		fmt.Sprintf("Triggered %s; %s; now %s.", when(a.Triggered), plural(a.Deliveries, "delivery", "deliveries"), x.State),
	}
	switch {
	case !x.Recorded && x.State == workflows.StateClosed:
		return append(lines, "Its trail could not be read back: a worker replays a closed incident to answer, and none did. Try again once a worker runs.")
	case !x.Recorded:
		return append(lines, "This incident began before Baton recorded its reasons: its timeline (starter incident show) says what it did.")
	}
	lines = append(lines, "Why: "+x.Paging+".")
	lines = append(lines, fmt.Sprintf("On call: %s, from %s.", people(x.OnCall.People), x.OnCall.Why))
	if len(x.Second.People) > 0 {
		lines = append(lines, fmt.Sprintf("Secondary: %s, as %s.", people(x.Second.People), x.Second.Why))
	}
	if x.Policy != "" {
		lines = append(lines, "Policy: "+x.Policy+".")
	}
	for i := 0; i < len(x.Steps); i++ {
		s := x.Steps[i]
		if s.Ran.IsZero() {
			// The steps not reached share their outcome: one line says
			// them all, from the first to the last.
			j := i
			for j+1 < len(x.Steps) && x.Steps[j+1].Ran.IsZero() && x.Steps[j+1].Outcome == s.Outcome {
				j++
			}
			if j > i {
				last := x.Steps[j]
				lines = append(lines, fmt.Sprintf("Steps %d to %d, planned from %s (+%s) to %s (+%s): %s.",
					s.Step, last.Step, when(s.Planned), after(s.Planned), when(last.Planned), after(last.Planned), s.Outcome))
				i = j
				continue
			}
		}
		name := fmt.Sprintf("Step %d (%s)", s.Step, s.Action)
		if s.Step == 0 {
			name = "Escalated by hand (" + s.Action + ")"
		}
		if s.Round > 0 {
			name += fmt.Sprintf(", page round %d", s.Round+1)
		}
		if s.Ran.IsZero() {
			lines = append(lines, fmt.Sprintf("%s: planned %s (+%s): %s.", name, when(s.Planned), after(s.Planned), s.Outcome))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: planned %s (+%s), ran %s.", name, when(s.Planned), after(s.Planned), when(s.Ran)))
		for _, r := range s.Rings {
			lines = append(lines, "  "+ring(r, when))
		}
	}
	for _, act := range x.Acts {
		lines = append(lines, fmt.Sprintf("%s by %s via %s at %s (+%s).", actName(act.Action), act.By, act.Via, when(act.At), after(act.At)))
	}
	return lines
}

// ring says what one SMS or call of a step became.
func ring(r workflows.Ring, when func(time.Time) string) string {
	what, sent := "SMS", "sent"
	if r.Kind == "call" {
		what, sent = "Call", "placed"
	}
	late := ""
	if d := r.At.Sub(r.Planned); d >= time.Second {
		late = fmt.Sprintf(", %s after its step", summary.HumanDuration(d))
	}
	switch r.Outcome {
	case workflows.RingSent:
		if len(r.Carried) > 0 {
			return fmt.Sprintf("%s to %s: held on their phone line (one SMS a minute per person), then sent %s%s, as one with the pages of %s.",
				what, r.Person, when(r.At), late, strings.Join(r.Carried, ", "))
		}
		return fmt.Sprintf("%s to %s: %s %s%s.", what, r.Person, sent, when(r.At), late)
	case workflows.RingCarried:
		return fmt.Sprintf("%s to %s: not %s on its own; the one for %s carried it, %s (a person gets one SMS a minute and one call per two minutes).", what, r.Person, sent, r.With, when(r.At))
	case workflows.RingCalledOff:
		return fmt.Sprintf("%s to %s: called off at %s, the incident %s meanwhile.", what, r.Person, when(r.At), r.Why)
	case workflows.RingFailed:
		return fmt.Sprintf("%s to %s: failed at %s: %s.", what, r.Person, when(r.At), r.Why)
	case workflows.RingNoPhone:
		return fmt.Sprintf("%s to %s: skipped, no phone number in the team file.", what, r.Person)
	case workflows.RingNobody:
		return fmt.Sprintf("%s: nobody to ring.", what)
	}
	return fmt.Sprintf("%s to %s: %s at %s.", what, r.Person, r.Outcome, when(r.At))
}

func actName(a workflows.Action) string {
	switch a {
	case workflows.ActionAck:
		return "Acknowledged"
	case workflows.ActionMitigate:
		return "Mitigated"
	case workflows.ActionResolve:
		return "Resolved"
	case workflows.ActionEscalate:
		return "Escalated by hand"
	case workflows.ActionNote:
		return "Note"
	}
	return "Answered " + string(a)
}

func people(ids []string) string {
	if len(ids) == 0 {
		return "nobody"
	}
	return strings.Join(ids, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
