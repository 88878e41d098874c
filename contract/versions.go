package contract

// Change IDs given to workflow.GetVersion. A run records a marker of each
// change it started after; code that tells old runs from new ones (the
// starter's listing of what may be deleted) reads the same names.
const (
	// IncidentV2Change: escalation waits on nothing but the phone. Incident
	// runs started before it carry no marker of it and run
	// workflows/incident_v1.go.
	IncidentV2Change = "incident-v2-independent-paths"
	// IncidentAskPagerAgainChange: when the pager failed as the incident
	// named its responders, it is asked again before each later
	// escalation step.
	IncidentAskPagerAgainChange = "ask-pager-again"
	// IncidentRecurrenceApartChange: the look-up of an earlier incident of
	// the same key runs beside the escalation instead of before it.
	IncidentRecurrenceApartChange = "recurrence-apart"
	// The handover's link to the summary of the shift it ends.
	HandoverSummaryLinkChange = "summary-link"
	// The handover waits for the incoming person to accept.
	HandoverAcceptanceChange = "handover-acceptance"
	// Incident v1's Opsgenie alert and RCA ticket (incident v2 has both from
	// its start).
	IncidentV1OpsgenieAlertChange = "opsgenie-alert"
	IncidentV1RCATicketChange     = "rca-ticket"
)
