// Package team holds the team file: who is in a team, how its pager rotates,
// where it talks in Slack, and when it hands over. The types are plain data so
// that a team's configuration can travel as workflow input: a running workflow
// keeps the configuration it started with.
package team

import (
	"fmt"
	"strings"
	"time"
)

// File is the whole team file.
type File struct {
	Teams []Team `yaml:"teams" json:"teams"`
}

// Team is one team that rotates an on-call person.
type Team struct {
	// Name is short and stable: it is part of workflow and schedule IDs.
	Name string `yaml:"name" json:"name"`
	// TimeZone is an IANA zone name; handovers happen in it.
	TimeZone string       `yaml:"timezone" json:"timezone"`
	Slack    Slack        `yaml:"slack" json:"slack"`
	Pager    Pager        `yaml:"pager" json:"pager"`
	Handover HandoverTime `yaml:"handover" json:"handover"`
	People   []Person     `yaml:"people" json:"people"`
	// PermanentMembers are person IDs that stay in the Slack user group
	// whoever is on call (a team lead, say).
	PermanentMembers []string `yaml:"permanent_members,omitempty" json:"permanent_members,omitempty"`
	// Checklist is sent to the incoming person at each handover.
	Checklist []string `yaml:"checklist,omitempty" json:"checklist,omitempty"`
	Runbooks  []Link   `yaml:"runbooks,omitempty" json:"runbooks,omitempty"`
	// Incidents is how the team's incidents are paged and followed up.
	Incidents Incidents `yaml:"incidents,omitempty" json:"incidents,omitzero"`
	// Fallback is the person ID paged when nobody else can be determined:
	// the pager cannot be asked and no handover recorded who holds it, or
	// the pager names nobody. A team lead, usually.
	Fallback string `yaml:"fallback,omitempty" json:"fallback,omitempty"`
	// Heartbeats are the team's dead man's switches: jobs that ping Baton
	// while they run well, so that their silence opens an incident.
	Heartbeats []Heartbeat `yaml:"heartbeats,omitempty" json:"heartbeats,omitempty"`
	// Checks are probes Baton runs itself on a schedule: a table's
	// freshness, a query's number, an HTTP endpoint.
	Checks []Check `yaml:"checks,omitempty" json:"checks,omitempty"`
	// Services are the team's services and data assets, with what is
	// downstream of each (services.go).
	Services []Service `yaml:"services,omitempty" json:"services,omitempty"`
	// StatusPage is what the team shows on the status page.
	StatusPage StatusPage `yaml:"status_page,omitempty" json:"status_page,omitzero"`
	// Support is how the team's support requests are opened and followed
	// (support.go): the reaction that opens one in the support channel,
	// and how soon one is answered before the person on call is reminded.
	Support Support `yaml:"support,omitempty" json:"support,omitzero"`
	// Drills, when set, runs a drill incident on a schedule (drills.go).
	Drills *Drills `yaml:"drills,omitempty" json:"drills,omitempty"`
}

// Slack says where the team is reached. Channels may be given as IDs
// (C0123ABCD) or as names with a leading '#'; the user group as an ID
// (S0123ABCD) or its handle, with or without '@'.
type Slack struct {
	Channel            string `yaml:"channel" json:"channel"`
	UserGroup          string `yaml:"user_group" json:"user_group"`
	StakeholderChannel string `yaml:"stakeholder_channel,omitempty" json:"stakeholder_channel,omitempty"`
	// SupportChannel is where people ask the person on call for help: a
	// reaction there opens a support request, and /baton ask posts there.
	// Empty: /baton ask posts in Channel, and no reaction opens one.
	SupportChannel string `yaml:"support_channel,omitempty" json:"support_channel,omitempty"`
}

// Pager says who decides who is on call: an Opsgenie schedule, a PagerDuty
// schedule, or the team file's own rotation. Exactly one is set.
type Pager struct {
	// OpsgenieSchedule is an Opsgenie schedule, by name.
	OpsgenieSchedule string `yaml:"opsgenie_schedule,omitempty" json:"opsgenie_schedule,omitempty"`
	// PagerDutySchedule is a PagerDuty schedule, by ID ("PABC123", the last
	// part of the schedule's URL).
	PagerDutySchedule string    `yaml:"pagerduty_schedule,omitempty" json:"pagerduty_schedule,omitempty"`
	Rotation          *Rotation `yaml:"rotation,omitempty" json:"rotation,omitempty"`
}

