package workflows

// The incident workflow as it was before contract.IncidentV2Change
// (incident.go): kept, unchanged in what it does, so that incidents
// started before it, which may run for days until their RCA is done,
// replay and finish as they began. Delete it, and its recorded histories,
// once `starter incident legacy` lists no run of it on any namespace.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

func setupIncidentV1(ctx workflow.Context, in IncidentInput) (*incidentV1, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return nil, err
	}
	inc := &incidentV1{
		team:    in.Team,
		loc:     loc,
		id:      workflow.GetInfo(ctx).WorkflowExecution.ID,
		alerts:  workflow.GetSignalChannel(ctx, contract.IncidentAlertSignal),
		state:   StateTriggered,
		chatIDs: map[string]string{},
	}
	if err := workflow.SetQueryHandler(ctx, contract.IncidentStatusQuery, inc.status); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.IncidentActionUpdate, inc.act,
		workflow.UpdateHandlerOptions{Validator: inc.validate}); err != nil {
		return nil, err
	}
	// SignalWithStart delivers the first alert with the start, so it is
	// there at once and no timer is needed; a start without it is a
	// mistake, given a minute to put right.
	ok := inc.alerts.Len() > 0
	if !ok {
		var err error
		if ok, err = workflow.AwaitWithTimeout(ctx, firstAlertWait, func() bool { return inc.alerts.Len() > 0 }); err != nil {
			return nil, err
		}
	}
	var first AlertSignal
	if !ok || !inc.alerts.ReceiveAsync(&first) {
		return nil, temporal.NewNonRetryableApplicationError(errNoAlert.Error(), "NoAlert", nil)
	}
	now := workflow.Now(ctx)
	inc.alert = first.Alert
	inc.sum = IncidentSummary{
		Team: in.Team.Name, Severity: string(first.Alert.Severity), Service: first.Alert.Service,
		AlertName: first.Alert.AlertName, Summary: first.Alert.Summary,
		Triggered: now, Deliveries: 1, Notifications: map[string]int{},
	}
	inc.logger = log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "incident", inc.id)
	inc.note(now, fmt.Sprintf("Triggered by %s: %s", mrkdwn.Line(first.Alert.Source), mrkdwn.Line(first.Alert.Summary)))
	if first.Alert.Status == AlertResolved {
		// An alert that arrives already resolved has nothing to page about.
		inc.sourceResolved = true
	}
	if err := inc.publish(ctx); err != nil {
		return nil, err
	}
	return inc, nil
}

func (inc *incidentV1) status() (IncidentStatus, error) {
	return IncidentStatus{WorkflowID: inc.id, State: inc.state, Alert: inc.alert, Summary: inc.sum, Timeline: inc.timeline}, nil
}

// publish writes the search attributes and the memo, so that the Web UI
// and visibility queries see the incident as it is now.
func (inc *incidentV1) publish(ctx workflow.Context) error {
	err := workflow.UpsertTypedSearchAttributes(ctx,
		contract.TeamKey.ValueSet(inc.team.Name),
		contract.SeverityKey.ValueSet(string(inc.alert.Severity)),
		contract.ServiceKey.ValueSet(inc.alert.Service),
		contract.StateKey.ValueSet(string(inc.state)),
		contract.AlertNameKey.ValueSet(inc.alert.AlertName),
		contract.OnCallKey.ValueSet(strings.Join(team.IDs(inc.onCall), ",")),
	)
	if err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]any{contract.IncidentMemoKey: inc.sum, contract.IncidentSummaryMemoKey: inc.alert.Summary})
}

// validate rejects, before anything is recorded, an action that does not
// fit the incident's state: an ack after resolve changes nothing and is
// answered with who resolved it.
func (inc *incidentV1) validate(req ActionRequest) error {
	return checkAction(req, inc.state, inc.sum.Paged, inc.sum.AcknowledgedBy, inc.resolvedBy())
}

func (inc *incidentV1) resolvedBy() string {
	if inc.sum.ResolvedBy != "" {
		return inc.sum.ResolvedBy
	}
	return "the source"
}

