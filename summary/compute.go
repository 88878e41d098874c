package summary

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
)

// Shift is who was on call and when.
type Shift struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	OnCall []string  `json:"on_call"` // names as given
	// Week is the ISO week of Start in the team's zone, "2026-W47".
	// Compute fills it in when it is empty.
	Week string `json:"week"`
}

// Input is everything the weekly summary is computed from.
type Input struct {
	Team  team.Team
	Shift Shift
	// Incidents were triggered in [Shift.Start, Shift.End).
	Incidents []Record
	// OpenRCAs are the team's incidents still waiting for their RCA
	// (resolved, not closed), of any age.
	OpenRCAs []Record
	// Holdings are who held the pager when in the shift, overrides
	// included, for Report.OnCallHours; they are clipped to the shift.
	Holdings []Holding
	// Retries are the retries before paging started in the shift.
	Retries []Retried
	// Support are the support requests opened in the shift, as their
	// memos keep them.
	Support []support.Request
	// Now is when the summary is computed; zero means Shift.End.
	Now time.Time
	// UILink, when set, turns a workflow ID and run ID into a link (the
	// Temporal Web UI); nil means no links.
	UILink func(workflowID, runID string) string
}

// Report is the weekly on-call summary of one team's shift.
type Report struct {
	Team string `json:"team"`
	// TimeZone is the team's zone, in which days and hours are counted.
	TimeZone    string    `json:"time_zone"`
	Shift       Shift     `json:"shift"`
	GeneratedAt time.Time `json:"generated_at"`

	Incidents     IncidentCounts     `json:"incidents"`
	Interruptions InterruptionReport `json:"interruptions"`
	// PagesByDayHour counts interruptions of every kind by day of the
	// shift and hour, in the team's zone.
	PagesByDayHour    DayHourGrid     `json:"pages_by_day_hour"`
	TimeToAcknowledge TimeStats       `json:"time_to_acknowledge"`
	TimeToResolve     TimeStats       `json:"time_to_resolve"`
	Escalations       EscalationStats `json:"escalations"`
	NoisiestAlerts    []AlertNoise    `json:"noisiest_alerts"`
	Actionable        ActionableStats `json:"actionable"`
	// HeldOvernightResolved counts low-severity alerts that were held for
	// the working morning and resolved themselves before it.
	HeldOvernightResolved int `json:"held_overnight_resolved"`
	// Retries counts the alerts retried before paging, and those the
	// retry resolved with nobody paged.
	Retries RetryStats `json:"retries"`
	// Grouped counts the alerts whose channel message was a group's, and
	// the groups: storms, and groups by the team's group_by.
	Grouped GroupStats `json:"grouped"`
	// Silenced is what each silence held back, most first.
	Silenced []SilenceHeld `json:"silenced"`
	// Drills are the shift's drills, oldest first: listed here and counted
	// in no other figure of the report.
	Drills []DrillRun `json:"drills"`
	// Support counts the support requests opened in the shift, how soon
	// they were answered and done, and who asked most.
	Support SupportStats `json:"support"`
	RCAs    RCAStats     `json:"rcas"`
	Load    Load         `json:"load"`
	// OnCallHours are the hours each person held the pager, by bucket in
	// their own zone, from Input.Holdings.
	OnCallHours OnCallHours `json:"oncall_hours"`
	// Trend compares with the shift before; empty until CompareWith.
	Trend []TrendItem `json:"trend"`
	// TrendAgainst is the week of the report compared with.
	TrendAgainst string `json:"trend_against,omitempty"`
	// RetentionWarning is set by the caller when some of the shift's
	// incidents may have left visibility already.
	RetentionWarning string `json:"retention_warning,omitempty"`
	// Handover is set by the caller when the shift's handover was
	// accepted late, or never: the incoming phone was not proven in time.
	Handover *HandoverCheck `json:"handover,omitempty"`
}

// HandoverCheck is a handover whose test page was not accepted in time.
type HandoverCheck struct {
	// People are the incoming people asked to accept.
	People   []string  `json:"people"`
	AcceptBy time.Time `json:"accept_by"`
	// AcceptedAt is zero when nobody accepted.
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	AcceptedBy string    `json:"accepted_by,omitempty"`
}

