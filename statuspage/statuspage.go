// Package statuspage is the status page's rule, as pure functions on plain
// data: from a team file's services, its incidents as their memo records
// them and its checks' last results, at an instant, what each service's
// status is (operational, degraded or down), which incidents are open and
// what their latest public update says, and the last HistoryDays days of
// each service. It renders the page as HTML (html/template, which escapes
// every text from outside) and as JSON.
//
// The page is read by people outside the team: it shows an incident's
// headline, severity, service and times, and never its notes, timeline,
// who acted on it or who was paged. Who is on call is shown only for a
// team whose status_page.show_on_call is set.
package statuspage

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// Status is how a service, a team or a day stands.
type Status string

// The statuses, from best to worst.
const (
	Operational Status = "operational"
	Degraded    Status = "degraded"
	Down        Status = "down"
)

var rank = map[Status]int{Operational: 0, Degraded: 1, Down: 2}

// worse is the worse of two statuses.
func worse(a, b Status) Status {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Phases of an incident as the page tells them, from its state.
const (
	PhaseInvestigating = "investigating"
	PhaseIdentified    = "identified"
	PhaseMitigated     = "mitigated"
	PhaseResolved      = "resolved"
)

const (
	// HistoryDays is how many days of history a service shows, today
	// included.
	HistoryDays = 30
	// RecentFor is how long a resolved incident stays listed under
	// "Resolved recently".
	RecentFor = 24 * time.Hour
	// recentMost bounds that list, and headlineMost each headline, in
	// characters: the page stays short on a phone however many alerts
	// came.
	recentMost   = 10
	headlineMost = 200
)

// Record is one incident as visibility lists it: the record its memo keeps,
// its state (BatonState), and whether its run is still going.
type Record struct {
	summary.Incident
	// State is its BatonState (contract.State*); empty when visibility
	// has none, and then read from the record's times.
	State string
	// Running is set while its workflow runs; Ended is when it stopped
	// otherwise.
	Running bool
	Ended   time.Time
}

// Check is one of the team's checks as its last run left it.
type Check struct {
	Name    string
	Service string
	Failing bool
}

// TeamInput is what one team's part of the page is computed from.
type TeamInput struct {
	Team    team.Team
	Records []Record
	Checks  []Check
	// OnCall is who is on call now; shown only when the team's
	// status_page.show_on_call is set.
	OnCall []team.Person
	// Partial says that visibility held more incidents than were read:
	// the history may be short of the oldest.
	Partial bool
}

// Page is the status page at an instant: every team's, or one team's. It is
// also the JSON twin's shape.
type Page struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Status is the worst of its teams'.
	Status Status `json:"status"`
	Teams  []Team `json:"teams"`
}

// Team is one team's part of the page.
type Team struct {
	Name     string `json:"name"`
	TimeZone string `json:"timezone"`
	// Status is the worst of its services' and of its open incidents'
	// that name no service.
	Status Status `json:"status"`
	// OnCall names who is on call, when the team shows it.
	OnCall   []string  `json:"on_call,omitempty"`
	Services []Service `json:"services"`
	// Open are the open incidents, the worst and newest first; Resolved
	// those resolved within RecentFor, newest first.
	Open     []Incident `json:"open_incidents"`
	Resolved []Incident `json:"recently_resolved"`
	// History is the team as a whole, incidents of every service and of
	// none.
	History History `json:"history"`
	Partial bool    `json:"partial,omitempty"`

	// ZoneAbbr is the zone's abbreviation at the instant, for the HTML.
	ZoneAbbr string `json:"-"`
}

// Service is one service or data asset and how it stands.
type Service struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Status      Status `json:"status"`
	// FailingChecks counts the service's checks whose last run failed.
	FailingChecks int `json:"failing_checks,omitempty"`
	// OpenIncidents counts its open incidents.
	OpenIncidents int     `json:"open_incidents"`
	History       History `json:"history"`
}

