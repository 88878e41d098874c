package contract

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// The names by which Baton's processes (worker, gateway, starter) and the
// Temporal Web UI reach its workflows. Renaming one orphans every run
// started under the old name: each is written once, here.

// TaskQueue is the task queue of Baton's workflows and most activities.
const TaskQueue = "baton"

// PhoneTaskQueue carries only the escalation's SMS and calls, with pollers
// of their own, so that a phone step never waits in line behind a storm's
// chat posts.
const PhoneTaskQueue = "baton-phone"

// Workflow types, registered by name so that renaming a Go function never
// orphans a running workflow.
const (
	HandoverWorkflowName = "Handover"
	IncidentWorkflowName = "Incident"
	SummaryWorkflowName  = "WeeklySummary"
	RosterWorkflowName   = "Roster"
	// TeamsWorkflowName answers with the team file the worker runs with:
	// the team configuration lives with the worker, and the starter asks
	// this way instead of needing a copy of the file.
	TeamsWorkflowName = "Teams"
	// PageQuotaWorkflowName counts a person's /baton pages.
	PageQuotaWorkflowName = "PageQuota"
	// PhoneLineWorkflowName keeps one phone's line: what was sent to it
	// lately, and what waits to go with the next SMS.
	PhoneLineWorkflowName = "PhoneLine"
	// ReceiptWorkflowName is the type of a receipt: a workflow that does
	// nothing, started once per request that must be taken once across
	// gateways, restarts and incidents (a Twilio MessageSid). Temporal
	// refuses a second start of its ID, running or closed, for the
	// namespace's retention, which is what makes a replay change nothing.
	ReceiptWorkflowName = "Receipt"
	// HeartbeatWorkflowName watches one heartbeat (HeartbeatID): each
	// ping re-arms its deadline, and a missed deadline opens an incident.
	HeartbeatWorkflowName = "Heartbeat"
	// CheckWorkflowName is one run of a check, started by the check's
	// schedule (CheckID); each run reads the last one's result.
	CheckWorkflowName = "Check"
	// RetryWorkflowName retries an alert's job before anyone is paged
	// (RetryID), and hands the alert to its incident if it still fires.
	RetryWorkflowName = "Retry"
	// StormDeskWorkflowName groups one team's alerts in the channel
	// (StormDeskWorkflowID).
	StormDeskWorkflowName = "StormDesk"
	// SilencesWorkflowName keeps one team's silences
	// (SilencesWorkflowID): planned work during which matching alerts
	// page nobody.
	SilencesWorkflowName = "Silences"
	// SupportWorkflowName follows one support request (SupportID): a
	// question asked of the person on call, from its first post to Done.
	SupportWorkflowName = "SupportRequest"
	// DrillWorkflowName is one run of a team's drill schedule
	// (DrillScheduleID): it waits for an instant in the working hours of
	// the person on call, when the team asks for that, and starts the
	// drill incident (DrillIncidentWorkflowID).
	DrillWorkflowName = "Drill"
)

// RetryAlertSignal carries an AlertSignal to a retry: the first alert
// (intake starts the retry with it), a repeat, or its resolution.
const RetryAlertSignal = "retry.alert"

// DeliverAlertActivity is the activity by which a workflow (a heartbeat's
// monitor) delivers an alert to its incident, as the gateway does. It is
// registered by name because it lives beside the client code it shares
// with the gateway, which the workflows cannot import.
const DeliverAlertActivity = "DeliverAlert"

// The heartbeat monitor's signals and query.
const (
	// HeartbeatPingSignal carries a workflows.HeartbeatPing. The gateway
	// sends it with SignalWithStart, so a ping also starts a monitor that
	// is not running yet.
	HeartbeatPingSignal = "heartbeat.ping"
	// HeartbeatConfigureSignal carries a workflows.HeartbeatInput's team
	// and heartbeat as the team file now has them.
	HeartbeatConfigureSignal = "heartbeat.configure"
	// HeartbeatStopSignal ends the monitor of a heartbeat taken out of the
	// team file; its string says why.
	HeartbeatStopSignal = "heartbeat.stop"
	// HeartbeatStatusQuery returns a workflows.HeartbeatStatus.
	HeartbeatStatusQuery = "heartbeat.status"
)

// TeamsWorkflowID is the one run of the Teams workflow the starter asks:
// a fixed ID, so that concurrent starters share it.
const TeamsWorkflowID = "baton-teams"

// The incident's signal, update and query.
const (
	// IncidentAlertSignal carries an AlertSignal: the first alert (intake
	// starts the workflow with it, by SignalWithStart), a repeat of it, or
	// its resolution by the source.
	IncidentAlertSignal = "incident.alert"
	// IncidentActionUpdate carries an ActionRequest and answers an
	// ActionResult: acknowledge, mitigate, resolve, escalate... An action
	// that does not fit the incident's state is rejected and changes
	// nothing.
	IncidentActionUpdate = "incident.action"
	// IncidentStatusQuery returns the IncidentStatus.
	IncidentStatusQuery = "incident.status"
)

// The handover's query and update.
const (
	// HandoverStatusQuery returns the HandoverResult as it stands.
	HandoverStatusQuery = "handover.status"
	// HandoverAcceptUpdate is the update by which the incoming person
	// accepts the handover (AcceptRequest, answered by AcceptResult).
	HandoverAcceptUpdate = "handover.accept"
)

// SummaryReportQuery returns the weekly summary's SummaryResult as it
// stands.
const SummaryReportQuery = "summary.report"

// PageQuotaTakeUpdate takes a TakePage and answers a PageQuotaResult, or
// refuses the page over the limit.
const PageQuotaTakeUpdate = "pagequota.take"