// IncidentCounts are the shift's incidents by severity and service.
type IncidentCounts struct {
	Total int `json:"total"`
	Paged int `json:"paged"`
	// BySeverity and ByService count incidents; an empty value is "(none)".
	BySeverity map[string]int `json:"by_severity"`
	ByService  map[string]int `json:"by_service"`
	// Major lists the critical and high incidents, oldest first.
	Major []MajorIncident `json:"major"`
}

// MajorIncident is one critical or high incident of the shift.
type MajorIncident struct {
	WorkflowID string    `json:"workflow_id"`
	Summary    string    `json:"summary"`
	Severity   string    `json:"severity"`
	Service    string    `json:"service"`
	Triggered  time.Time `json:"triggered"`
	Resolved   time.Time `json:"resolved,omitzero"`
	// DurationSeconds runs to the resolution, or to Now while open.
	DurationSeconds int64  `json:"duration_seconds"`
	Duration        string `json:"duration"`
	Open            bool   `json:"open,omitempty"`
	Link            string `json:"link,omitempty"`
}

// InterruptionCounts count interruptions by kind and by hour bucket.
// Pages+SMS+Calls+Other == Total == BusinessHours+OffHours+SleepHours.
type InterruptionCounts struct {
	Pages int `json:"pages"`
	SMS   int `json:"sms"`
	Calls int `json:"calls"`
	// Other counts interruptions of an unknown kind.
	Other         int `json:"other,omitempty"`
	Total         int `json:"total"`
	BusinessHours int `json:"business_hours"`
	OffHours      int `json:"off_hours"`
	SleepHours    int `json:"sleep_hours"`
}

func (c *InterruptionCounts) add(kind, bucket string) {
	switch kind {
	case KindPage:
		c.Pages++
	case KindSMS:
		c.SMS++
	case KindCall:
		c.Calls++
	default:
		c.Other++
	}
	c.Total++
	switch bucket {
	case BucketBusiness:
		c.BusinessHours++
	case BucketOff:
		c.OffHours++
	default:
		c.SleepHours++
	}
}

// PersonInterruptions are one person's interruptions, bucketed in their
// own zone.
type PersonInterruptions struct {
	// Person is the team file's person ID.
	Person string `json:"person"`
	// Name is how the person is shown, when the team file knows them.
	Name     string `json:"name,omitempty"`
	TimeZone string `json:"time_zone"`
	InterruptionCounts
}

// InterruptionReport is who was interrupted, and the team's totals.
type InterruptionReport struct {
	// People are sorted by total, most first, then by person ID. The
	// people on call appear even when nobody interrupted them.
	People []PersonInterruptions `json:"people"`
	Totals InterruptionCounts    `json:"totals"`
}

// EscalationStats count how far escalation went.
type EscalationStats struct {
	// Escalated reached escalation step 1 or beyond.
	Escalated int `json:"escalated"`
	// BeyondFirstStep reached step 2 or beyond.
	BeyondFirstStep int `json:"beyond_first_step"`
	ToSecondary     int `json:"to_secondary"`
}

// AlertNoise is one alert's incidents and answers.
type AlertNoise struct {
	// Alert is the alert name, else the incident summary.
	Alert      string `json:"alert"`
	Incidents  int    `json:"incidents"`
	Deliveries int    `json:"deliveries"`
	Actionable int    `json:"actionable"`
	Noise      int    `json:"noise"`
	Unanswered int    `json:"unanswered"`
}

// ActionableStats are the answers to "was this actionable?".
type ActionableStats struct {
	Answered   int `json:"answered"`
	Actionable int `json:"actionable"`
	Noise      int `json:"noise"`
	// Ratio is Actionable/Answered, 0 when nobody answered.
	Ratio float64 `json:"ratio"`
}

// RCAStats are the team's RCAs still to write.
type RCAStats struct {
	// NeededThisShift counts the shift's incidents that need an RCA (the
	// paged ones).
	NeededThisShift int `json:"needed_this_shift"`
	Open            int `json:"open"`
	// Overdue were resolved more than a week before Now.
	Overdue int `json:"overdue"`
	// List is oldest resolution first.
	List []OpenRCA `json:"list"`
}

// OpenRCA is one incident waiting for its RCA.
type OpenRCA struct {
	WorkflowID string    `json:"workflow_id"`
	Summary    string    `json:"summary"`
	Resolved   time.Time `json:"resolved"`
	AgeSeconds int64     `json:"age_seconds"`
	Age        string    `json:"age"`
	Overdue    bool      `json:"overdue"`
	Ticket     string    `json:"ticket,omitempty"`
	Link       string    `json:"link,omitempty"`
}