// Incident is what the page shows of one incident.
type Incident struct {
	Headline string `json:"headline"`
	Severity string `json:"severity"`
	// Service is empty for an incident of the team as a whole.
	Service string `json:"service,omitempty"`
	// Status is what the incident makes of its service while open:
	// down or degraded; operational once resolved.
	Status Status `json:"status"`
	Phase  string `json:"phase"`
	// Since is when it was triggered, UpdatedAt when its phase began.
	Since     time.Time `json:"since"`
	UpdatedAt time.Time `json:"updated_at"`
	// Update is its latest public update, in the team's time zone:
	// "Investigating since 14:02".
	Update string `json:"update"`

	// SinceText is Since in the team's zone, for the HTML.
	SinceText string `json:"-"`
}

// History is the last HistoryDays days, oldest first.
type History struct {
	// Incidents counts the incidents open at some time of those days.
	Incidents int   `json:"incidents"`
	Days      []Day `json:"days"`
}

// Day is one day of history in the team's time zone.
type Day struct {
	// Date is the day, as 2006-01-02.
	Date string `json:"date"`
	// Status is the worst of the day: down while an incident of a paging
	// severity was open and not yet mitigated, degraded while any other
	// was open.
	Status Status `json:"status"`
	// Incidents counts the incidents open at some time of the day.
	Incidents int `json:"incidents"`

	// Label says the day for its cell's title, for the HTML: "Tue 24
	// Nov: down, 1 incident".
	Label string `json:"-"`
}

// Compute is the page at now for the teams given, in their order.
func Compute(now time.Time, teams ...TeamInput) (Page, error) {
	out := make([]Team, len(teams))
	for i, in := range teams {
		t, err := ComputeTeam(in, now)
		if err != nil {
			return Page{}, err
		}
		out[i] = t
	}
	return Assemble(now, out...), nil
}

// Assemble is the page of teams computed apart (each at its own instant,
// as a cache keeps them), as of at: the oldest of those instants.
func Assemble(at time.Time, teams ...Team) Page {
	p := Page{GeneratedAt: at.UTC(), Status: Operational, Teams: []Team{}}
	for _, t := range teams {
		p.Status = worse(p.Status, t.Status)
		p.Teams = append(p.Teams, t)
	}
	return p
}