// act applies a validated action. It only changes state and notes the
// timeline; the main loop does the side effects (posts, updates), so that
// they happen in one place and in order.
func (inc *incidentV1) act(ctx workflow.Context, req ActionRequest) (ActionResult, error) {
	now := workflow.Now(ctx)
	who := inc.display(req.By)
	switch req.Action {
	case ActionAck:
		inc.setState(StateAcknowledged)
		inc.sum.Acknowledged, inc.sum.AcknowledgedBy = now, who
		inc.note(now, fmt.Sprintf("Acknowledged by %s via %s", who, mrkdwn.Line(req.Via)))
	case ActionMitigate:
		if inc.sum.Acknowledged.IsZero() {
			inc.sum.Acknowledged, inc.sum.AcknowledgedBy = now, who
		}
		inc.setState(StateMitigated)
		inc.sum.Mitigated = now
		inc.note(now, fmt.Sprintf("Mitigated by %s: impact contained", who))
	case ActionResolve:
		inc.resolve(now, who, req.Via)
	case ActionEscalate:
		inc.escalateNow = true
		inc.note(now, fmt.Sprintf("Escalated by hand by %s", who))
	case ActionActionableYes, ActionActionableNo:
		yes := req.Action == ActionActionableYes
		inc.sum.Actionable = &yes
		answer := "yes"
		if !yes {
			answer = "no, noise"
		}
		inc.note(now, fmt.Sprintf("Actionable? %s (answered by %s)", answer, who))
	case ActionRCADone:
		inc.rcaDone = true
		inc.note(now, fmt.Sprintf("RCA done, marked by %s", who))
	case ActionNote:
		inc.note(now, fmt.Sprintf("Note from %s via %s: %s", who, mrkdwn.Line(req.Via), mrkdwn.Line(req.Note)))
		return ActionResult{State: inc.state, Message: inc.timeline[len(inc.timeline)-1].Text}, nil
	}
	said := inc.timeline[len(inc.timeline)-1].Text
	if req.Note != "" {
		inc.note(now, fmt.Sprintf("Note from %s: %s", who, mrkdwn.Line(req.Note)))
	}
	inc.dirty = true
	return ActionResult{State: inc.state, Message: said}, nil
}

func (inc *incidentV1) resolve(now time.Time, who, via string) {
	if inc.sum.Acknowledged.IsZero() && inc.state != StateHeld {
		inc.note(now, "Resolved before anyone acknowledged it")
	}
	inc.setState(StateResolved)
	inc.sum.Resolved, inc.sum.ResolvedBy = now, who
	inc.note(now, fmt.Sprintf("Resolved by %s via %s", who, via))
}

func (inc *incidentV1) setState(s State) {
	inc.state = s
	inc.dirty = true
}

// note adds a timeline entry; the main loop posts it in the thread.
func (inc *incidentV1) note(at time.Time, text string) {
	inc.timeline = append(inc.timeline, TimelineEntry{At: at, Text: text})
}

// display is how a person is named in messages: a chat mention for a chat
// user ID, the name otherwise.
func (inc *incidentV1) display(by string) string {
	if isChatUserID(by) {
		return mrkdwn.User(by)
	}
	return mrkdwn.Line(by)
}

// incidentV1 is one incident's state; its methods are the steps.
type incidentV1 struct {
	team   team.Team
	loc    *time.Location
	id     string
	runID  string
	logger log.Logger
	alerts workflow.ReceiveChannel

	alert    Alert
	state    State
	sum      IncidentSummary
	timeline []TimelineEntry
	// posted counts the timeline entries already in the thread.
	posted int
	// dirty: the page message and the search attributes need refreshing.
	dirty bool

	sourceResolved bool
	escalateNow    bool
	rcaDone        bool

	onCall    []team.Person
	secondary []team.Person
	chatIDs   map[string]string
	// page is the channel post the thread hangs on; empty until posted.
	page activities.PostMessageResult

	plan []team.EscalationAt
	// planIdx is the next escalation step; escalationBase the instant the
	// plan's offsets count from.
	planIdx        int
	escalationBase time.Time
	ackReminded    bool
	// done records which one-off side effects have happened.
	done map[string]bool
	// nextRCAReminder is when the next RCA reminder is due.
	nextRCAReminder time.Time
	// opsgenieAlert is set once the page's Opsgenie alert is open.
	opsgenieAlert bool
}

func (inc *incidentV1) run(ctx workflow.Context) (IncidentSummary, error) {
	inc.runID = workflow.GetInfo(ctx).WorkflowExecution.RunID
	inc.done = map[string]bool{}
	inc.escalationBase = inc.sum.Triggered
	inc.drainAlerts(ctx)

	if err := inc.linkRecurrence(ctx); err != nil {
		return inc.sum, err
	}
	if err := inc.findResponders(ctx); err != nil {
		return inc.sum, err
	}
	if inc.sourceResolved {
		inc.note(workflow.Now(ctx), "The source resolved it before it was posted")
		return inc.close(ctx)
	}

	if inc.team.Pages(string(inc.alert.Severity)) {
		if err := inc.pageResponders(ctx); err != nil {
			return inc.sum, err
		}
	} else if posted, err := inc.postLowSeverity(ctx); err != nil || !posted {
		if err != nil {
			return inc.sum, err
		}
		return inc.close(ctx)
	}
	return inc.follow(ctx)
}

// follow is the incident's life after it is posted: react to alerts and
// actions, run escalation steps and reminders when they fall due, and keep
// the message and thread current, until the incident closes.
func (inc *incidentV1) follow(ctx workflow.Context) (IncidentSummary, error) {
	for {
		if err := inc.flush(ctx); err != nil {
			return inc.sum, err
		}
		if err := inc.afterStateChange(ctx); err != nil {
			return inc.sum, err
		}
		if inc.readyToClose(workflow.Now(ctx)) {
			return inc.close(ctx)
		}
		deadline, summary := inc.nextDeadline(workflow.Now(ctx))
		changed := func() bool {
			return inc.dirty || inc.alerts.Len() > 0 || inc.escalateNow || len(inc.timeline) > inc.posted
		}
		var fired bool
		if deadline.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return inc.sum, err
			}
		} else {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      max(deadline.Sub(workflow.Now(ctx)), time.Millisecond),
				TimerOptions: workflow.TimerOptions{Summary: summary},
			}, changed)
			if err != nil {
				return inc.sum, err
			}
			fired = !ok
		}
		inc.drainAlerts(ctx)
		if inc.escalateNow {
			inc.escalateNow = false
			if err := inc.notifySecondary(ctx, "escalated by hand"); err != nil {
				return inc.sum, err
			}
		}
		if fired {
			if err := inc.due(ctx); err != nil {
				return inc.sum, err
			}
		}
	}
}