// The phone line's updates, which the SMS and call activities send with
// update-with-start.
const (
	// PhoneLineSMSUpdate takes a phoneline.SMSRequest and answers its
	// phoneline.SMSTurn.
	PhoneLineSMSUpdate = "phoneline.sms"
	// PhoneLineSentUpdate takes a phoneline.SMSSent: how an SMS that had
	// its turn went.
	PhoneLineSentUpdate = "phoneline.sent"
	// PhoneLineCallUpdate takes a phoneline.CallRequest and answers its
	// phoneline.CallTurn.
	PhoneLineCallUpdate = "phoneline.call"
)

// The storm desk's update, signal and query.
const (
	// StormJoinUpdate takes a workflows.StormJoin, an incident about to
	// post its page, and answers a workflows.StormJoined: post it alone,
	// or in a group's thread. The join activity sends it with
	// update-with-start.
	StormJoinUpdate = "storm.join"
	// StormMemberSignal carries a workflows.StormMemberState: a grouped
	// incident's new state, or its page's place in the group's thread.
	StormMemberSignal = "storm.member"
	// StormGroupQuery takes a group's number and answers its
	// workflows.StormGroup.
	StormGroupQuery = "storm.group"
	// IncidentStormThreadSignal carries a workflows.StormThread to a
	// grouped incident: the group's message is posted, and its thread
	// takes the incident's page.
	IncidentStormThreadSignal = "incident.storm-thread"
)

// A team's silences: the Silences workflow's updates and query, and the
// signal by which it tells the team's open incidents of a silence.
const (
	// SilenceAddUpdate takes a workflows.AddSilence and answers the
	// silence.Silence it set.
	SilenceAddUpdate = "silence.add"
	// SilenceRemoveUpdate takes a workflows.RemoveSilence and answers the
	// silence.Silence it ended.
	SilenceRemoveUpdate = "silence.remove"
	// SilenceListQuery answers the team's silences ([]silence.Silence):
	// those that hold now or will, and those ended within a week.
	SilenceListQuery = "silence.list"
	// IncidentSilenceSignal carries a silence.Silence to an open
	// incident when it is set or removed; the incident holds its pages
	// back while a silence that matches its alert holds.
	IncidentSilenceSignal = "incident.silence"
)

// A support request's update and query.
const (
	// SupportActUpdate takes a workflows.SupportAction (Take, Done) and
	// answers a workflows.SupportActResult; an action the request's state
	// does not allow is refused, with why, and changes nothing.
	SupportActUpdate = "support.act"
	// SupportStatusQuery answers the request's support.Request.
	SupportStatusQuery = "support.status"
)

// A support request's states, its BatonState.
const (
	SupportStateNew   = "new"
	SupportStateTaken = "taken"
	SupportStateDone  = "done"
)

// The roster's updates and queries.
const (
	RosterAddUpdate       = "roster.add"
	RosterRemoveUpdate    = "roster.remove"
	RosterQuery           = "roster.overrides"
	RosterRequestsQuery   = "roster.requests"
	RosterCoverAskUpdate  = "roster.cover.ask"
	RosterCoverTakeUpdate = "roster.cover.take"
	RosterSwapAskUpdate   = "roster.swap.ask"
	RosterSwapReplyUpdate = "roster.swap.reply"
)

// Memo keys: what a workflow keeps in its memo, so that the Web UI, the
// weekly summary and the gateway read it without a replay.
const (
	// IncidentMemoKey holds the incident's IncidentSummary.
	IncidentMemoKey = "incident"
	// IncidentSummaryMemoKey holds the one-line summary, for lists.
	IncidentSummaryMemoKey = "summary"
	// IncidentFailingMemoKey holds what is failing now, by vendor ("slack":
	// "channel_not_found"), so that the Web UI shows an incident that pages
	// on while chat or the pager is down. Empty when all is well.
	IncidentFailingMemoKey = "failing"
	// HandoverAcceptanceMemoKey holds a handover's HandoverAcceptance,
	// which the weekly summary and the gateway read.
	HandoverAcceptanceMemoKey = "acceptance"
	// SummaryLinkMemoKey holds the summary post's link, which the next
	// handover message shows.
	SummaryLinkMemoKey = "summary_link"
	// RetryMemoKey holds a retry's summary.Retried, which the weekly
	// summary counts.
	RetryMemoKey = "retry"
	// SupportMemoKey holds a support request's support.Request, which the
	// handover lists while it is open, the weekly summary counts, and
	// starter support list shows.
	SupportMemoKey = "support"
)

// Search attributes, so that the Web UI can filter runs by team, person on
// call and, for incidents, severity, service, state and alert name. All are
// keywords: exact-match filters.
var (
	TeamKey      = temporal.NewSearchAttributeKeyKeyword("BatonTeam")
	OnCallKey    = temporal.NewSearchAttributeKeyKeyword("BatonOnCall")
	SeverityKey  = temporal.NewSearchAttributeKeyKeyword("BatonSeverity")
	ServiceKey   = temporal.NewSearchAttributeKeyKeyword("BatonService")
	StateKey     = temporal.NewSearchAttributeKeyKeyword("BatonState")
	AlertNameKey = temporal.NewSearchAttributeKeyKeyword("BatonAlertName")
)

// An incident's states, its BatonState: the weekly summary counts the
// resolved incidents whose RCA is still open, and a storm group's message
// shows each alert's.
const (
	StateTriggered    = "triggered"
	StateHeld         = "held"
	StateAcknowledged = "acknowledged"
	StateMitigated    = "mitigated"
	StateResolved     = "resolved"
	StateClosed       = "closed"
)

// SearchAttributes lists every search attribute Baton writes, with its type,
// for registering them in a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{TeamKey, OnCallKey, SeverityKey, ServiceKey, StateKey, AlertNameKey} {
		out[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}