// ComputeTeam is one team's part of the page at now.
func ComputeTeam(in TeamInput, now time.Time) (Team, error) {
	loc, err := in.Team.Location()
	if err != nil {
		return Team{}, err
	}
	out := Team{
		Name: in.Team.Name, TimeZone: in.Team.TimeZone, Status: Operational,
		Services: []Service{}, Open: []Incident{}, Resolved: []Incident{},
		Partial: in.Partial, ZoneAbbr: now.In(loc).Format("MST"),
	}
	if in.Team.StatusPage.ShowOnCall {
		for _, p := range in.OnCall {
			out.OnCall = append(out.OnCall, p.Label())
		}
	}
	days := window(now, loc)

	// The services: the team file's, in its order, then any other that
	// an open incident or a failing check names, by name.
	index := map[string]int{}
	add := func(name, desc string) {
		if _, ok := index[name]; name == "" || ok {
			return
		}
		index[name] = len(out.Services)
		out.Services = append(out.Services, Service{Name: name, Description: desc, Status: Operational})
	}
	for _, s := range in.Team.Services {
		add(s.Name, s.Description)
	}
	var extra []string
	for _, r := range in.Records {
		if isOpen(r) {
			extra = append(extra, r.Service)
		}
	}
	for _, c := range in.Checks {
		if c.Failing {
			extra = append(extra, c.Service)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		add(name, "")
	}

	// Open incidents, and what they make of their services.
	for _, r := range in.Records {
		if !isOpen(r) {
			continue
		}
		inc := incident(in.Team, r, now, loc)
		out.Open = append(out.Open, inc)
		if i, ok := index[r.Service]; ok {
			out.Services[i].Status = worse(out.Services[i].Status, inc.Status)
			out.Services[i].OpenIncidents++
		}
		out.Status = worse(out.Status, inc.Status)
	}
	// A failing check of a service degrades it; a check that names no
	// service is left off (its incident, once it fires, is listed under
	// the team as a whole).
	for _, c := range in.Checks {
		if i, ok := index[c.Service]; ok && c.Failing {
			out.Services[i].Status = worse(out.Services[i].Status, Degraded)
			out.Services[i].FailingChecks++
		}
	}
	for _, s := range out.Services {
		out.Status = worse(out.Status, s.Status)
	}
	slices.SortStableFunc(out.Open, func(a, b Incident) int {
		if c := cmp.Compare(rank[b.Status], rank[a.Status]); c != 0 {
			return c
		}
		return b.Since.Compare(a.Since)
	})

	// Resolved within RecentFor, newest first.
	for _, r := range in.Records {
		if isOpen(r) || r.Triggered.IsZero() {
			continue
		}
		if end := ended(r, now); now.Sub(end) <= RecentFor {
			out.Resolved = append(out.Resolved, incident(in.Team, r, now, loc))
		}
	}
	slices.SortStableFunc(out.Resolved, func(a, b Incident) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	out.Resolved = out.Resolved[:min(len(out.Resolved), recentMost)]

	// History: the team's, and each service's.
	out.History = history(in.Team, in.Records, days, now, func(Record) bool { return true })
	for i := range out.Services {
		name := out.Services[i].Name
		out.Services[i].History = history(in.Team, in.Records, days, now, func(r Record) bool { return r.Service == name })
	}
	return out, nil
}

// state is an incident's state: its BatonState, else what its times say.
// A run that stopped without resolving (terminated) counts as resolved:
// nobody works on it any more.
func state(r Record) string {
	s := r.State
	if s == "" {
		switch {
		case !r.Closed.IsZero():
			s = contract.StateClosed
		case !r.Resolved.IsZero():
			s = contract.StateResolved
		case !r.Mitigated.IsZero():
			s = contract.StateMitigated
		case !r.Acknowledged.IsZero():
			s = contract.StateAcknowledged
		default:
			s = contract.StateTriggered
		}
	}
	if !r.Running && s != contract.StateClosed {
		return contract.StateResolved
	}
	return s
}

// isOpen reports whether the incident still affects its service: its run
// goes on and it is not resolved.
func isOpen(r Record) bool {
	switch state(r) {
	case contract.StateTriggered, contract.StateHeld, contract.StateAcknowledged, contract.StateMitigated:
		return true
	}
	return false
}

// ended is when the incident stopped affecting its service: resolved,
// else closed, else its run's end; now while it is open.
func ended(r Record, now time.Time) time.Time {
	if isOpen(r) {
		return now
	}
	for _, t := range []time.Time{r.Resolved, r.Closed, r.Ended} {
		if !t.IsZero() {
			return t
		}
	}
	return now
}

// incident is what the page shows of a record.
func incident(t team.Team, r Record, now time.Time, loc *time.Location) Incident {
	headline := mrkdwn.CutPlain(mrkdwn.OneLine(r.Summary), headlineMost, "…")
	if headline == "" {
		headline = "Incident"
	}
	inc := Incident{
		Headline: headline, Severity: r.Severity, Service: r.Service,
		Since: r.Triggered, SinceText: clock(r.Triggered, now, loc),
	}
	at := func(times ...time.Time) time.Time {
		for _, t := range times {
			if !t.IsZero() {
				return t
			}
		}
		return r.Triggered
	}
	switch state(r) {
	case contract.StateTriggered, contract.StateHeld:
		inc.Phase, inc.UpdatedAt = PhaseInvestigating, r.Triggered
		inc.Update = "Investigating since " + clock(inc.UpdatedAt, now, loc)
	case contract.StateAcknowledged:
		inc.Phase, inc.UpdatedAt = PhaseIdentified, at(r.Acknowledged)
		inc.Update = "Identified: being worked on since " + clock(inc.UpdatedAt, now, loc)
	case contract.StateMitigated:
		inc.Phase, inc.UpdatedAt = PhaseMitigated, at(r.Mitigated)
		inc.Update = fmt.Sprintf("Mitigated at %s: impact contained", clock(inc.UpdatedAt, now, loc))
	default:
		inc.Phase, inc.UpdatedAt = PhaseResolved, ended(r, now)
		inc.Update = "Resolved at " + clock(inc.UpdatedAt, now, loc)
	}
	inc.Status = Operational
	if isOpen(r) {
		inc.Status = Degraded
		if t.Pages(r.Severity) && inc.Phase != PhaseMitigated {
			inc.Status = Down
		}
	}
	return inc
}

// clock shows an instant in the team's zone: its time of day when it falls
// on the day of now there, else with its day too.
func clock(at, now time.Time, loc *time.Location) string {
	at, now = at.In(loc), now.In(loc)
	if y, m, d := at.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return at.Format("15:04")
	}
	return at.Format("Mon 2 Jan 15:04")
}

// span is one day of the window: from its midnight to the next, in the
// team's zone (23 or 25 hours on the days the clocks change).
type span struct{ from, to time.Time }

// window is the HistoryDays days that end with the day of now, oldest
// first.
func window(now time.Time, loc *time.Location) []span {
	y, m, d := now.In(loc).Date()
	out := make([]span, HistoryDays)
	for i := range out {
		day := d - (HistoryDays - 1) + i
		out[i] = span{time.Date(y, m, day, 0, 0, 0, 0, loc), time.Date(y, m, day+1, 0, 0, 0, 0, loc)}
	}
	return out
}

// stretch is a while an incident held its service at a status.
type stretch struct {
	from, to time.Time
	status   Status
}

// history marks each day of the window with the worst of the incidents
// that keep says count, and counts them. An incident of a paging severity
// is down from its trigger to its mitigation and degraded after, until it
// is resolved; any other is degraded while open.
func history(t team.Team, records []Record, days []span, now time.Time, keep func(Record) bool) History {
	out := make([]Day, len(days))
	for i, d := range days {
		out[i] = Day{Date: d.from.Format(time.DateOnly), Status: Operational}
	}
	total := 0
	for _, r := range records {
		if r.Triggered.IsZero() || !keep(r) {
			continue
		}
		from, to := r.Triggered, ended(r, now)
		if !to.After(from) {
			to = from.Add(time.Second)
		}
		stretches := []stretch{{from, to, Degraded}}
		if t.Pages(r.Severity) {
			mid := to
			if !r.Mitigated.IsZero() && r.Mitigated.After(from) && r.Mitigated.Before(to) {
				mid = r.Mitigated
			}
			stretches = []stretch{{from, mid, Down}, {mid, to, Degraded}}
		}
		counted := false
		for i, d := range days {
			if !(from.Before(d.to) && to.After(d.from)) {
				continue
			}
			if !counted {
				total, counted = total+1, true
			}
			out[i].Incidents++
			for _, st := range stretches {
				if st.from.Before(st.to) && st.from.Before(d.to) && st.to.After(d.from) {
					out[i].Status = worse(out[i].Status, st.status)
				}
			}
		}
	}
	for i := range out {
		out[i].Label = dayLabel(days[i].from, out[i])
	}
	return History{Incidents: total, Days: out}
}

// dayLabel is a day as its cell's title says it: "Tue 24 Nov: down, 1
// incident".
func dayLabel(day time.Time, d Day) string {
	s := fmt.Sprintf("%s: %s", day.Format("Mon 2 Jan"), d.Status)
	switch d.Incidents {
	case 0:
	case 1:
		s += ", 1 incident"
	default:
		s += fmt.Sprintf(", %d incidents", d.Incidents)
	}
	return s
}
