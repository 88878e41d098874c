// Package simulate replays a team's recorded alerts against a proposed
// team file: each alert arrives when it did, with its severity and
// service, and is acknowledged after the delay it was; the proposed
// rotation, page_severities, working hours and escalation policy decide
// whom it pages and how far it escalates. The rules are the incident's own
// pure functions (team.Pages, Person.HoldUntil, Escalation.Plan,
// team.Secondary, team.Schedule), and the figures come from
// summary.Compute over the recorded incidents (current) and over the
// replayed ones (proposed), so that replaying the current file reproduces
// the summary's figures. Everything here is pure: no Temporal, no I/O.
package simulate

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// Input is what a simulation replays, and against what.
type Input struct {
	// Current is the team file the alerts were handled under; Proposed
	// is the one they are replayed against.
	Current, Proposed team.Team
	// Overrides are the team's overrides, from its roster: they hold
	// under either file.
	Overrides []team.Override
	// Incidents are the team's recorded incidents of the period, as the
	// weekly summary reads them.
	Incidents []summary.Record
	// From and To bound the period: [From, To).
	From, To time.Time
	// Now is when the simulation runs: an incident nobody acknowledged
	// yet escalates until then. Zero means To.
	Now time.Time
}

// Result is the period under the current file beside the proposed one.
type Result struct {
	Team     string    `json:"team"`
	TimeZone string    `json:"time_zone"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Alerts counts the incidents replayed.
	Alerts int `json:"alerts"`
	// People are everyone interrupted or on call under either file, most
	// interrupted (current) first.
	People []Person `json:"people"`
	Totals Compared `json:"totals"`
	// Escalations are the team's, as the summary counts them.
	Escalations struct {
		Current  summary.EscalationStats `json:"current"`
		Proposed summary.EscalationStats `json:"proposed"`
	} `json:"escalations"`
	// Changes are the alerts whose handling changes, oldest first.
	Changes []Change `json:"changes"`
	// Notes say what was not replayed and why.
	Notes []string `json:"notes"`
	// Current and Proposed are the summary's whole reports of the period.
	Current  summary.Report `json:"-"`
	Proposed summary.Report `json:"-"`
}

// Person is one person's figures, current beside proposed.
type Person struct {
	Person   string `json:"person"`
	Name     string `json:"name,omitempty"`
	TimeZone string `json:"time_zone"`
	Compared
}

// Compared is a set of figures under both files.
type Compared struct {
	Current  Figures `json:"current"`
	Proposed Figures `json:"proposed"`
}

// Figures are what the period cost a person (or the team): interruptions
// by kind and by bucket of their own clock (summary.Bucket), and the hours
// they held the pager.
type Figures struct {
	summary.InterruptionCounts
	OnCallHours summary.HeldHours `json:"oncall_hours"`
}

// Change is an alert handled differently under the proposed file.
type Change struct {
	WorkflowID string    `json:"workflow_id"`
	Summary    string    `json:"summary"`
	Severity   string    `json:"severity"`
	Service    string    `json:"service,omitempty"`
	Triggered  time.Time `json:"triggered"`
	Current    Handling  `json:"current"`
	Proposed   Handling  `json:"proposed"`
}

// Handling is what became of an alert.
type Handling struct {
	// Route is RoutePaged, RouteHeld, RoutePosted or RouteSilenced.
	Route string `json:"route"`
	// HeldUntil is the working morning a held alert waited for.
	HeldUntil time.Time `json:"held_until,omitzero"`
	OnCall    []string  `json:"on_call"`
	// Steps is the highest escalation step reached.
	Steps            int          `json:"escalation_steps"`
	ReachedSecondary bool         `json:"reached_secondary"`
	Interruptions    []Disruption `json:"interruptions"`
}

// Disruption is one interruption, with the bucket of the person's clock it
// fell in.
type Disruption struct {
	summary.Interruption
	Bucket string `json:"bucket"`
}

// Routes of an alert.
const (
	RoutePaged = "paged"
	// RouteHeld: a low severity outside the working hours of the person
	// on call, held for their working morning.
	RouteHeld = "held"
	// RoutePosted: a low severity posted in the channel at once.
	RoutePosted = "posted"
	// RouteSilenced: held back by a silence, which the team file does
	// not hold: replayed as it was.
	RouteSilenced = "silenced"
)

// Run replays the incidents against the proposed file and sets the
// period's figures under both files side by side.
func Run(in Input) (Result, error) {
	now := cmp.Or(in.Now, in.To)
	// A drill is no alert: it runs its own plan, and the summary counts
	// it apart, so it is not replayed.
	all := len(in.Incidents)
	in.Incidents = slices.DeleteFunc(slices.Clone(in.Incidents), func(r summary.Record) bool { return r.Drill != nil })
	drills := all - len(in.Incidents)
	current, err := newReplayer(in.Current, in.Overrides, in.Incidents, in.From, in.To)
	if err != nil {
		return Result{}, fmt.Errorf("the current team file: %w", err)
	}
	proposed, err := newReplayer(in.Proposed, in.Overrides, in.Incidents, in.From, in.To)
	if err != nil {
		return Result{}, fmt.Errorf("the proposed team file: %w", err)
	}
	replayed := make([]summary.Record, len(in.Incidents))
	for i, rec := range in.Incidents {
		if replayed[i], err = proposed.replay(rec, now); err != nil {
			return Result{}, fmt.Errorf("the proposed team file: %w", err)
		}
	}
	res := Result{
		Team: in.Proposed.Name, TimeZone: proposed.loc.String(), From: in.From, To: in.To, Alerts: len(in.Incidents),
		Current:  current.report(in.Incidents, now),
		Proposed: proposed.report(replayed, now),
		Changes:  []Change{},
		Notes:    []string{},
	}
	res.People, res.Totals = compare(res.Current, res.Proposed)
	res.Escalations.Current, res.Escalations.Proposed = res.Current.Escalations, res.Proposed.Escalations
	silenced := 0
	for i, rec := range in.Incidents {
		if rec.Silenced != "" {
			silenced++
		}
		was, will := current.handling(rec), proposed.handling(replayed[i])
		if !was.same(will) {
			res.Changes = append(res.Changes, Change{
				WorkflowID: rec.WorkflowID, Summary: rec.Summary, Severity: rec.Severity, Service: rec.Service,
				Triggered: rec.Triggered, Current: was, Proposed: will,
			})
		}
	}
	slices.SortStableFunc(res.Changes, func(a, b Change) int { return a.Triggered.Compare(b.Triggered) })
	if in.Proposed.Pager.Rotation == nil {
		res.Notes = append(res.Notes, "The pager's rotation lives in the pager, not in the team file: each alert pages whom it paged, and on-call hours are not counted.")
	}
	if drills > 0 {
		what := fmt.Sprintf("%d drills are", drills)
		if drills == 1 {
			what = "1 drill is"
		}
		res.Notes = append(res.Notes, what+" not replayed: a drill is no alert, and the summary counts it apart.")
	}
	if silenced > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d alerts held back by a silence are kept as they were: silences are not in the team file.", silenced))
	}
	return res, nil
}

// replayer replays alerts against one team file.
type replayer struct {
	team team.Team
	loc  *time.Location
	// holders is who held the pager, from the rotation and the overrides,
	// over the period and a week past its alerts (for the next shift's
	// person, the secondary); nil for an external pager.
	holders  []team.Segment
	from, to time.Time
	// zones are the people's zones by person ID: loading a zone reads
	// the zone database.
	zones map[string]*time.Location
}

func newReplayer(t team.Team, overrides []team.Override, incidents []summary.Record, from, to time.Time) (*replayer, error) {
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	r := &replayer{team: t, loc: loc, from: from, to: to, zones: map[string]*time.Location{}}
	if t.Pager.Rotation == nil {
		return r, nil
	}
	first, last := from, to
	for _, rec := range incidents {
		first, last = minTime(first, rec.Triggered), maxTime(last, rec.Triggered)
	}
	// The next handover after the last alert is at most a week on.
	if r.holders, err = t.Schedule(overrides, first, last.AddDate(0, 0, 8)); err != nil {
		return nil, err
	}
	return r, nil
}

// onCallAt is who held the pager at the instant: the holder of the
// schedule's segment, as the rotation pager and the overrides answer the
// incident.
func (r *replayer) onCallAt(at time.Time) []team.Person {
	i, found := slices.BinarySearchFunc(r.holders, at, func(s team.Segment, at time.Time) int { return s.From.Compare(at) })
	if !found {
		i--
	}
	if i < 0 || !at.Before(r.holders[i].To) {
		return nil
	}
	return r.team.PeopleOf([]string{r.holders[i].Person})
}

// responders are whom the incident pages and whom its secondary steps
// reach, as findResponders names them: the pager (here the rotation and
// the overrides), else the fallback; the secondary by the team's policy.
// An external pager's answer is not in the file: the recorded on-call
// person stands, and whoever the record shows reached beside them is the
// pager's second.
func (r *replayer) responders(rec summary.Record) (onCall, secondary []team.Person) {
	var second []team.Person
	if r.team.Pager.Rotation != nil {
		onCall = r.onCallAt(rec.Triggered)
		if end, err := r.team.Handover.Next(r.loc, rec.Triggered); err == nil {
			second = team.PagerSecond(onCall, r.onCallAt(end))
		}
	} else {
		onCall = r.team.PeopleOf(rec.OnCall)
		var others []string
		for _, it := range rec.Interruptions {
			if !slices.Contains(rec.OnCall, it.Person) && !slices.Contains(others, it.Person) {
				others = append(others, it.Person)
			}
		}
		second = r.team.PeopleOf(others)
	}
	if p, ok := r.team.Person(r.team.Fallback); ok && len(onCall) == 0 {
		onCall = []team.Person{p}
	}
	return onCall, r.team.Secondary(onCall, second)
}

// replay is the record the incident would have kept under the replayer's
// file: whether it paged, whom, and each page, SMS and call until the
// acknowledgement (or the mitigation or resolution that ended the
// escalation) came after its recorded delay. What the file does not decide
// (the alert, its times, answers and tickets) stays as recorded.
func (r *replayer) replay(rec summary.Record, now time.Time) (summary.Record, error) {
	if rec.Silenced != "" {
		return rec, nil
	}
	out := rec
	out.Interruptions, out.EscalationStep, out.ReachedSecondary, out.ResolvedWhileHeld = nil, 0, false, false
	// Notification counts (DMs included) are not replayed; the summary
	// counts interruptions.
	out.Notifications = nil
	onCall, secondary := r.responders(rec)
	out.OnCall = team.IDs(onCall)
	out.Paged = r.team.Pages(rec.Severity)
	if !out.Paged {
		responder := team.Person{}
		if len(onCall) > 0 {
			responder = onCall[0]
		}
		until, held := responder.HoldUntil(r.loc, rec.Triggered)
		out.ResolvedWhileHeld = held && rec.ResolvedBy == summary.ResolvedBySource && !rec.Resolved.IsZero() && rec.Resolved.Before(until)
		return out, nil
	}
	for _, p := range onCall {
		out.Interruptions = append(out.Interruptions, summary.Interruption{At: rec.Triggered, Kind: summary.KindPage, Person: p.ID})
	}
	plan, err := r.team.EscalationFor(rec.Severity).Plan()
	if err != nil {
		return summary.Record{}, fmt.Errorf("severity %s: %w", rec.Severity, err)
	}
	stop := escalationEnd(rec, now)
	for i, step := range plan {
		at := rec.Triggered.Add(step.Offset)
		if !at.Before(stop) {
			break
		}
		out.EscalationStep = i + 1
		kind, toSecondary := team.StepKind(step.Action)
		people := onCall
		if toSecondary {
			people = secondary
			out.ReachedSecondary = out.ReachedSecondary || len(people) > 0
		}
		for _, p := range people {
			// Without a number, the step is noted and rings nobody.
			if p.Phone != "" {
				out.Interruptions = append(out.Interruptions, summary.Interruption{At: at, Kind: kind, Person: p.ID})
			}
		}
	}
	return out, nil
}

// escalationEnd is when the escalation stopped: the first of the
// acknowledgement, mitigation and resolution, which all leave the
// unacknowledged page; now for an incident still waiting.
func escalationEnd(rec summary.Record, now time.Time) time.Time {
	end := now
	for _, t := range []time.Time{rec.Acknowledged, rec.Mitigated, rec.Resolved} {
		if !t.IsZero() {
			end = minTime(end, t)
		}
	}
	return end
}

// report is the summary of the period under the replayer's file, with
// the hours each person held its pager.
func (r *replayer) report(incidents []summary.Record, now time.Time) summary.Report {
	shift := summary.Shift{Start: r.from, End: r.to, OnCall: []string{}}
	var holdings []summary.Holding
	for _, s := range r.holders {
		if s.From.Before(r.to) && s.To.After(r.from) {
			holdings = append(holdings, summary.Holding{Person: s.Person, From: s.From, To: s.To})
			if !slices.Contains(shift.OnCall, s.Person) {
				shift.OnCall = append(shift.OnCall, s.Person)
			}
		}
	}
	return summary.Compute(summary.Input{Team: r.team, Shift: shift, Incidents: incidents, Holdings: holdings, Now: now})
}

// handling is what became of an alert by its record, under the
// replayer's file: a low severity that paged nobody was held when it came
// outside the working hours of the person on call.
func (r *replayer) handling(rec summary.Record) Handling {
	h := Handling{OnCall: rec.OnCall, Steps: rec.EscalationStep, ReachedSecondary: rec.ReachedSecondary, Interruptions: []Disruption{}}
	if h.OnCall == nil {
		h.OnCall = []string{}
	}
	switch {
	case rec.Silenced != "":
		h.Route = RouteSilenced
	case rec.Paged:
		h.Route = RoutePaged
	default:
		h.Route = RoutePosted
		responder := team.Person{}
		if people := r.team.PeopleOf(rec.OnCall); len(people) > 0 {
			responder = people[0]
		}
		if until, held := responder.HoldUntil(r.loc, rec.Triggered); held {
			h.Route, h.HeldUntil = RouteHeld, until
		}
	}
	for _, it := range rec.Interruptions {
		h.Interruptions = append(h.Interruptions, Disruption{Interruption: it, Bucket: summary.Bucket(it.At, r.zone(it.Person))})
	}
	return h
}

// zone is a person's time zone, the team's when they give none (or the
// file does not know them), as the summary buckets their interruptions.
func (r *replayer) zone(id string) *time.Location {
	if loc, ok := r.zones[id]; ok {
		return loc
	}
	loc := r.loc
	if p, ok := r.team.Person(id); ok && p.TimeZone != "" {
		if l, err := time.LoadLocation(p.TimeZone); err == nil {
			loc = l
		}
	}
	r.zones[id] = loc
	return loc
}

// same: the handling is the same, up to when exactly each interruption
// went out (a real one is late by its delivery); the bucket it fell in
// counts.
func (h Handling) same(o Handling) bool {
	if h.Route != o.Route || !h.HeldUntil.Equal(o.HeldUntil) || !slices.Equal(h.OnCall, o.OnCall) ||
		h.Steps != o.Steps || h.ReachedSecondary != o.ReachedSecondary || len(h.Interruptions) != len(o.Interruptions) {
		return false
	}
	type ring struct{ kind, person, bucket string }
	count := map[ring]int{}
	for _, d := range h.Interruptions {
		count[ring{d.Kind, d.Person, d.Bucket}]++
	}
	for _, d := range o.Interruptions {
		count[ring{d.Kind, d.Person, d.Bucket}]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// compare lines up each person's figures in the two reports.
func compare(cur, prop summary.Report) ([]Person, Compared) {
	rows := map[string]*Person{}
	var order []string
	row := func(id, name, zone string) *Person {
		if p, ok := rows[id]; ok {
			return p
		}
		rows[id] = &Person{Person: id, Name: name, TimeZone: zone}
		order = append(order, id)
		return rows[id]
	}
	for i, rep := range []summary.Report{cur, prop} {
		side := func(p *Person) *Figures {
			if i == 0 {
				return &p.Current
			}
			return &p.Proposed
		}
		for _, pi := range rep.Interruptions.People {
			side(row(pi.Person, pi.Name, pi.TimeZone)).InterruptionCounts = pi.InterruptionCounts
		}
		for _, po := range rep.OnCallHours.People {
			side(row(po.Person, po.Name, po.TimeZone)).OnCallHours = po.Hours
		}
	}
	out := make([]Person, 0, len(order))
	for _, id := range order {
		out = append(out, *rows[id])
	}
	slices.SortStableFunc(out, func(a, b Person) int {
		return cmp.Or(cmp.Compare(b.Current.Total, a.Current.Total), cmp.Compare(b.Proposed.Total, a.Proposed.Total))
	})
	totals := Compared{Current: Figures{InterruptionCounts: cur.Interruptions.Totals}, Proposed: Figures{InterruptionCounts: prop.Interruptions.Totals}}
	for _, p := range out {
		totals.Current.OnCallHours = addHours(totals.Current.OnCallHours, p.Current.OnCallHours)
		totals.Proposed.OnCallHours = addHours(totals.Proposed.OnCallHours, p.Proposed.OnCallHours)
	}
	return out, totals
}

// addHours adds held hours in tenths, so that a sum of tenths stays one.
func addHours(a, b summary.HeldHours) summary.HeldHours {
	add := func(x, y float64) float64 { return float64(int64(x*10+0.5)+int64(y*10+0.5)) / 10 }
	return summary.HeldHours{
		Total: add(a.Total, b.Total), Business: add(a.Business, b.Business), OffHours: add(a.OffHours, b.OffHours),
		Sleep: add(a.Sleep, b.Sleep), Weekend: add(a.Weekend, b.Weekend),
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
