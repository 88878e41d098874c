package summary

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// textListed caps the lists Text prints one line per item.
const textListed = 10

// severityRank orders the usual severities, most severe first.
var severityRank = map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

// Text renders the report as short plain text, for the CLI and the body
// of the retrospective ticket. The same report gives the same text.
func (r Report) Text() string { return r.render(plain{}) }

// Slack renders the report as Slack mrkdwn, for the team channel: the
// same lines as Text, with bold headings, text escaped, and incidents
// linked to the Web UI when the report has links. Its lines stay within a
// Slack section and the whole within a message (summaryMax).
func Slack(r Report) string { return r.render(slackStyle{}) }

// summaryMax bounds an incident's summary in the lists, in characters:
// with textListed items per list the report stays far within a Slack
// message (40,000 characters).
const summaryMax = 200

// style is how a rendering marks headings and links and shows text from
// outside (summaries, services, alert and people's names): on one line,
// cleaned of control characters, and escaped in mrkdwn.
type style interface {
	heading(s string) string
	link(url, text string) string
	text(s string) string
	// user names a chat user: a mention in Slack, the ID in text.
	user(id string) string
}

type plain struct{}

func (plain) heading(s string) string    { return s }
func (plain) link(_, text string) string { return mrkdwn.OneLine(text) }
func (plain) text(s string) string       { return mrkdwn.OneLine(s) }
func (plain) user(id string) string      { return mrkdwn.OneLine(id) }

type slackStyle struct{}

func (slackStyle) heading(s string) string      { return "*" + s + "*" }
func (slackStyle) link(url, text string) string { return mrkdwn.Link(url, text) }
func (slackStyle) text(s string) string         { return mrkdwn.Line(s) }
func (slackStyle) user(id string) string        { return mrkdwn.User(id) }

// short is an incident's summary as the lists show it.
func short(s string) string {
	return mrkdwn.CutPlain(mrkdwn.OneLine(s), summaryMax, "…")
}