// drainAlerts takes every alert delivery waiting on the signal channel.
func (inc *incidentV1) drainAlerts(ctx workflow.Context) {
	var sig AlertSignal
	for inc.alerts.ReceiveAsync(&sig) {
		now := workflow.Now(ctx)
		inc.sum.Deliveries++
		switch {
		case sig.Alert.Status == AlertResolved && (inc.state == StateResolved || inc.state == StateClosed):
			// Already resolved: nothing to add.
		case sig.Alert.Status == AlertResolved:
			inc.sourceResolved = true
			if inc.state == StateHeld {
				inc.sum.ResolvedWhileHeld = true
			}
			inc.resolve(now, "the source", sig.Alert.Source)
		case inc.state == StateResolved:
			inc.note(now, fmt.Sprintf("Fired again after it was resolved: reopened (delivery %d)", inc.sum.Deliveries))
			inc.setState(StateTriggered)
			inc.sum.Resolved, inc.sum.ResolvedBy = time.Time{}, ""
			inc.sum.Acknowledged, inc.sum.AcknowledgedBy, inc.sum.Mitigated = time.Time{}, "", time.Time{}
			inc.sourceResolved = false
			inc.escalationBase, inc.planIdx, inc.ackReminded = now, 0, false
			delete(inc.done, "stakeholders-mitigated")
			delete(inc.done, "stakeholders-resolved")
		default:
			inc.note(now, fmt.Sprintf("Repeated by %s (delivery %d)", mrkdwn.Line(sig.Alert.Source), inc.sum.Deliveries))
			inc.dirty = true
		}
	}
}

// linkRecurrence notes a closed incident of the same key, if any.
func (inc *incidentV1) linkRecurrence(ctx workflow.Context) error {
	var prev activities.PreviousIncidentResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Look for an earlier incident of this alert"),
		a.PreviousIncident, activities.PreviousIncidentInput{WorkflowID: inc.id, RunID: inc.runID}).Get(ctx, &prev)
	if err != nil {
		return err
	}
	if prev.Found {
		inc.sum.RecurrenceOf = prev.RunID
		inc.note(workflow.Now(ctx), fmt.Sprintf("Recurrence of the incident closed at %s (run %s)", inc.when(prev.ClosedAt), prev.RunID))
	}
	return nil
}

// findResponders asks the pager who is on call now, and who is second.
func (inc *incidentV1) findResponders(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	shiftEnd, err := inc.team.Handover.Next(inc.loc, now)
	if err != nil {
		return err
	}
	var who activities.WhoIsOnCallResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Ask the pager who is on call"),
		a.WhoIsOnCall, activities.WhoIsOnCallInput{Team: inc.team, At: []time.Time{now, shiftEnd}}).Get(ctx, &who)
	if err != nil {
		return err
	}
	inc.onCall = who.OnCall[0]
	if p, ok := inc.team.Person(inc.team.Incidents.Secondary); ok {
		inc.secondary = []team.Person{p}
	} else if !slices.Equal(team.IDs(who.OnCall[1]), team.IDs(inc.onCall)) {
		inc.secondary = who.OnCall[1]
	}
	inc.sum.OnCall = team.IDs(inc.onCall)

	var users activities.ResolveChatUsersResult
	err = workflow.ExecuteActivity(withActivity(ctx, "Find the responders in chat"),
		a.ResolveChatUsers, activities.ResolveChatUsersInput{People: append(append([]team.Person{}, inc.onCall...), inc.secondary...)}).Get(ctx, &users)
	if err != nil {
		return err
	}
	inc.chatIDs = users.UserIDs
	if len(inc.onCall) == 0 {
		inc.note(now, "The pager has nobody on call: paging the channel only")
	}
	return nil
}

// pageResponders posts the page in the team channel, tagging the on-call
// group, DMs the person on call and arms the escalation.
func (inc *incidentV1) pageResponders(ctx workflow.Context) error {
	plan, err := inc.team.EscalationFor(string(inc.alert.Severity)).Plan()
	if err != nil {
		return err
	}
	inc.plan = plan
	inc.sum.Paged = true
	if err := inc.postPage(ctx, "Page "+inc.group()); err != nil {
		return err
	}
	inc.count("page")
	for _, p := range inc.onCall {
		inc.sum.Interruptions = append(inc.sum.Interruptions, summary.Interruption{At: workflow.Now(ctx), Kind: summary.KindPage, Person: p.ID})
		user, ok := inc.chatIDs[p.ID]
		if !ok {
			continue
		}
		var r activities.PostMessageResult
		err := workflow.ExecuteActivity(withActivity(ctx, "DM "+p.ID+" the page"),
			a.SendDM, activities.SendDMInput{
				User: user, Key: inc.key("dm-page/" + p.ID), Since: inc.sum.Triggered.Add(-time.Hour),
				Text: fmt.Sprintf("You are paged: %s\n%s", inc.slackHeadline(), inc.pageLink()),
			}).Get(ctx, &r)
		if err != nil {
			return err
		}
		inc.count("dm")
	}
	inc.note(workflow.Now(ctx), fmt.Sprintf("Paged %s in the channel (on call: %s)", inc.groupMention(), names(inc.onCall)))
	inc.ringOpsgenie(ctx)
	return inc.publish(ctx)
}

