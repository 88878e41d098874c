// Package summary computes the weekly on-call summary of a team: what the
// shift cost in pages, broken nights and hours, from the records the
// incident workflows keep in their memo. Everything here is a pure function
// of its input, so the figures are tested without a server and the
// workflow, the starter and the benchmark compute them the same way.
package summary

import "time"

// Incident is the record an incident workflow keeps in its memo (key
// "incident"): the times, how far escalation went, who was interrupted and
// when, and the actionable answer. The Web UI shows it and the weekly
// summary reads it, without replaying anything.
type Incident struct {
	Team           string    `json:"team"`
	Severity       string    `json:"severity"`
	Service        string    `json:"service,omitempty"`
	AlertName      string    `json:"alert_name,omitempty"`
	Summary        string    `json:"summary"`
	Paged          bool      `json:"paged"`
	OnCall         []string  `json:"on_call,omitempty"`
	Triggered      time.Time `json:"triggered"`
	Acknowledged   time.Time `json:"acknowledged,omitzero"`
	Mitigated      time.Time `json:"mitigated,omitzero"`
	Resolved       time.Time `json:"resolved,omitzero"`
	Closed         time.Time `json:"closed,omitzero"`
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	// ResolvedBy names who resolved it: ResolvedBySource when the alert's
	// source did.
	ResolvedBy string `json:"resolved_by,omitempty"`
	// EscalationStep is the highest escalation step reached: 0 for none.
	EscalationStep int `json:"escalation_step"`
	// ReachedSecondary is set once the secondary was notified.
	ReachedSecondary bool `json:"reached_secondary"`
	// Notifications counts pages, DMs, SMS and calls sent, by kind.
	Notifications map[string]int `json:"notifications,omitempty"`
	// Interruptions are the pages, SMS and calls that reached a person,
	// each with its instant, for the summary's business, off and sleep
	// hours in that person's own time zone.
	Interruptions []Interruption `json:"interruptions,omitempty"`
	// Actionable is nil until someone answers.
	Actionable *bool `json:"actionable,omitempty"`
	// Deliveries counts alert deliveries, the first included.
	Deliveries int `json:"deliveries"`
	// ResolvedWhileHeld is set for a low-severity alert that resolved
	// itself before the working morning.
	ResolvedWhileHeld bool `json:"resolved_while_held,omitempty"`
	// RecurrenceOf is the run ID of the closed incident with the same key.
	RecurrenceOf string `json:"recurrence_of,omitempty"`
	// RCATicket is the key of the RCA ticket, once filed.
	RCATicket string `json:"rca_ticket,omitempty"`
	// Grouped names the group (contract.StormGroupValue) whose channel
	// message listed the incident, when it was grouped; GroupedInStorm
	// says the group was a storm's, not one of the team's group_by.
	Grouped        string `json:"grouped,omitempty"`
	GroupedInStorm bool   `json:"grouped_in_storm,omitempty"`
	// Silenced names the silence that held the incident's pages back,
	// with its note: planned work, which the summary lists apart.
	Silenced    string `json:"silenced,omitempty"`
	SilenceNote string `json:"silence_note,omitempty"`
	// AcknowledgedVia is how the acknowledgement came: one of the AckVia
	// constants, or what the source called itself.
	AcknowledgedVia string `json:"acknowledged_via,omitempty"`
	// Drill is set on a drill's record: the summary lists it apart and
	// counts it in none of the incident figures.
	Drill *Drill `json:"drill,omitempty"`
}

// Drill is what a drill's record adds: the steps its escalation planned,
// of which those past EscalationStep were not needed.
type Drill struct {
	// Steps are the planned escalation actions in order ("sms", "call",
	// "sms_secondary", "call_secondary").
	Steps []string `json:"steps"`
}

// How an acknowledgement came (Incident.AcknowledgedVia).
const (
	AckViaSlack    = "slack"
	AckViaSMS      = "sms"
	AckViaCall     = "call"
	AckViaCLI      = "cli"
	AckViaOpsgenie = "opsgenie"
)

// Interruption is one notification that reached a person.
type Interruption struct {
	At time.Time `json:"at"`
	// Kind is "page", "sms" or "call".
	Kind string `json:"kind"`
	// Person is the team file's person ID.
	Person string `json:"person"`
}

// ResolvedBySource is Incident.ResolvedBy when the alert's source resolved
// it, not a person.
const ResolvedBySource = "the source"

// Interruption kinds.
const (
	KindPage = "page"
	KindSMS  = "sms"
	KindCall = "call"
)

// Record is one incident as visibility lists it: the memo record with the
// workflow that keeps it.
type Record struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	Incident
}