func (r Report) render(st style) string {
	var b strings.Builder
	loc := time.UTC
	if l, err := time.LoadLocation(r.TimeZone); err == nil {
		loc = l
	}
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04") }

	b.WriteString(st.heading(fmt.Sprintf("On-call summary: %s, week %s", st.text(r.Team), r.Shift.Week)) + "\n")
	if r.RetentionWarning != "" {
		fmt.Fprintf(&b, "Warning: %s\n", st.text(r.RetentionWarning))
	}
	fmt.Fprintf(&b, "Shift: %s to %s (%s)", when(r.Shift.Start), when(r.Shift.End), r.TimeZone)
	if len(r.Shift.OnCall) > 0 {
		fmt.Fprintf(&b, ", on call: %s", texts(st, r.Shift.OnCall))
	}
	b.WriteString("\n")
	if h := r.Handover; h != nil && h.AcceptedAt.IsZero() {
		fmt.Fprintf(&b, "Handover: never accepted by %s (due %s): their phone was not proven to ring\n", texts(st, h.People), when(h.AcceptBy))
	} else if h != nil {
		fmt.Fprintf(&b, "Handover: accepted late by %s, %s after the deadline of %s\n", st.text(h.AcceptedBy), h.AcceptedAt.Sub(h.AcceptBy).Round(time.Minute), when(h.AcceptBy))
	}
	b.WriteString("\n")

	// Incidents.
	fmt.Fprintf(&b, "%s %d, %d paged", st.heading("Incidents:"), r.Incidents.Total, r.Incidents.Paged)
	if s := countList(st, r.Incidents.BySeverity, bySeverity); s != "" {
		fmt.Fprintf(&b, " (%s)", s)
	}
	b.WriteString("\n")
	if s := countList(st, r.Incidents.ByService, nil); s != "" {
		fmt.Fprintf(&b, "By service: %s\n", s)
	}
	if len(r.Incidents.Major) > 0 {
		b.WriteString("Critical and high:\n")
		for i, m := range r.Incidents.Major {
			if i == textListed {
				fmt.Fprintf(&b, "  ... and %d more\n", len(r.Incidents.Major)-textListed)
				break
			}
			state := "resolved in " + m.Duration
			if m.Open {
				state = "open for " + m.Duration
			}
			svc := ""
			if m.Service != "" {
				svc = " [" + st.text(short(m.Service)) + "]"
			}
			fmt.Fprintf(&b, "  - %s %s%s: %s, %s, %s\n", st.text(m.Severity), st.link(m.Link, m.WorkflowID), svc, st.text(short(m.Summary)), when(m.Triggered), state)
		}
	}

	if len(r.Drills) > 0 {
		fmt.Fprintf(&b, "%s %d, apart from the incidents\n", st.heading("Drills:"), len(r.Drills))
		for _, d := range r.Drills {
			fmt.Fprintf(&b, "  - drill %s, %s: %s\n", st.link(d.Link, d.WorkflowID), when(d.Triggered), d.sentence(st))
		}
	}

	// Interruptions.
	t := r.Interruptions.Totals
	fmt.Fprintf(&b, "\n%s %d (pages %d, SMS %d, calls %d): business %d, off-hours %d, sleep %d\n",
		st.heading("Interruptions:"), t.Total, t.Pages, t.SMS, t.Calls, t.BusinessHours, t.OffHours, t.SleepHours)
	for _, p := range r.Interruptions.People {
		name := p.Person
		if p.Name != "" && p.Name != p.Person {
			name = p.Name + " (" + p.Person + ")"
		}
		fmt.Fprintf(&b, "  %s, %s: %d (pages %d, SMS %d, calls %d): business %d, off-hours %d, sleep %d\n",
			st.text(name), st.text(p.TimeZone), p.Total, p.Pages, p.SMS, p.Calls, p.BusinessHours, p.OffHours, p.SleepHours)
	}
	writeOnCallHours(&b, st, r.OnCallHours)

	// Response.
	b.WriteString("\n")
	writeTimes(&b, "Time to acknowledge", r.TimeToAcknowledge)
	writeTimes(&b, "Time to resolve", r.TimeToResolve)
	e := r.Escalations
	fmt.Fprintf(&b, "Escalations: %d escalated, %d beyond the first step, %d to the secondary\n",
		e.Escalated, e.BeyondFirstStep, e.ToSecondary)
	a := r.Actionable
	if a.Answered > 0 {
		fmt.Fprintf(&b, "Actionable: %d of %d answered (%.0f%%), %d noise\n", a.Actionable, a.Answered, 100*a.Ratio, a.Noise)
	} else {
		b.WriteString("Actionable: no answers\n")
	}
	if r.HeldOvernightResolved > 0 {
		fmt.Fprintf(&b, "Held overnight and resolved by themselves: %d\n", r.HeldOvernightResolved)
	}
	if gr := r.Grouped; gr.Alerts > 0 {
		fmt.Fprintf(&b, "Grouped in the channel: %s, in %s and %s\n",
			plural(gr.Alerts, "alert"), plural(gr.Storms, "storm"), plural(gr.Groups, "label group"))
	}
	if len(r.Silenced) > 0 {
		var held []string
		total := 0
		for _, h := range r.Silenced {
			line := st.text(h.Silence)
			if h.Note != "" {
				line += " " + st.text(short(h.Note))
			}
			line += fmt.Sprintf(" (%s", plural(h.Alerts, "alert"))
			if h.PagedAfter > 0 {
				line += fmt.Sprintf(", %d paged when it ended", h.PagedAfter)
			}
			held = append(held, line+")")
			total += h.Alerts
		}
		fmt.Fprintf(&b, "Held back by silences: %s; %s\n", plural(total, "alert"), strings.Join(held, ", "))
	}
	if rt := r.Retries; rt.Retried > 0 {
		var needed []string
		for _, a := range rt.Alerts {
			needed = append(needed, fmt.Sprintf("%s (%d)", st.text(short(a.Alert)), a.Retried))
		}
		fmt.Fprintf(&b, "Retried before paging: %d, resolved by the retry with nobody paged: %d; the jobs that needed one: %s\n",
			rt.Retried, rt.ResolvedByRetry, strings.Join(needed, ", "))
	}

	writeSupport(&b, st, r.Support)

	if len(r.NoisiestAlerts) > 0 {
		b.WriteString("\n" + st.heading("Noisiest alerts:") + "\n")
		for i, n := range r.NoisiestAlerts {
			fmt.Fprintf(&b, "  %d. %s: %s, %s; %d actionable, %d noise, %d unanswered\n",
				i+1, st.text(short(n.Alert)), plural(n.Incidents, "incident"), plural(n.Deliveries, "delivery"), n.Actionable, n.Noise, n.Unanswered)
		}
	}

	// RCAs.
	fmt.Fprintf(&b, "\n%s %d open, %d overdue; %d needed for this shift's incidents\n",
		st.heading("RCAs:"), r.RCAs.Open, r.RCAs.Overdue, r.RCAs.NeededThisShift)
	for i, o := range r.RCAs.List {
		if i == textListed {
			fmt.Fprintf(&b, "  ... and %d more\n", len(r.RCAs.List)-textListed)
			break
		}
		fmt.Fprintf(&b, "  - %s: %s, resolved %s ago", st.link(o.Link, o.WorkflowID), st.text(short(o.Summary)), o.Age)
		if o.Overdue {
			b.WriteString(", overdue")
		}
		if o.Ticket != "" {
			fmt.Fprintf(&b, ", ticket %s", st.text(o.Ticket))
		}
		b.WriteString("\n")
	}

	l := r.Load
	fmt.Fprintf(&b, "\n%s %s with a paged incident open in a %s shift (%.1f%%)\n", st.heading("Load:"), l.IncidentTime, l.ShiftTime, 100*l.Ratio)

	if len(r.Trend) > 0 {
		b.WriteString("\n" + st.heading(fmt.Sprintf("Trend against %s:", cmp.Or(r.TrendAgainst, "the shift before"))) + "\n")
		for _, it := range r.Trend {
			fmt.Fprintf(&b, "  %s %s: %s (was %s)\n", arrow(it.Change), trendLabel(it.Figure),
				trendValue(it.Figure, it.This), trendValue(it.Figure, it.Previous))
		}
	}
	return b.String()
}