// ringOpsgenie opens an Opsgenie alert for the page of a team whose pager
// is an Opsgenie schedule, so that the Opsgenie app rings as well. Its
// alias is the incident's key (IncidentKey): acknowledgements and closes in
// Opsgenie come back through the webhook to this same incident. A failure
// is noted in the timeline and costs nothing else: Slack, SMS and calls
// still page.
func (inc *incidentV1) ringOpsgenie(ctx workflow.Context) {
	if inc.team.Pager.OpsgenieSchedule == "" || inc.alert.Source == SourceOpsgenie ||
		workflow.GetVersion(ctx, contract.IncidentV1OpsgenieAlertChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	err := workflow.ExecuteActivity(withActivity(ctx, "Open an Opsgenie alert"),
		a.OpenOpsgenieAlert, pager.AlertRequest{
			Alias: contract.IncidentKey(inc.alert.DedupKey), Message: inc.alert.Summary, Description: inc.alert.Description,
			Priority: opsgeniePriority[inc.alert.Severity], Team: inc.team.Name, Schedule: inc.team.Pager.OpsgenieSchedule,
			Entity: inc.alert.Service, Details: map[string]string{"baton_incident": inc.id},
		}).Get(ctx, nil)
	if err != nil {
		inc.note(workflow.Now(ctx), "Could not open the Opsgenie alert: "+mrkdwn.Line(workflowerr.Message(err)))
		return
	}
	inc.opsgenieAlert = true
	inc.note(workflow.Now(ctx), "Opsgenie alert opened for schedule "+inc.team.Pager.OpsgenieSchedule)
}

// closeOpsgenie closes the page's Opsgenie alert once Baton resolves.
func (inc *incidentV1) closeOpsgenie(ctx workflow.Context) {
	err := workflow.ExecuteActivity(withActivity(ctx, "Close the Opsgenie alert"),
		a.CloseOpsgenieAlert, activities.CloseOpsgenieAlertInput{
			Alias: contract.IncidentKey(inc.alert.DedupKey), Note: "Resolved in Baton by " + cmp.Or(inc.sum.ResolvedBy, "the source"),
		}).Get(ctx, nil)
	if err != nil {
		inc.note(workflow.Now(ctx), "Could not close the Opsgenie alert: "+mrkdwn.Line(workflowerr.Message(err)))
		return
	}
	inc.note(workflow.Now(ctx), "Opsgenie alert closed")
}

// fileRCATicket opens the RCA ticket with the timeline and a template, in
// the team's Jira project. A failure is noted; the reminders still run.
func (inc *incidentV1) fileRCATicket(ctx workflow.Context) {
	if inc.team.Incidents.JiraProject == "" ||
		workflow.GetVersion(ctx, contract.IncidentV1RCATicketChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s incident of team %s, service %s.\nTriggered %s, resolved %s by %s.\n\n## Timeline\n",
		inc.alert.Severity, inc.team.Name, cmp.Or(inc.alert.Service, "(none)"), inc.when(inc.sum.Triggered), inc.when(inc.sum.Resolved), cmp.Or(inc.sum.ResolvedBy, "the source"))
	for _, e := range inc.timeline {
		fmt.Fprintf(&b, "- %s %s\n", e.At.In(inc.loc).Format("Mon 15:04"), e.Text)
	}
	b.WriteString(rcaTemplate)
	var t tickets.Ticket
	err := workflow.ExecuteActivity(withActivity(ctx, "File the RCA ticket"),
		a.FileTicket, tickets.Issue{
			Project: inc.team.Incidents.JiraProject, DedupKey: inc.key("rca-ticket"),
			Summary: "RCA: " + inc.headline(), Description: b.String(), Labels: []string{"baton", "rca"},
		}).Get(ctx, &t)
	if err != nil {
		inc.note(workflow.Now(ctx), "Could not file the RCA ticket: "+mrkdwn.Line(workflowerr.Message(err)))
		return
	}
	inc.sum.RCATicket = t.Key
	inc.note(workflow.Now(ctx), "RCA ticket filed: "+cmp.Or(t.URL, t.Key))
	// The memo shows the ticket to the Web UI and the weekly summary.
	if err := inc.publish(ctx); err != nil {
		inc.logger.Warn("could not publish the RCA ticket", "error", err)
	}
}

// postLowSeverity posts a low-severity alert without paging: at once in
// the on-call person's working hours, else on their next working morning
// if it is still firing then. posted is false when it resolved meanwhile.
func (inc *incidentV1) postLowSeverity(ctx workflow.Context) (posted bool, err error) {
	responder := team.Person{}
	if len(inc.onCall) > 0 {
		responder = inc.onCall[0]
	}
	now := workflow.Now(ctx)
	if !responder.InWorkingHours(inc.loc, now) {
		morning := responder.NextWorkingStart(inc.loc, now)
		inc.setState(StateHeld)
		inc.note(now, fmt.Sprintf("Low severity outside working hours: held until %s", inc.when(morning)))
		if err := inc.publish(ctx); err != nil {
			return false, err
		}
		// Wait for the morning, taking repeats as they come; stop early if
		// the source resolves it or someone acts on it from the CLI.
		for inc.state == StateHeld {
			ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      max(morning.Sub(workflow.Now(ctx)), time.Millisecond),
				TimerOptions: workflow.TimerOptions{Summary: "Hold until the working morning"},
			}, func() bool { return inc.alerts.Len() > 0 || inc.state != StateHeld })
			if err != nil {
				return false, err
			}
			inc.drainAlerts(ctx)
			if !ok {
				break
			}
		}
		if inc.state == StateResolved {
			if inc.sourceResolved {
				inc.note(workflow.Now(ctx), "Resolved by the source while held: not posted")
			}
			return false, nil
		}
		if inc.state == StateHeld {
			inc.setState(StateTriggered)
		}
		inc.note(workflow.Now(ctx), "Still firing on the working morning: posted")
	}
	if err := inc.postPage(ctx, "Post in the channel (no page)"); err != nil {
		return false, err
	}
	return true, inc.publish(ctx)
}