// RCAOverdueAfter is how long after the resolution an RCA is overdue.
const RCAOverdueAfter = 7 * 24 * time.Hour

// Load is how much of the shift had a paged incident open: the union of
// the incidents' open stretches, overlaps counted once.
type Load struct {
	IncidentSeconds int64   `json:"incident_seconds"`
	ShiftSeconds    int64   `json:"shift_seconds"`
	Ratio           float64 `json:"ratio"`
	IncidentTime    string  `json:"incident_time"`
	ShiftTime       string  `json:"shift_time"`
}

// NoisiestAlertsShown is how many alerts NoisiestAlerts lists.
const NoisiestAlertsShown = 5

const none = "(none)"

// zones caches time zones by name: LoadLocation reads the zone database on
// every call.
type zones struct {
	byName map[string]*time.Location
}

func (z *zones) load(name string, fallback *time.Location) *time.Location {
	if name == "" {
		return fallback
	}
	if loc, ok := z.byName[name]; ok {
		if loc == nil {
			return fallback
		}
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	z.byName[name] = loc
	if loc == nil {
		return fallback
	}
	return loc
}

// Compute summarises a shift. It is a pure function of its input.
func Compute(in Input) Report {
	z := zones{byName: map[string]*time.Location{}}
	teamLoc := z.load(in.Team.TimeZone, time.UTC)
	now := in.Now
	if now.IsZero() {
		now = in.Shift.End
	}
	link := func(wid, rid string) string {
		if in.UILink == nil {
			return ""
		}
		return in.UILink(wid, rid)
	}

	// Drills count in no incident figure: from here on, in holds none.
	var drills []Record
	in.Incidents, drills = splitDrills(in.Incidents)
	in.OpenRCAs, _ = splitDrills(in.OpenRCAs)

	r := Report{
		Team:        in.Team.Name,
		TimeZone:    teamLoc.String(),
		Shift:       in.Shift,
		GeneratedAt: now,
		Incidents: IncidentCounts{
			BySeverity: map[string]int{},
			ByService:  map[string]int{},
		},
		PagesByDayHour: newDayHourGrid(in.Shift.Start, teamLoc),
		NoisiestAlerts: []AlertNoise{},
		Retries:        retryStats(in.Retries),
		Grouped:        groupStats(in.Incidents),
		Silenced:       silencesHeld(in.Incidents),
		Drills:         drillRuns(drills, link),
		Support:        supportStats(in.Support),
		Trend:          []TrendItem{},
	}
	r.Shift.OnCall = slices.Clone(in.Shift.OnCall)
	if r.Shift.OnCall == nil {
		r.Shift.OnCall = []string{}
	}
	if r.Shift.Week == "" {
		r.Shift.Week = WeekOf(in.Shift.Start, teamLoc)
	}

	// People: everyone interrupted, and whoever was on call.
	type personAcc struct {
		row PersonInterruptions
		loc *time.Location
	}
	people := map[string]*personAcc{}
	person := func(id string) *personAcc {
		if p, ok := people[id]; ok {
			return p
		}
		acc := &personAcc{row: PersonInterruptions{Person: id}, loc: teamLoc}
		if p, ok := in.Team.Person(id); ok {
			if p.Name != "" {
				acc.row.Name = p.Name
			}
			acc.loc = z.load(p.TimeZone, teamLoc)
		}
		acc.row.TimeZone = acc.loc.String()
		people[id] = acc
		return acc
	}
	for _, name := range in.Shift.OnCall {
		for _, p := range in.Team.People {
			if p.ID == name || (p.Name != "" && p.Name == name) {
				person(p.ID)
				break
			}
		}
	}

	firstDay := civilDay(in.Shift.Start, teamLoc)
	alerts := map[string]*AlertNoise{}
	var major []int // indices of the critical and high incidents
	var acks, resolves []time.Duration
	var busy []interval
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		r.Incidents.Total++
		r.Incidents.BySeverity[orNone(inc.Severity)]++
		r.Incidents.ByService[orNone(inc.Service)]++

		if isMajor(inc.Severity) {
			major = append(major, i)
		}

		if inc.Paged {
			r.Incidents.Paged++
			r.RCAs.NeededThisShift++
			if !inc.Acknowledged.IsZero() {
				acks = append(acks, max(inc.Acknowledged.Sub(inc.Triggered), 0))
			}
			if !inc.Resolved.IsZero() {
				resolves = append(resolves, max(inc.Resolved.Sub(inc.Triggered), 0))
			}
			end := inc.Resolved
			if end.IsZero() {
				end = now
				if in.Shift.End.Before(end) {
					end = in.Shift.End
				}
			}
			busy = append(busy, interval{inc.Triggered, end})
		}

		for _, it := range inc.Interruptions {
			id := it.Person
			if id == "" {
				id = "(unknown)"
			}
			p := person(id)
			b := Bucket(it.At, p.loc)
			p.row.add(it.Kind, b)
			r.Interruptions.Totals.add(it.Kind, b)
			r.PagesByDayHour.add(firstDay, it.At, teamLoc)
		}

		if inc.EscalationStep >= 1 {
			r.Escalations.Escalated++
		}
		if inc.EscalationStep >= 2 {
			r.Escalations.BeyondFirstStep++
		}
		if inc.ReachedSecondary {
			r.Escalations.ToSecondary++
		}

		key := inc.AlertName
		if key == "" {
			key = orNone(inc.Summary)
		}
		a := alerts[key]
		if a == nil {
			a = &AlertNoise{Alert: key}
			alerts[key] = a
		}
		a.Incidents++
		a.Deliveries += inc.Deliveries
		switch {
		case inc.Actionable == nil:
			a.Unanswered++
		case *inc.Actionable:
			a.Actionable++
			r.Actionable.Answered++
			r.Actionable.Actionable++
		default:
			a.Noise++
			r.Actionable.Answered++
			r.Actionable.Noise++
		}

		if inc.ResolvedWhileHeld {
			r.HeldOvernightResolved++
		}
	}

	// Sort indices rather than the wide rows; the index breaks ties.
	slices.SortFunc(major, func(a, b int) int {
		x, y := &in.Incidents[a], &in.Incidents[b]
		return cmp.Or(x.Triggered.Compare(y.Triggered), strings.Compare(x.WorkflowID, y.WorkflowID), cmp.Compare(a, b))
	})
	r.Incidents.Major = make([]MajorIncident, 0, len(major))
	for _, i := range major {
		inc := &in.Incidents[i]
		m := MajorIncident{
			WorkflowID: inc.WorkflowID,
			Summary:    inc.Summary,
			Severity:   inc.Severity,
			Service:    inc.Service,
			Triggered:  inc.Triggered,
			Resolved:   inc.Resolved,
			Link:       link(inc.WorkflowID, inc.RunID),
		}
		end := inc.Resolved
		if end.IsZero() {
			end, m.Open = now, true
		}
		d := max(end.Sub(inc.Triggered), 0)
		m.DurationSeconds, m.Duration = seconds(d), HumanDuration(d)
		r.Incidents.Major = append(r.Incidents.Major, m)
	}

	r.Interruptions.People = make([]PersonInterruptions, 0, len(people))
	for _, p := range people {
		r.Interruptions.People = append(r.Interruptions.People, p.row)
	}
	slices.SortFunc(r.Interruptions.People, func(a, b PersonInterruptions) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Person, b.Person))
	})

	r.TimeToAcknowledge = timeStats(acks)
	r.TimeToResolve = timeStats(resolves)

	noisy := make([]AlertNoise, 0, len(alerts))
	for _, a := range alerts {
		noisy = append(noisy, *a)
	}
	slices.SortFunc(noisy, func(a, b AlertNoise) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(b.Deliveries, a.Deliveries), strings.Compare(a.Alert, b.Alert))
	})
	r.NoisiestAlerts = append(r.NoisiestAlerts, noisy[:min(len(noisy), NoisiestAlertsShown)]...)

	if r.Actionable.Answered > 0 {
		r.Actionable.Ratio = float64(r.Actionable.Actionable) / float64(r.Actionable.Answered)
	}

	rcaResolved := func(inc *Record) time.Time {
		if inc.Resolved.IsZero() {
			return inc.Triggered
		}
		return inc.Resolved
	}
	order := make([]int, len(in.OpenRCAs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := &in.OpenRCAs[a], &in.OpenRCAs[b]
		return cmp.Or(rcaResolved(x).Compare(rcaResolved(y)), strings.Compare(x.WorkflowID, y.WorkflowID), cmp.Compare(a, b))
	})
	r.RCAs.List = make([]OpenRCA, 0, len(order))
	for _, i := range order {
		inc := &in.OpenRCAs[i]
		age := max(now.Sub(rcaResolved(inc)), 0)
		o := OpenRCA{
			WorkflowID: inc.WorkflowID,
			Summary:    inc.Summary,
			Resolved:   inc.Resolved,
			AgeSeconds: seconds(age),
			Age:        HumanDuration(age),
			Overdue:    age > RCAOverdueAfter,
			Ticket:     inc.RCATicket,
			Link:       link(inc.WorkflowID, inc.RunID),
		}
		r.RCAs.Open++
		if o.Overdue {
			r.RCAs.Overdue++
		}
		r.RCAs.List = append(r.RCAs.List, o)
	}

	shiftLen := max(in.Shift.End.Sub(in.Shift.Start), 0)
	busyLen := unionLength(busy, in.Shift.Start, in.Shift.End)
	r.Load = Load{
		IncidentSeconds: seconds(busyLen),
		ShiftSeconds:    seconds(shiftLen),
		IncidentTime:    HumanDuration(busyLen),
		ShiftTime:       HumanDuration(shiftLen),
	}
	if shiftLen > 0 {
		r.Load.Ratio = float64(busyLen) / float64(shiftLen)
	}
	r.OnCallHours = onCallHours(in, teamLoc, &z)
	return r
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// isMajor: critical and high incidents are listed one by one.
func isMajor(severity string) bool {
	return strings.EqualFold(severity, "critical") || strings.EqualFold(severity, "high")
}