// Rotation is the team's own rotation: members take turns in order.
type Rotation struct {
	// Members are person IDs, in the order they take the pager.
	Members []string `yaml:"members" json:"members"`
	// Shift is how long one person holds the pager: "1w", "2w", "3d" or
	// "12h". Whole days are counted on the wall clock of the team's zone, so
	// a weekly shift starts at 09:00 local on both sides of a DST change.
	Shift string `yaml:"shift" json:"shift"`
	// Start is the first handover, local time in the team's zone, as
	// "2006-01-02T15:04". The first member holds the pager from then.
	Start string `yaml:"start" json:"start"`
}

// HandoverTime is the weekly moment the pager changes hands, in the team's zone.
type HandoverTime struct {
	Weekday string `yaml:"weekday" json:"weekday"`
	Time    string `yaml:"time" json:"time"`
	// TestPage is how the incoming person's phone is tested at the
	// handover: "sms", "call" or "none". Empty means an SMS when they have
	// a phone number.
	TestPage string `yaml:"test_page,omitempty" json:"test_page,omitempty"`
	// AcceptWithin is how long the incoming person has to accept, as a
	// duration ("30m"); empty means DefaultAcceptWithin.
	AcceptWithin string `yaml:"accept_within,omitempty" json:"accept_within,omitempty"`
}

// Person is someone who may be on call or in the user group.
type Person struct {
	ID    string `yaml:"id" json:"id"`
	Name  string `yaml:"name,omitempty" json:"name,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	// SlackID, when set, is used as is instead of a lookup by email.
	SlackID string `yaml:"slack_id,omitempty" json:"slack_id,omitempty"`
	// Phone in E.164 form, for SMS and calls.
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
	// TimeZone defaults to the team's.
	TimeZone     string        `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	WorkingHours *WorkingHours `yaml:"working_hours,omitempty" json:"working_hours,omitempty"`
}

// WorkingHours are a person's working hours in their own zone.
type WorkingHours struct {
	Start string   `yaml:"start" json:"start"`
	End   string   `yaml:"end" json:"end"`
	Days  []string `yaml:"days" json:"days"`
}

// PeopleOf is the team's persons of IDs, in order; an ID the file does
// not know (a handover named someone since removed) stays a bare person,
// with no phone.
func (t Team) PeopleOf(ids []string) []Person {
	out := make([]Person, 0, len(ids))
	for _, id := range ids {
		p, ok := t.Person(id)
		if !ok {
			p = Person{ID: id}
		}
		out = append(out, p)
	}
	return out
}

// Link is a titled URL.
type Link struct {
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
}

// Incidents is the team's incident policy. Every field has a default, so a
// team file may leave it out.
type Incidents struct {
	// PageSeverities page the person on call; other severities are posted
	// to the channel without paging. Default: critical and high.
	PageSeverities []string `yaml:"page_severities,omitempty" json:"page_severities,omitempty"`
	// Escalation maps a severity, or "default", to its escalation policy.
	Escalation map[string]Escalation `yaml:"escalation,omitempty" json:"escalation,omitempty"`
	// Secondary is the person ID paged at the secondary steps (a team
	// lead); default: whoever is next in the rotation.
	Secondary string `yaml:"secondary,omitempty" json:"secondary,omitempty"`
	// AckReminder is how long an acknowledged incident may go unmitigated
	// before the responder is reminded. Default 60m.
	AckReminder string `yaml:"ack_reminder,omitempty" json:"ack_reminder,omitempty"`
	// RepeatNoteEvery is how often at most a repeat delivery of a firing
	// alert adds a line to the incident's thread; every repeat still
	// updates the page's count in place. Default 5m.
	RepeatNoteEvery string `yaml:"repeat_note_every,omitempty" json:"repeat_note_every,omitempty"`
	// JiraProject is where RCA tickets are opened.
	JiraProject string `yaml:"jira_project,omitempty" json:"jira_project,omitempty"`
	// JiraBacklogJQL selects the team's on-call backlog in Jira, which the
	// handover lists (the top issues by priority) for a quiet week: e.g.
	// project = DATA AND labels = oncall-backlog AND statusCategory != Done.
	// Nil: no backlog is listed; given, it must not be blank. Without Jira
	// (JIRA_URL unset) nothing is listed either.
	JiraBacklogJQL *string `yaml:"jira_backlog_jql,omitempty" json:"jira_backlog_jql,omitempty"`
	// Responders says who may acknowledge, escalate, mitigate and resolve
	// the team's incidents from Slack: RespondersTeam (the default) for
	// its own people and permanent members, RespondersAllTeams for the
	// people of every team in the file.
	Responders string `yaml:"responders,omitempty" json:"responders,omitempty"`
	// WebhookTokenEnv names an environment variable holding a bearer token
	// of the team's own, which delivers alerts for this team only (beside
	// BATON_WEBHOOK_TOKEN, which delivers for every team). The token itself
	// never appears in the team file.
	WebhookTokenEnv string `yaml:"webhook_token_env,omitempty" json:"webhook_token_env,omitempty"`
	// Retries are rules by which an alert is retried (its job re-run)
	// before anyone is paged; the first that matches is taken.
	Retries []Retry `yaml:"retries,omitempty" json:"retries,omitempty"`
	// GroupBy names labels (alertname and service among them) whose
	// values group the team's alerts on purpose, as Alertmanager's
	// group_by does: alerts that carry all of them, with the same values,
	// share one channel message while any of them is open. Alerts are
	// also grouped, whatever this says, when more arrive at once than the
	// channel can take (a storm).
	GroupBy []string `yaml:"group_by,omitempty" json:"group_by,omitempty"`
}