// postPage posts the incident's message in the team channel, once.
func (inc *incidentV1) postPage(ctx workflow.Context, summary string) error {
	err := workflow.ExecuteActivity(withActivity(ctx, summary),
		a.PostMessage, activities.PostMessageInput{
			Channel: inc.team.Slack.Channel, Key: inc.key("page"), Since: inc.sum.Triggered.Add(-time.Hour),
			Text: inc.pageText(), Buttons: inc.buttons(),
		}).Get(ctx, &inc.page)
	inc.dirty = false
	return err
}

// nextDeadline is the next timed step, and its summary for the Web UI.
func (inc *incidentV1) nextDeadline(now time.Time) (time.Time, string) {
	switch {
	case inc.state == StateTriggered && inc.sum.Paged && inc.planIdx < len(inc.plan):
		step := inc.plan[inc.planIdx]
		return inc.escalationBase.Add(step.Offset), fmt.Sprintf("Escalation step %d: %s", inc.planIdx+1, step.Action)
	case inc.state == StateAcknowledged && !inc.ackReminded:
		return inc.sum.Acknowledged.Add(inc.team.AckReminderAfter()), "Remind the responder to mitigate"
	case inc.state == StateResolved && inc.needsRCA() && !inc.rcaDone:
		return inc.nextRCAReminder, "RCA reminder"
	case inc.state == StateResolved:
		return inc.sum.Resolved.Add(actionableGrace), "Wait for the actionable answer"
	}
	return time.Time{}, ""
}

// due runs the step whose deadline passed.
func (inc *incidentV1) due(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	switch {
	case inc.state == StateTriggered && inc.sum.Paged && inc.planIdx < len(inc.plan):
		// Every step that is due now runs now: steps may share a delay
		// (the secondary's SMS and call).
		for inc.planIdx < len(inc.plan) && !inc.escalationBase.Add(inc.plan[inc.planIdx].Offset).After(now) {
			step := inc.plan[inc.planIdx]
			inc.planIdx++
			inc.sum.EscalationStep = max(inc.sum.EscalationStep, inc.planIdx)
			if err := inc.escalate(ctx, step.Action, fmt.Sprintf("escalation step %d", inc.planIdx)); err != nil {
				return err
			}
		}
		if inc.planIdx == len(inc.plan) {
			inc.note(now, "Escalation policy exhausted and nobody has acknowledged")
		}
		inc.dirty = true
	case inc.state == StateAcknowledged && !inc.ackReminded:
		inc.ackReminded = true
		return inc.remindToMitigate(ctx)
	case inc.state == StateResolved && inc.needsRCA() && !inc.rcaDone:
		if inc.sum.RCATicket != "" {
			var r activities.TicketResolvedResult
			err := workflow.ExecuteActivity(withActivity(ctx, "Is the RCA ticket resolved?"),
				a.TicketResolved, activities.TicketResolvedInput{Key: inc.sum.RCATicket}).Get(ctx, &r)
			if err == nil && r.Resolved {
				inc.rcaDone = true
				inc.note(now, "RCA ticket "+inc.sum.RCATicket+" is resolved: RCA done")
				return nil
			}
		}
		if err := inc.remindRCA(ctx); err != nil {
			return err
		}
		inc.nextRCAReminder = inc.rcaResponder().NextWorkingDayAt(inc.loc, now.Add(time.Minute), rcaReminderHour, 0)
	}
	return nil
}