// TrendItem is one figure of this shift next to the shift before.
type TrendItem struct {
	Figure   string `json:"figure"`
	This     int64  `json:"this"`
	Previous int64  `json:"previous"`
	// Change is "up", "down" or "same".
	Change string `json:"change"`
}

// Trend figures.
const (
	FigureIncidents            = "incidents"
	FigurePages                = "pages"
	FigureSMS                  = "sms"
	FigureCalls                = "calls"
	FigureSleepInterruptions   = "sleep_hours_interruptions"
	FigureMedianAckSeconds     = "median_ack_seconds"
	FigureMedianResolveSeconds = "median_resolve_seconds"
	FigureNoise                = "noise"
)

// CompareWith compares the report with the one of the shift before and
// fills r.Trend. A median is compared only when both shifts have one: a
// week without pages has no time to acknowledge, not a time of zero.
func (r *Report) CompareWith(prev Report) {
	item := func(fig string, this, previous int64) TrendItem {
		change := "same"
		switch {
		case this > previous:
			change = "up"
		case this < previous:
			change = "down"
		}
		return TrendItem{Figure: fig, This: this, Previous: previous, Change: change}
	}
	t := []TrendItem{
		item(FigureIncidents, int64(r.Incidents.Total), int64(prev.Incidents.Total)),
		item(FigurePages, int64(r.Interruptions.Totals.Pages), int64(prev.Interruptions.Totals.Pages)),
		item(FigureSMS, int64(r.Interruptions.Totals.SMS), int64(prev.Interruptions.Totals.SMS)),
		item(FigureCalls, int64(r.Interruptions.Totals.Calls), int64(prev.Interruptions.Totals.Calls)),
		item(FigureSleepInterruptions, int64(r.Interruptions.Totals.SleepHours), int64(prev.Interruptions.Totals.SleepHours)),
	}
	if r.TimeToAcknowledge.Count > 0 && prev.TimeToAcknowledge.Count > 0 {
		t = append(t, item(FigureMedianAckSeconds, r.TimeToAcknowledge.MedianSeconds, prev.TimeToAcknowledge.MedianSeconds))
	}
	if r.TimeToResolve.Count > 0 && prev.TimeToResolve.Count > 0 {
		t = append(t, item(FigureMedianResolveSeconds, r.TimeToResolve.MedianSeconds, prev.TimeToResolve.MedianSeconds))
	}
	t = append(t, item(FigureNoise, int64(r.Actionable.Noise), int64(prev.Actionable.Noise)))
	r.Trend = t
	r.TrendAgainst = prev.Shift.Week
}
