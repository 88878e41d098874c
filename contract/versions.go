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
	// IncidentStormDeskChange: an incident asks its team's storm desk
	// before it posts its page, which may go in a group's thread.
	IncidentStormDeskChange = "storm-desk"
	// IncidentSilencesChange: an incident asks its team's silences
	// before it pages, and holds its pages back while one that matches
	// holds.
	IncidentSilencesChange = "silences"
	// IncidentStakeholdersDownstreamChange: an incident tells its
	// stakeholders when it pages, as well as when it is mitigated and
	// resolved, and tells each stakeholder channel downstream of its
	// service beside the team's own.
	IncidentStakeholdersDownstreamChange = "stakeholders-downstream"
	// The handover's link to the summary of the shift it ends.
	HandoverSummaryLinkChange = "summary-link"
	// The handover waits for the incoming person to accept.
	HandoverAcceptanceChange = "handover-acceptance"
	// The handover lists the team's on-call backlog from Jira.
	HandoverBacklogChange = "handover-backlog"
	// The handover lists the team's open support requests, which pass to
	// the incoming person, in its post and in their checklist.
	HandoverSupportRequestsChange = "handover-support-requests"
	// IncidentPublishPageRecordChange: a page recorded once its post is in
	// the channel wakes the incident's loop, which publishes it in the
	// memo at once; before, it waited for the loop's next wake (at most
	// the ack reminder's hour), and a summary read meanwhile missed it.
	IncidentPublishPageRecordChange = "publish-page-record"
	// PhoneLineDoneChange: a phone line remembers the SMS it heard sent,
	// so that a retry of one (its try failed after telling the line)
	// carries none of the SMS held meanwhile, which its SMS, found by its
	// key and not sent again, never named.
	PhoneLineDoneChange = "phone-line-done"
	// RetryPostsInOrderChange: a retry's channel posts go out one after
	// the other, so "Retrying…" is never read after "Retry of…"; before,
	// each went out on its own as soon as it was due.
	RetryPostsInOrderChange = "retry-posts-in-order"
	// Incident v1's Opsgenie alert and RCA ticket (incident v2 has both from
	// its start).
	IncidentV1OpsgenieAlertChange = "opsgenie-alert"
	IncidentV1RCATicketChange     = "rca-ticket"
)