// escalate runs one escalation action.
func (inc *incidentV1) escalate(ctx workflow.Context, action, why string) error {
	switch action {
	case team.ActionSMS:
		return inc.sendSMS(ctx, inc.onCall, why)
	case team.ActionCall:
		return inc.call(ctx, inc.onCall, why)
	case team.ActionSMSSecondary:
		inc.sum.ReachedSecondary = inc.sum.ReachedSecondary || len(inc.secondary) > 0
		return inc.sendSMS(ctx, inc.secondary, why+", secondary")
	case team.ActionCallSecondary:
		inc.sum.ReachedSecondary = inc.sum.ReachedSecondary || len(inc.secondary) > 0
		return inc.call(ctx, inc.secondary, why+", secondary")
	}
	return fmt.Errorf("unknown escalation action %q", action)
}

func (inc *incidentV1) notifySecondary(ctx workflow.Context, why string) error {
	if err := inc.escalate(ctx, team.ActionSMSSecondary, why); err != nil {
		return err
	}
	return inc.escalate(ctx, team.ActionCallSecondary, why)
}

func (inc *incidentV1) sendSMS(ctx workflow.Context, people []team.Person, why string) error {
	return inc.ring(ctx, people, why, team.ActionSMS)
}

func (inc *incidentV1) call(ctx workflow.Context, people []team.Person, why string) error {
	return inc.ring(ctx, people, why, team.ActionCall)
}

// ring sends an SMS to, or calls, each of the people, noting in the
// timeline who was reached and who could not be (no number).
func (inc *incidentV1) ring(ctx workflow.Context, people []team.Person, why, kind string) error {
	now := workflow.Now(ctx)
	what, done := "an SMS", "SMS sent to %s (%s)"
	if kind == team.ActionCall {
		what, done = "a call", "Called %s (%s)"
	}
	if len(people) == 0 {
		inc.note(now, fmt.Sprintf("Nobody to send %s to (%s)", what, why))
		return nil
	}
	for _, p := range people {
		if p.Phone == "" {
			inc.note(now, fmt.Sprintf("No phone number for %s: %s skipped (%s)", p.ID, strings.TrimPrefix(strings.TrimPrefix(what, "an "), "a "), why))
			continue
		}
		key := inc.key(fmt.Sprintf("%s/%d/%s", kind, inc.planIdx, p.ID))
		var f workflow.Future
		if kind == team.ActionCall {
			say := fmt.Sprintf("This is Baton. %s incident for team %s: %s. Please acknowledge it in Slack.",
				inc.alert.Severity, inc.team.Name, mrkdwn.OneLine(inc.alert.Summary))
			f = workflow.ExecuteActivity(withActivity(ctx, "Call "+p.ID),
				a.PlaceCall, activities.PlaceCallInput{To: p.Phone, Say: say, Key: key, Since: inc.escalationBase})
		} else {
			body := fmt.Sprintf("Baton: %s. Acknowledge in Slack or: starter incident ack %s", inc.headline(), inc.id)
			f = workflow.ExecuteActivity(withActivity(ctx, "SMS to "+p.ID),
				a.SendSMS, activities.SendSMSInput{To: p.Phone, Body: body, Key: key, Since: inc.escalationBase})
		}
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
		inc.count(kind)
		inc.sum.Interruptions = append(inc.sum.Interruptions, summary.Interruption{At: now, Kind: kind, Person: p.ID})
		inc.note(now, fmt.Sprintf(done, p.Label(), why))
	}
	return nil
}

func (inc *incidentV1) remindToMitigate(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	inc.note(now, fmt.Sprintf("Reminder: acknowledged by %s %s ago and not yet mitigated",
		inc.sum.AcknowledgedBy, now.Sub(inc.sum.Acknowledged).Round(time.Minute)))
	return inc.dmResponder(ctx, "ack-reminder", fmt.Sprintf("Reminder: %s is acknowledged but not mitigated. %s", inc.slackHeadline(), inc.pageLink()), nil)
}

func (inc *incidentV1) remindRCA(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	inc.note(now, "RCA reminder sent to "+inc.rcaResponder().Label())
	return inc.dmResponder(ctx, "rca-reminder/"+now.UTC().Format("2006-01-02"),
		fmt.Sprintf("The RCA of %s is open. Press the button once it is written.", inc.slackHeadline()),
		[]chat.Button{inc.button(ActionRCADone, "RCA done", "primary")})
}

// dmResponder DMs whoever acknowledged, else the person on call.
func (inc *incidentV1) dmResponder(ctx workflow.Context, what, text string, buttons []chat.Button) error {
	p := inc.rcaResponder()
	user, ok := inc.chatIDs[p.ID]
	if !ok {
		user, ok = strings.CutPrefix(strings.TrimSuffix(inc.sum.AcknowledgedBy, ">"), "<@")
		if !ok {
			return nil
		}
	}
	err := workflow.ExecuteActivity(withActivity(ctx, "DM "+p.Label()+": "+what),
		a.SendDM, activities.SendDMInput{User: user, Key: inc.key(what), Text: text, Since: inc.sum.Triggered.Add(-time.Hour), Buttons: buttons}).Get(ctx, nil)
	if err == nil {
		inc.count("dm")
	}
	return err
}