// writeOnCallHours lists the hours each person held the pager, when the
// report has them: "alice 168.0 h (business 50.0, off-hours 20.0, sleep
// 70.0, weekend 28.0); 3 interruptions (sleep 2, weekend 1)".
func writeOnCallHours(b *strings.Builder, st style, h OnCallHours) {
	if len(h.People) == 0 {
		return
	}
	b.WriteString("\n" + st.heading("On-call hours:") + "\n")
	for _, p := range h.People {
		name := p.Person
		if p.Name != "" && p.Name != p.Person {
			name = p.Name + " (" + p.Person + ")"
		}
		hr, n := p.Hours, p.Interruptions
		fmt.Fprintf(b, "  %s %.1f h (business %.1f, off-hours %.1f, sleep %.1f, weekend %.1f); %s",
			st.text(name), hr.Total, hr.Business, hr.OffHours, hr.Sleep, hr.Weekend, plural(n.Total, "interruption"))
		var parts []string
		for _, c := range []struct {
			label string
			n     int
		}{{"business", n.Business}, {"off-hours", n.OffHours}, {"sleep", n.Sleep}, {"weekend", n.Weekend}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c.label, c.n))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(b, " (%s)", strings.Join(parts, ", "))
		}
		b.WriteString("\n")
	}
}

// writeSupport says what the shift's support requests were, when there
// were any: "Support requests: 4, 3 done, 1 open; first response median
// 12m, p90 1h; done median 2h, p90 5h; asked most: @U1 2, @U2 1".
func writeSupport(b *strings.Builder, st style, s SupportStats) {
	if s.Requests == 0 {
		return
	}
	fmt.Fprintf(b, "Support requests: %d, %d done, %d open", s.Requests, s.Done, s.Open)
	if t := s.TimeToFirstResponse; t.Count > 0 {
		fmt.Fprintf(b, "; first response median %s, p90 %s", t.Median, t.P90)
	}
	if t := s.TimeToDone; t.Count > 0 {
		fmt.Fprintf(b, "; done median %s, p90 %s", t.Median, t.P90)
	}
	if s.Reminders > 0 {
		fmt.Fprintf(b, "; %s to the person on call", plural(s.Reminders, "reminder"))
	}
	if len(s.TopAskers) > 0 {
		askers := make([]string, len(s.TopAskers))
		for i, a := range s.TopAskers {
			askers[i] = fmt.Sprintf("%s %d", st.user(a.User), a.Requests)
		}
		fmt.Fprintf(b, "; asked most: %s", strings.Join(askers, ", "))
	}
	b.WriteString("\n")
}

func writeTimes(b *strings.Builder, label string, s TimeStats) {
	if s.Count == 0 {
		fmt.Fprintf(b, "%s: none\n", label)
		return
	}
	fmt.Fprintf(b, "%s: median %s, p90 %s (%s)\n", label, s.Median, s.P90, plural(s.Count, "incident"))
}

// bySeverity orders severities most severe first, then by name.
func bySeverity(a, b string) int {
	ra, oka := severityRank[strings.ToLower(a)]
	rb, okb := severityRank[strings.ToLower(b)]
	switch {
	case oka && okb:
		return cmp.Compare(ra, rb)
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

// countList shows "a 3, b 1": in the given order, else most first then by
// name, the first textListed of them.
func countList(st style, m map[string]int, order func(a, b string) int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if order == nil {
		order = func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) }
	}
	slices.SortFunc(keys, order)
	parts := make([]string, 0, min(len(keys), textListed)+1)
	for i, k := range keys {
		if i == textListed {
			parts = append(parts, fmt.Sprintf("%d more", len(keys)-textListed))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", st.text(short(k)), m[k]))
	}
	return strings.Join(parts, ", ")
}

// texts shows names from outside, one line each, comma-separated.
func texts(st style, names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = st.text(n)
	}
	return strings.Join(out, ", ")
}

func arrow(change string) string {
	switch change {
	case "up":
		return "↑"
	case "down":
		return "↓"
	}
	return "="
}

func trendLabel(figure string) string {
	switch figure {
	case FigureSleepInterruptions:
		return "interruptions in sleep hours"
	case FigureMedianAckSeconds:
		return "median time to acknowledge"
	case FigureMedianResolveSeconds:
		return "median time to resolve"
	case FigureSMS:
		return "SMS"
	}
	return figure
}

func trendValue(figure string, v int64) string {
	if strings.HasSuffix(figure, "_seconds") {
		return HumanDuration(time.Duration(v) * time.Second)
	}
	return fmt.Sprint(v)
}

// plural shows "1 incident", "2 incidents", "3 deliveries".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}
