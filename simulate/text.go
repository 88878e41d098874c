package simulate

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// ChangesShown is how many changed alerts Text lists; the JSON has them
// all.
const ChangesShown = 50

// Text renders the result for a terminal: per person, current -> proposed,
// then the alerts whose handling changes.
func (r Result) Text() string {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04") }
	var b strings.Builder
	fmt.Fprintf(&b, "Simulation of %s from %s to %s (%s): %d alerts replayed against the proposed team file,\n"+
		"each acknowledged after the delay it was.\n\n", r.Team, when(r.From), when(r.To), r.TimeZone, r.Alerts)

	b.WriteString("Interruptions by hour of each person's own clock, and on-call hours (current -> proposed):\n")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "person\tpages\tsms\tcalls\tbusiness\toff\tsleep\ton-call h\t")
	row := func(name string, c Compared) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name,
			arrow(c.Current.Pages, c.Proposed.Pages), arrow(c.Current.SMS, c.Proposed.SMS), arrow(c.Current.Calls, c.Proposed.Calls),
			arrow(c.Current.BusinessHours, c.Proposed.BusinessHours), arrow(c.Current.OffHours, c.Proposed.OffHours),
			arrow(c.Current.SleepHours, c.Proposed.SleepHours),
			hoursArrow(c.Current.OnCallHours.Total, c.Proposed.OnCallHours.Total))
	}
	for _, p := range r.People {
		row(p.Person, p.Compared)
	}
	row("team", r.Totals)
	_ = w.Flush()
	e := r.Escalations
	fmt.Fprintf(&b, "\nEscalations: %s escalated, %s beyond the first step, %s to the secondary.\n",
		arrow(e.Current.Escalated, e.Proposed.Escalated), arrow(e.Current.BeyondFirstStep, e.Proposed.BeyondFirstStep),
		arrow(e.Current.ToSecondary, e.Proposed.ToSecondary))

	if len(r.Changes) == 0 {
		b.WriteString("\nNo alert is handled differently.\n")
	} else {
		fmt.Fprintf(&b, "\nAlerts whose handling changes (%d):\n", len(r.Changes))
	}
	for i, c := range r.Changes {
		if i == ChangesShown {
			fmt.Fprintf(&b, "  and %d more (--json lists them all)\n", len(r.Changes)-ChangesShown)
			break
		}
		headline := c.Summary
		if c.Service != "" {
			headline += " (" + c.Service + ")"
		}
		fmt.Fprintf(&b, "  %s [%s] %s\n    current:  %s\n    proposed: %s\n", when(c.Triggered), c.Severity, headline,
			c.Current.describe(when), c.Proposed.describe(when))
	}
	for _, n := range r.Notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}

func arrow(current, proposed int) string {
	if current == proposed {
		return fmt.Sprint(current)
	}
	return fmt.Sprintf("%d -> %d", current, proposed)
}

func hoursArrow(current, proposed float64) string {
	if current == proposed {
		return fmt.Sprintf("%.1f", current)
	}
	return fmt.Sprintf("%.1f -> %.1f", current, proposed)
}

// describe says in a line what became of an alert: "paged alice, up to
// escalation step 1: page alice sleep, sms alice sleep".
func (h Handling) describe(when func(time.Time) string) string {
	who := "nobody"
	if len(h.OnCall) > 0 {
		who = strings.Join(h.OnCall, ", ")
	}
	switch h.Route {
	case RouteHeld:
		return fmt.Sprintf("held for %s until %s", who, when(h.HeldUntil))
	case RoutePosted:
		return "posted in the channel, paging nobody"
	case RouteSilenced:
		return "held back by a silence"
	}
	s := "paged " + who
	if h.Steps > 0 {
		s += fmt.Sprintf(", up to escalation step %d", h.Steps)
	}
	if h.ReachedSecondary {
		s += ", the secondary reached"
	}
	var rings []string
	for _, d := range h.Interruptions {
		rings = append(rings, fmt.Sprintf("%s %s %s", d.Kind, d.Person, d.Bucket))
	}
	if len(rings) > 0 {
		s += ": " + strings.Join(rings, ", ")
	}
	return s
}