// rcaResponder is the person reminded: the one who acknowledged, if the
// team file knows them, else the person on call.
func (inc *incidentV1) rcaResponder() team.Person {
	for id, user := range inc.chatIDs {
		if "<@"+user+">" == inc.sum.AcknowledgedBy {
			if p, ok := inc.team.Person(id); ok {
				return p
			}
		}
	}
	if len(inc.onCall) > 0 {
		return inc.onCall[0]
	}
	return team.Person{ID: inc.team.Name}
}

// needsRCA: paged incidents (critical and high by default) get an RCA.
func (inc *incidentV1) needsRCA() bool {
	return inc.sum.Paged
}

// afterStateChange does the one-off work that follows entering a state.
func (inc *incidentV1) afterStateChange(ctx workflow.Context) error {
	paging := inc.team.Pages(string(inc.alert.Severity))
	switch inc.state {
	case StateMitigated:
		if paging && !inc.done["stakeholders-mitigated"] {
			inc.done["stakeholders-mitigated"] = true
			return inc.tellStakeholders(ctx, "mitigated", fmt.Sprintf(
				":large_yellow_circle: %s (team %s): impact contained at %s; the fix is under way.", inc.slackHeadline(), inc.team.Name, inc.when(inc.sum.Mitigated)))
		}
	case StateResolved:
		if paging && !inc.done["stakeholders-resolved"] {
			inc.done["stakeholders-resolved"] = true
			if err := inc.tellStakeholders(ctx, "resolved", fmt.Sprintf(
				":large_green_circle: %s (team %s): resolved at %s.", inc.slackHeadline(), inc.team.Name, inc.when(inc.sum.Resolved))); err != nil {
				return err
			}
		}
		if !inc.done["actionable"] && inc.page.TS != "" {
			inc.done["actionable"] = true
			err := workflow.ExecuteActivity(withActivity(ctx, "Ask whether the alert was actionable"),
				a.PostMessage, activities.PostMessageInput{
					Channel: inc.team.Slack.Channel, ThreadTS: inc.page.TS, Key: inc.key("actionable"), Since: inc.sum.Triggered.Add(-time.Hour),
					Text: "Was this alert actionable?",
					Buttons: []chat.Button{
						inc.button(ActionActionableYes, "Yes", "primary"),
						inc.button(ActionActionableNo, "No, noise", ""),
					},
				}).Get(ctx, nil)
			if err != nil {
				return err
			}
		}
		if inc.opsgenieAlert && !inc.done["opsgenie-close"] {
			inc.done["opsgenie-close"] = true
			inc.closeOpsgenie(ctx)
		}
		if inc.needsRCA() && !inc.done["rca"] {
			inc.done["rca"] = true
			inc.fileRCATicket(ctx)
			p := inc.rcaResponder()
			inc.nextRCAReminder = p.NextWorkingDayAt(inc.loc, inc.sum.Resolved.Add(time.Minute), rcaReminderHour, 0)
			inc.note(workflow.Now(ctx), fmt.Sprintf("RCA due: %s is reminded at %s, their next working morning", p.Label(), inc.when(inc.nextRCAReminder)))
		}
	}
	return nil
}

func (inc *incidentV1) tellStakeholders(ctx workflow.Context, what, text string) error {
	if inc.team.Slack.StakeholderChannel == "" {
		return nil
	}
	return workflow.ExecuteActivity(withActivity(ctx, "Tell the stakeholders: "+what),
		a.PostMessage, activities.PostMessageInput{
			Channel: inc.team.Slack.StakeholderChannel, Key: inc.key("stakeholders/" + what),
			Since: inc.sum.Triggered.Add(-time.Hour), Text: text,
		}).Get(ctx, nil)
}

func (inc *incidentV1) readyToClose(now time.Time) bool {
	if inc.state != StateResolved {
		return false
	}
	if inc.needsRCA() {
		return inc.rcaDone
	}
	return inc.sum.Actionable != nil || !now.Before(inc.sum.Resolved.Add(actionableGrace))
}

func (inc *incidentV1) close(ctx workflow.Context) (IncidentSummary, error) {
	now := workflow.Now(ctx)
	inc.setState(StateClosed)
	inc.sum.Closed = now
	inc.note(now, "Closed")
	inc.logger.Info("incident closed", "deliveries", inc.sum.Deliveries, "escalation_step", inc.sum.EscalationStep)
	if err := inc.flush(ctx); err != nil {
		return inc.sum, err
	}
	return inc.sum, inc.publish(ctx)
}