// BacklogJQL is the team's jira_backlog_jql, "" when it has none.
func (t Team) BacklogJQL() string {
	if q := t.Incidents.JiraBacklogJQL; q != nil {
		return strings.TrimSpace(*q)
	}
	return ""
}

// Who may act on a team's incidents (Incidents.Responders).
const (
	RespondersTeam     = "team"
	RespondersAllTeams = "all_teams"
)

// Escalation is what happens while nobody acknowledges a page.
type Escalation struct {
	// Steps run in order, each at its delay after the page.
	Steps []EscalationStep `yaml:"steps" json:"steps"`
	// Repeat is how many more times the steps run after the last one, each
	// cycle starting when the one before ended.
	Repeat int `yaml:"repeat,omitempty" json:"repeat,omitempty"`
}

// EscalationStep is one step of an escalation policy.
type EscalationStep struct {
	// After is the delay from the page (or from the cycle's start), as a Go
	// duration ("10m").
	After string `yaml:"after" json:"after"`
	// Action is one of the Action constants.
	Action string `yaml:"action" json:"action"`
}

// Escalation actions.
const (
	ActionSMS           = "sms"
	ActionCall          = "call"
	ActionSMSSecondary  = "sms_secondary"
	ActionCallSecondary = "call_secondary"
)

// Person returns the person with the given ID.
func (t Team) Person(id string) (Person, bool) {
	for _, p := range t.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// PersonByEmail returns the person whose email matches, ignoring case.
func (t Team) PersonByEmail(email string) (Person, bool) {
	for _, p := range t.People {
		if p.Email != "" && strings.EqualFold(p.Email, email) {
			return p, true
		}
	}
	return Person{}, false
}

// Location is the team's time zone.
func (t Team) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("team %q: timezone %q: %w", t.Name, t.TimeZone, err)
	}
	return loc, nil
}

// Label is how a person is shown in messages: their name, else their ID.
func (p Person) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// IDs are the people's IDs, in order.
func IDs(people []Person) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.ID
	}
	return out
}

// Team returns the team with the given name.
func (f *File) Team(name string) (Team, bool) {
	for _, t := range f.Teams {
		if t.Name == name {
			return t, true
		}
	}
	return Team{}, false
}

// Names lists the teams' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Teams))
	for i, t := range f.Teams {
		names[i] = t.Name
	}
	return names
}

// Only is the file's teams, or the one named when name is set (none when
// the file has no team of that name).
func (f *File) Only(name string) []Team {
	if name == "" {
		return f.Teams
	}
	if t, ok := f.Team(name); ok {
		return []Team{t}
	}
	return nil
}

// Slim is the team without its heartbeats and checks, which only the
// worker's sync with the team file reads. A workflow started for the team
// carries it in its input and history: a team of a thousand heartbeats
// would make each of its incidents, monitors and check runs a thousand
// heartbeats larger.
func (t Team) Slim() Team {
	t.Heartbeats, t.Checks = nil, nil
	return t
}