// flush posts new timeline entries in the thread and refreshes the message
// and the search attributes when the incident changed.
func (inc *incidentV1) flush(ctx workflow.Context) error {
	if inc.page.TS == "" {
		return nil
	}
	for inc.posted < len(inc.timeline) {
		e := inc.timeline[inc.posted]
		err := workflow.ExecuteActivity(withActivity(ctx, "Timeline: "+e.Text),
			a.PostMessage, activities.PostMessageInput{
				Channel: inc.team.Slack.Channel, ThreadTS: inc.page.TS, Since: inc.sum.Triggered.Add(-time.Hour),
				Key:  inc.key(fmt.Sprintf("timeline/%d", inc.posted)),
				Text: fmt.Sprintf("%s %s", e.At.In(inc.loc).Format("15:04"), e.Text),
			}).Get(ctx, nil)
		if err != nil {
			return err
		}
		inc.posted++
	}
	if !inc.dirty {
		return nil
	}
	inc.dirty = false
	err := workflow.ExecuteActivity(withActivity(ctx, "Update the incident message: "+string(inc.state)),
		a.UpdateMessage, activities.UpdateMessageInput{
			Channel: inc.team.Slack.Channel, TS: inc.page.TS, Text: inc.pageText(), Buttons: inc.buttons(),
		}).Get(ctx, nil)
	if err != nil {
		return err
	}
	return inc.publish(ctx)
}

// key is an idempotency key for one of this run's posts or notifications.
// The run ID keeps a recurrence's posts apart from the closed incident's.
func (inc *incidentV1) key(what string) string {
	return fmt.Sprintf("%s/%s/%s", inc.id, inc.runID, what)
}

func (inc *incidentV1) count(kind string) {
	inc.sum.Notifications[kind]++
}

func (inc *incidentV1) group() string {
	return strings.TrimPrefix(inc.team.Slack.UserGroup, "@")
}

// groupMention notifies the on-call user group, by ID or by handle (the
// Slack adapter swaps a handle for the ID).
func (inc *incidentV1) groupMention() string {
	return mrkdwn.Group(inc.group())
}

func (inc *incidentV1) when(t time.Time) string {
	return t.In(inc.loc).Format("Mon 2 Jan 15:04 MST")
}

var severityMark = map[Severity]string{
	SeverityCritical: ":red_circle:", SeverityHigh: ":large_orange_circle:",
	SeverityMedium: ":large_yellow_circle:", SeverityLow: ":white_circle:",
}

// headline is "[CRITICAL] summary", plain text on one line.
func (inc *incidentV1) headline() string {
	return fmt.Sprintf("[%s] %s", strings.ToUpper(string(inc.alert.Severity)), mrkdwn.OneLine(inc.alert.Summary))
}

// slackHeadline is the headline in mrkdwn, its summary escaped.
func (inc *incidentV1) slackHeadline() string {
	return mrkdwn.Line(inc.headline())
}

func (inc *incidentV1) pageLink() string {
	return "Incident " + mrkdwn.Code(inc.id) + " in #" + mrkdwn.Line(strings.TrimPrefix(inc.team.Slack.Channel, "#"))
}

func (inc *incidentV1) pageText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s *%s*\n", severityMark[inc.alert.Severity], inc.slackHeadline())
	if inc.sum.Paged && inc.state == StateTriggered {
		fmt.Fprintf(&b, "%s: on call %s\n", inc.groupMention(), inc.mentions(inc.onCall))
	}
	fmt.Fprintf(&b, "*State:* %s", inc.state)
	if inc.alert.Service != "" {
		fmt.Fprintf(&b, " · *Service:* %s", mrkdwn.Line(inc.alert.Service))
	}
	fmt.Fprintf(&b, " · *Source:* %s", mrkdwn.Link(inc.alert.SourceURL, inc.alert.Source))
	if inc.alert.RunbookURL != "" {
		fmt.Fprintf(&b, " · %s", mrkdwn.Link(inc.alert.RunbookURL, "Runbook"))
	}
	if d := mrkdwn.Quote(inc.alert.Description); d != "" {
		fmt.Fprintf(&b, "\n%s", mrkdwn.Cut(d, 2000, "\n> … (cut: "+mrkdwn.Code("starter incident show "+inc.id+" --json")+" has the whole text)"))
	}
	if inc.sum.AcknowledgedBy != "" {
		fmt.Fprintf(&b, "\nAcknowledged by %s at %s", inc.sum.AcknowledgedBy, inc.when(inc.sum.Acknowledged))
	}
	if inc.sum.ResolvedBy != "" {
		fmt.Fprintf(&b, "\nResolved by %s at %s", inc.sum.ResolvedBy, inc.when(inc.sum.Resolved))
	}
	if inc.sum.Deliveries > 1 {
		fmt.Fprintf(&b, "\nDelivered %d times", inc.sum.Deliveries)
	}
	fmt.Fprintf(&b, "\n%s", mrkdwn.Code(inc.id))
	return b.String()
}

// buttons are the actions that fit the state.
func (inc *incidentV1) buttons() []chat.Button {
	return pageButtons(inc.id, inc.state, inc.sum.Paged)
}

func (inc *incidentV1) button(action Action, text, style string) chat.Button {
	return actionButton(inc.id, action, text, style)
}

func (inc *incidentV1) mentions(people []team.Person) string {
	if len(people) == 0 {
		return "nobody"
	}
	return rosterview.Team{ChatIDs: inc.chatIDs}.Mentions(people)
}

// isChatUserID: v1 tells a chat user from a name by the shape of a Slack
// user ID.
func isChatUserID(s string) bool {
	return len(s) > 1 && (s[0] == 'U' || s[0] == 'W') && !slices.ContainsFunc([]byte(s[1:]), func(c byte) bool {
		return !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
	})
}
