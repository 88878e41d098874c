package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// The incident, top to bottom: page at once with what the alert and the
// team file say, find who is on call (asking the pager, else the last
// handover, else the team's fallback), then follow the incident: every
// timed step (escalation, reminders, the working morning) fires at its
// deadline, while chat, Opsgenie and Jira catch up in lanes of their own
// (incident_lanes.go) that nothing waits on.

// rcaReminderHour is when, on a working day in the responder's zone, RCA
// reminders go out: a reasonable morning, never 4 am.
const rcaReminderHour = 10

// actionableGrace is how long a resolved incident that needs no RCA stays
// open for the "was this actionable?" answer.
const actionableGrace = 24 * time.Hour

// continueAsNewAt is the history length past which a long or flapping
// incident continues as new, well before Temporal's own limits slow it.
const continueAsNewAt = 8000

func (inc *incident) run(ctx workflow.Context) (IncidentSummary, error) {
	if workflow.GetVersion(ctx, contract.IncidentStormDeskChange, workflow.DefaultVersion, 1) >= 1 {
		inc.asksStormDesk = true
		inc.takeStormThread(ctx)
	}
	if workflow.GetVersion(ctx, contract.IncidentSilencesChange, workflow.DefaultVersion, 1) >= 1 {
		inc.asksSilences = true
		inc.takeSilences(ctx)
	}
	inc.tellsDownstream = workflow.GetVersion(ctx, contract.IncidentStakeholdersDownstreamChange, workflow.DefaultVersion, 1) >= 1
	inc.publishesPageRecord = workflow.GetVersion(ctx, contract.IncidentPublishPageRecordChange, workflow.DefaultVersion, 1) >= 1
	inc.startLanes(ctx)
	if inc.Responders.Known {
		// Continued as new: pick up where the last run stopped.
		inc.armRinging(ctx)
		return inc.follow(ctx)
	}
	if inc.SourceResolved {
		inc.note(workflow.Now(ctx), "The source resolved it before it was posted")
		return inc.close(ctx)
	}
	inc.armRinging(ctx)
	if inc.team.Pages(string(inc.Alert.Severity)) && inc.asksSilences && !inc.drill() && inc.silencedAtStart(ctx) {
		// Shown in the channel, marked, paging nobody until the silence
		// ends (silenceEnds).
		inc.Outbox.WantPage = true
		inc.Trail.Paging = fmt.Sprintf("%s; but silence %s held its pages back until %s", pagesWhy(inc.team, string(inc.Alert.Severity)), inc.Silence.ID, inc.when(inc.Silence.Until))
		inc.findResponders(ctx)
	} else if inc.team.Pages(string(inc.Alert.Severity)) {
		// The page needs only the alert and the team file: it tags the
		// on-call user group, and names the person once the pager says.
		inc.Summary.Paged = true
		inc.Outbox.WantPage = true
		inc.Trail.Paging = pagesWhy(inc.team, string(inc.Alert.Severity))
		plan := inc.planEscalation
		if inc.drill() {
			plan = inc.planDrill
		}
		if err := plan(); err != nil {
			return inc.Summary, err
		}
		inc.findResponders(ctx)
		inc.note(workflow.Now(ctx), fmt.Sprintf("Paged %s (on call: %s, from %s)", inc.view().GroupMention(), names(inc.Responders.OnCall), inc.Responders.Source))
		inc.queuePageDMs()
		inc.openOpsgenieAlert()
	} else {
		inc.findResponders(ctx)
		inc.postOrHold(workflow.Now(ctx))
	}
	if workflow.GetVersion(ctx, contract.IncidentRecurrenceApartChange, workflow.DefaultVersion, 1) >= 1 {
		// Visibility slows as its store fills (30 s a look-up on the
		// embedded SQLite with 10,000 incidents open): the escalation
		// must not wait for it.
		workflow.Go(ctx, inc.linkRecurrence)
	} else {
		inc.linkRecurrence(ctx)
	}
	return inc.follow(ctx)
}

// follow is the incident's life after the first page: take alerts and
// actions as they come, run each timed step when it falls due, until the
// incident closes.
func (inc *incident) follow(ctx workflow.Context) (IncidentSummary, error) {
	inc.asksPagerAgain = workflow.GetVersion(ctx, contract.IncidentAskPagerAgainChange, workflow.DefaultVersion, 1) >= 1
	for {
		inc.drainAlerts(ctx)
		inc.followUp(workflow.Now(ctx))
		if inc.memoStale {
			if err := inc.publish(ctx); err != nil {
				return inc.Summary, err
			}
		}
		if inc.readyToClose(workflow.Now(ctx)) {
			return inc.close(ctx)
		}
		if inc.historyIsLong(ctx) {
			return inc.Summary, inc.continueAsNew(ctx)
		}
		step, armed := inc.nextStep()
		inc.changed = false
		woken := func() bool { return inc.changed || inc.alerts.Len() > 0 }
		if !armed {
			if err := workflow.Await(ctx, woken); err != nil {
				return inc.Summary, err
			}
			continue
		}
		if wait := step.at.Sub(workflow.Now(ctx)); wait > 0 {
			woke, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: step.summary},
			}, woken)
			if err != nil {
				return inc.Summary, err
			}
			if woke {
				continue // something changed: the steps are planned again
			}
		}
		step.run(ctx)
	}
}

// timedStep is one step of the incident that waits for a deadline.
type timedStep struct {
	at      time.Time
	summary string
	run     func(workflow.Context)
}

// steps are the timed steps armed in the incident's state, as its row of
// stateRules says: the loop waits for the earliest and runs it. Each step
// reads its deadline and its action from the same row.
func (inc *incident) steps() []timedStep {
	var steps []timedStep
	if arm := stateRules[inc.State].steps; arm != nil {
		arm(inc, func(at time.Time, summary string, run func(workflow.Context)) {
			steps = append(steps, timedStep{at: at, summary: summary, run: run})
		})
	}
	return steps
}

// armStep arms one timed step: run at at, the Web UI showing summary.
type armStep func(at time.Time, summary string, run func(workflow.Context))

// heldSteps: a held low-severity alert waits for the working morning.
func (inc *incident) heldSteps(arm armStep) {
	arm(inc.HoldUntil, "Hold until the working morning", inc.endHold)
}

// triggeredSteps: an escalation asked by hand at once, and the policy's
// next step of an unacknowledged page.
func (inc *incident) triggeredSteps(arm armStep) {
	e := inc.Escalation
	if e.ManualDone < e.Manual {
		arm(time.Time{}, "Escalate by hand", inc.escalateByHand)
	}
	if inc.silenceSteps(arm) {
		return
	}
	if inc.Summary.Paged && e.Next < len(e.Plan) {
		step := e.Plan[e.Next]
		at := e.Base.Add(step.Offset)
		if inc.asksPagerAgain && inc.Responders.PagerFailed && inc.Responders.AskedBefore <= e.Next {
			arm(at.Add(-pagerWithin), fmt.Sprintf("Ask the pager again before escalation step %d", e.Next+1), inc.askPagerAgain)
		}
		arm(at, fmt.Sprintf("Escalation step %d: %s", e.Next+1, step.Action), inc.escalateDue)
	}
	inc.drillSteps(arm)
}

// acknowledgedSteps: the responder is reminded to mitigate, once.
func (inc *incident) acknowledgedSteps(arm armStep) {
	if !inc.FollowUps.AckReminded {
		arm(inc.Summary.Acknowledged.Add(inc.team.AckReminderAfter()), "Remind the responder to mitigate", inc.remindToMitigate)
	}
}

// resolvedSteps: the RCA's reminders, or the wait for the actionable
// answer where no RCA is due.
func (inc *incident) resolvedSteps(arm armStep) {
	f := inc.FollowUps
	switch {
	case inc.needsRCA() && !f.RCADone && !f.NextRCAReminder.IsZero():
		arm(f.NextRCAReminder, "RCA reminder", inc.remindRCA)
	case !inc.needsRCA() && !f.GraceOver:
		arm(inc.Summary.Resolved.Add(actionableGrace), "Wait for the actionable answer", func(workflow.Context) { inc.FollowUps.GraceOver = true })
	}
}

func (inc *incident) nextStep() (timedStep, bool) {
	steps := inc.steps()
	if len(steps) == 0 {
		return timedStep{}, false
	}
	return slices.MinFunc(steps, func(a, b timedStep) int { return a.at.Compare(b.at) }), true
}

// planEscalation arms the escalation of the team's policy for the
// severity, from the page's instant.
func (inc *incident) planEscalation() error {
	plan, err := inc.team.EscalationFor(string(inc.Alert.Severity)).Plan()
	if err != nil {
		return badTeam(err)
	}
	inc.Escalation.Plan = plan
	inc.Trail.Policy = policyWhy(inc.team, string(inc.Alert.Severity))
	return nil
}

// armRinging gives the escalation a context of its own, so that an
// acknowledgement cancels the SMS and calls still being tried.
func (inc *incident) armRinging(ctx workflow.Context) {
	inc.root = ctx
	inc.armEscalation()
}

// armEscalation gives a new page round a fresh context for its rings.
func (inc *incident) armEscalation() {
	inc.ringCtx, inc.stopRinging = workflow.WithCancel(inc.root)
}

// pagerWithin bounds the wait for the pager's answer: past it, the last
// handover's answer pages, so a pager's outage delays the page's naming
// and the escalation by seconds, not by its retries.
const pagerWithin = 15 * time.Second

// findResponders asks who is on call now, and who is second. Someone is
// always paged: when the pager cannot be asked, the person the last
// handover put on call; when nobody can be named, the team's fallback.
// The last handover is asked only once the pager is given up on: a
// visibility query per incident would cost every alert of a storm.
func (inc *incident) findResponders(ctx workflow.Context) {
	now := workflow.Now(ctx)
	r := &inc.Responders
	defer func() {
		r.Known = true
		inc.touch(touchMemo | touchPage)
		inc.recordPage(workflow.Now(ctx))
	}()
	who, err := inc.askPager(ctx, now, pagerWithin)
	if err != nil {
		r.PagerFailed = true
		var last activities.LastKnownOnCallResult
		err := workflow.ExecuteActivity(withQuickActivity(ctx, "Ask the last handover who is on call", pagerWithin),
			a.LastKnownOnCall, activities.LastKnownOnCallInput{
				Team: inc.team.Name, WorkflowType: contract.HandoverWorkflowName, TeamAttribute: contract.TeamKey.GetName(), OnCallAttribute: contract.OnCallKey.GetName(),
			}).Get(ctx, &last)
		if err == nil && last.Found {
			r.OnCall, r.Source = inc.team.PeopleOf(last.People), "the handover of "+inc.when(last.At)
			inc.Trail.OnCall = fmt.Sprintf("the pager did not answer within %s, so the last handover's (%s) person on call", pagerWithin, inc.when(last.At))
		}
	} else {
		inc.namedByPager(who)
	}
	if p, ok := inc.team.Person(inc.team.Fallback); ok && len(r.OnCall) == 0 {
		r.OnCall, r.Source = []team.Person{p}, "the team's fallback"
		inc.Trail.OnCall = "nobody else could be named on call: the team's fallback"
	}
	inc.secondaryByPolicy()
	inc.Summary.OnCall = team.IDs(r.OnCall)
	if len(r.OnCall) == 0 {
		r.Source = "nobody"
		inc.Trail.OnCall = "nobody could be named on call and the team has no fallback"
		inc.note(now, "Nobody could be named on call and the team has no fallback: paging the channel only")
	}
}

// askPager asks the pager who is on call now and at the shift's end, for
// at most within.
func (inc *incident) askPager(ctx workflow.Context, now time.Time, within time.Duration) (activities.WhoIsOnCallResult, error) {
	shiftEnd, err := inc.team.Handover.Next(inc.loc, now)
	if err != nil {
		shiftEnd = now
	}
	var who activities.WhoIsOnCallResult
	err = workflow.ExecuteActivity(withQuickActivity(ctx, "Ask the pager who is on call", within),
		a.WhoIsOnCall, activities.WhoIsOnCallInput{Team: inc.team, At: []time.Time{now, shiftEnd}}).Get(ctx, &who)
	if err != nil {
		inc.failed(ctx, vendorPager, "ask who is on call", err)
		return who, err
	}
	inc.recovered(ctx, vendorPager)
	return who, nil
}

// namedByPager takes the pager's answer: who is on call now, and, as
// second, who is on call next when that is someone else.
func (inc *incident) namedByPager(who activities.WhoIsOnCallResult) {
	r := &inc.Responders
	r.OnCall, r.Source, r.PagerFailed = who.OnCall[0], "the pager", false
	r.Secondary = team.PagerSecond(r.OnCall, who.OnCall[1])
	inc.Trail.OnCall, inc.Trail.Secondary = "the pager", ""
	if len(who.Why) == 2 {
		inc.Trail.OnCall = "the pager: " + who.Why[0]
	}
	if len(r.Secondary) > 0 {
		inc.Trail.Secondary = "on call next, at the shift's end"
		if len(who.Why) == 2 {
			inc.Trail.Secondary += ": " + who.Why[1]
		}
	}
}

// secondaryByPolicy is the team's own secondary when it names one, else
// its fallback when the pager named no second and the fallback is not on
// call.
func (inc *incident) secondaryByPolicy() {
	r := &inc.Responders
	second := r.Secondary
	r.Secondary = inc.team.Secondary(r.OnCall, second)
	if _, ok := inc.team.Person(inc.team.Incidents.Secondary); ok {
		inc.Trail.Secondary = "the team's incidents.secondary"
	} else if len(second) == 0 && len(r.Secondary) > 0 {
		inc.Trail.Secondary = "the team's fallback, as nobody else was second"
	}
}

// askPagerAgain asks the pager, which failed when the responders were
// named, who is on call, before the next escalation step: if it answers,
// that step and those after it page whom it names. It asks no longer than
// the step is away, so that the step keeps its time.
func (inc *incident) askPagerAgain(ctx workflow.Context) {
	r, e := &inc.Responders, &inc.Escalation
	r.AskedBefore = e.Next + 1
	now := workflow.Now(ctx)
	within := min(pagerWithin, e.Base.Add(e.Plan[e.Next].Offset).Sub(now))
	if within < time.Second {
		return
	}
	who, err := inc.askPager(ctx, now, within)
	if err != nil {
		return
	}
	before, source, trailBefore := team.IDs(r.OnCall), r.Source, inc.Trail.OnCall
	inc.namedByPager(who)
	inc.secondaryByPolicy()
	if len(r.OnCall) == 0 {
		// The pager names nobody: whom the incident had stays paged.
		r.OnCall, r.Source = inc.team.PeopleOf(before), source
		inc.Trail.OnCall = trailBefore
		return
	}
	inc.Summary.OnCall = team.IDs(r.OnCall)
	if slices.Equal(team.IDs(r.OnCall), before) {
		inc.note(workflow.Now(ctx), fmt.Sprintf("The pager names %s on call, as %s did", names(r.OnCall), source))
		return
	}
	inc.note(workflow.Now(ctx), fmt.Sprintf("The pager names %s on call, not %s (from %s): escalation step %d on pages them",
		names(r.OnCall), names(inc.team.PeopleOf(before)), source, e.Next+1))
	r.ChatKnown = false // the new responders are found in chat for their DMs and mentions
	inc.queuePageDMs()
	inc.touch(touchMemo | touchPage)
}

// queuePageDMs DMs each person on call the page.
func (inc *incident) queuePageDMs() {
	if !inc.Summary.Paged || !inc.Responders.Known {
		return
	}
	for _, p := range inc.Responders.OnCall {
		inc.queueDM(DM{Key: inc.roundKey("dm-page/" + p.ID), Person: p.ID, Text: inc.view().PageDM(), Page: true})
	}
}

// postOrHold posts a low-severity alert without paging: at once in the
// on-call person's working hours, else on their next working morning if it
// is still firing then.
func (inc *incident) postOrHold(now time.Time) {
	responder := team.Person{}
	if len(inc.Responders.OnCall) > 0 {
		responder = inc.Responders.OnCall[0]
	}
	until, held := responder.HoldUntil(inc.loc, now)
	if !held {
		inc.Outbox.WantPage = true
		inc.Trail.Paging = postsWhy(inc.team, inc.loc, string(inc.Alert.Severity), responder, false, "")
		return
	}
	inc.HoldUntil = until
	inc.Trail.Paging = postsWhy(inc.team, inc.loc, string(inc.Alert.Severity), responder, true, inc.when(inc.HoldUntil))
	inc.setState(StateHeld)
	inc.note(now, fmt.Sprintf("Low severity outside working hours: held until %s", inc.when(inc.HoldUntil)))
}

// endHold posts a held alert on the working morning: it is still firing.
func (inc *incident) endHold(ctx workflow.Context) {
	inc.setState(StateTriggered)
	inc.Outbox.WantPage = true
	inc.note(workflow.Now(ctx), "Still firing on the working morning: posted")
}

// escalateDue runs every escalation step due now: steps may share a delay
// (the secondary's SMS and call).
func (inc *incident) escalateDue(ctx workflow.Context) {
	now := workflow.Now(ctx)
	e := &inc.Escalation
	for e.Next < len(e.Plan) && !e.Base.Add(e.Plan[e.Next].Offset).After(now) {
		step := e.Plan[e.Next]
		e.Next++
		inc.Summary.EscalationStep = max(inc.Summary.EscalationStep, e.Next)
		inc.Trail.Steps = append(inc.Trail.Steps, StepRun{Key: inc.roundKey(fmt.Sprintf("step%d", e.Next)), Round: e.Round, Step: e.Next, Action: step.Action, Planned: e.Base.Add(step.Offset), At: now})
		inc.escalate(ctx, step.Action, fmt.Sprintf("escalation step %d", e.Next), fmt.Sprintf("step%d", e.Next), e.Base.Add(step.Offset))
	}
	if e.Next == len(e.Plan) {
		inc.note(now, "Escalation policy exhausted and nobody has acknowledged")
	}
	inc.touch(touchMemo)
}

// escalateByHand pages the secondary now, once per press: each press is a
// step of its own, numbered, so two presses page twice.
func (inc *incident) escalateByHand(ctx workflow.Context) {
	for inc.Escalation.ManualDone < inc.Escalation.Manual {
		inc.Escalation.ManualDone++
		n := inc.Escalation.ManualDone
		why, step, now := "escalated by hand", fmt.Sprintf("manual%d", n), workflow.Now(ctx)
		inc.Trail.Steps = append(inc.Trail.Steps, StepRun{Key: inc.roundKey(step), Round: inc.Escalation.Round, Action: "sms_secondary, call_secondary", Planned: now, At: now})
		inc.escalate(ctx, team.ActionSMSSecondary, why, step, now)
		inc.escalate(ctx, team.ActionCallSecondary, why, step, now)
	}
}

// escalate runs one escalation action: an SMS or a call, to the person on
// call or the secondary. step names it in the idempotency keys, planned is
// its deadline, where the phone's look-before-write starts.
func (inc *incident) escalate(ctx workflow.Context, action, why, step string, planned time.Time) {
	people := inc.Responders.OnCall
	kind, toSecondary := team.StepKind(action)
	if toSecondary {
		people, why = inc.Responders.Secondary, why+", secondary"
		inc.Summary.ReachedSecondary = inc.Summary.ReachedSecondary || len(people) > 0
	}
	inc.ring(kind, people, why, inc.roundKey(step), planned)
}

// ring sends an SMS to, or calls, each of the people, each in a coroutine
// of its own: a slow or failing phone provider delays nobody else's step.
// Only what was sent is counted and recorded as an interruption.
func (inc *incident) ring(kind string, people []team.Person, why, step string, planned time.Time) {
	now := workflow.Now(inc.ringCtx)
	what, done := "an SMS", "SMS sent to %s (%s)"
	if kind == team.ActionCall {
		what, done = "a call", "Called %s (%s)"
	}
	record := func(person string, at time.Time, outcome, with, failure string, carried ...string) {
		inc.Trail.Rings = append(inc.Trail.Rings, Ring{Step: step, Kind: kind, Person: person, Planned: planned, At: at, Outcome: outcome, With: with, Why: failure, Carried: carried})
	}
	if len(people) == 0 {
		record("", now, RingNobody, "", "")
		inc.note(now, fmt.Sprintf("Nobody to send %s to (%s)", what, why))
		return
	}
	v := inc.view()
	for _, p := range people {
		if p.Phone == "" {
			record(p.ID, now, RingNoPhone, "", "")
			inc.note(now, fmt.Sprintf("No phone number for %s: %s skipped (%s)", p.ID, strings.TrimPrefix(strings.TrimPrefix(what, "an "), "a "), why))
			continue
		}
		key := fmt.Sprintf("%s/%s/%s", step, kind, p.ID)
		opts := withPhoneActivity(inc.ringCtx, strings.ToUpper(kind[:1])+kind[1:]+" "+p.ID)
		var f workflow.Future
		if kind == team.ActionCall {
			f = workflow.ExecuteActivity(opts, a.PlaceCall, activities.PlaceCallInput{
				To: p.Phone, Say: v.Call(inc.team.Name), Key: key, Since: planned, Incident: inc.id, Person: p.ID,
				Run: inc.Run, Round: inc.Escalation.Round,
			})
		} else {
			f = workflow.ExecuteActivity(opts, a.SendSMS, activities.SendSMSInput{
				To: p.Phone, Body: v.SMS(), Key: key, Since: planned, Incident: inc.id, Headline: v.Headline(),
			})
		}
		inc.ringing++
		workflow.Go(inc.ringCtx, func(ctx workflow.Context) {
			defer func() { inc.ringing--; inc.touch(touchLoop) }()
			var r activities.PhoneResult
			err := f.Get(ctx, &r)
			at := workflow.Now(ctx)
			switch {
			case temporal.IsCanceledError(err):
				record(p.ID, at, RingCalledOff, "", string(inc.State))
				inc.note(at, fmt.Sprintf("%s to %s called off: %s meanwhile", what, p.ID, inc.State))
			case err != nil:
				record(p.ID, at, RingFailed, "", workflowerr.Message(err))
				inc.failed(ctx, vendorPhone, "send "+what+" to "+p.ID, err)
				inc.note(at, fmt.Sprintf("Could not send %s to %s (%s): %s", what, p.ID, why, mrkdwn.Line(workflowerr.Message(err))))
			case r.With != "":
				// A storm: another incident's SMS carried this one, or its
				// call rang the person a moment ago.
				if kind == team.ActionSMS {
					if inc.Escalation.SMSWith == nil {
						inc.Escalation.SMSWith = map[string]string{}
					}
					inc.Escalation.SMSWith[p.ID] = r.With
				}
				record(p.ID, at, RingCarried, r.With, "")
				inc.note(at, fmt.Sprintf("%s to %s went with the one for %s (%s)", what, p.ID, r.With, why))
			default:
				record(p.ID, at, RingSent, "", "", r.Carried...)
				inc.recovered(ctx, vendorPhone)
				inc.count(kind)
				inc.Summary.Interruptions = append(inc.Summary.Interruptions, summary.Interruption{At: at, Kind: kind, Person: p.ID})
				inc.note(at, fmt.Sprintf(done, p.Label(), why))
			}
		})
	}
}

func (inc *incident) remindToMitigate(ctx workflow.Context) {
	now := workflow.Now(ctx)
	inc.FollowUps.AckReminded = true
	who := mrkdwn.Line(inc.Summary.AcknowledgedBy)
	if inc.AckedBy != nil {
		who = inc.mention(*inc.AckedBy)
	}
	inc.note(now, fmt.Sprintf("Reminder: acknowledged by %s %s ago and not yet mitigated",
		who, now.Sub(inc.Summary.Acknowledged).Round(time.Minute)))
	inc.dmResponder("ack-reminder", fmt.Sprintf("Reminder: %s is acknowledged but not mitigated. %s", inc.view().SlackHeadline(), inc.view().Link()), false)
}

// remindRCA reminds the responder of the open RCA, daily on working days,
// unless the RCA ticket was resolved meanwhile.
func (inc *incident) remindRCA(ctx workflow.Context) {
	now := workflow.Now(ctx)
	if inc.Summary.RCATicket != "" {
		var r activities.TicketResolvedResult
		err := workflow.ExecuteActivity(withQuickActivity(ctx, "Is the RCA ticket resolved?", time.Minute),
			a.TicketResolved, activities.TicketResolvedInput{Key: inc.Summary.RCATicket}).Get(ctx, &r)
		if err == nil && r.Resolved {
			inc.FollowUps.RCADone = true
			inc.note(now, "RCA ticket "+mrkdwn.Line(inc.Summary.RCATicket)+" is resolved: RCA done")
			return
		}
	}
	inc.note(now, "RCA reminder sent to "+inc.rcaResponder().Label())
	inc.dmResponder("rca-reminder/"+now.UTC().Format("2006-01-02"),
		fmt.Sprintf("The RCA of %s is open. Press the button once it is written.", inc.view().SlackHeadline()), true)
	inc.FollowUps.NextRCAReminder = inc.rcaResponder().NextWorkingDayAt(inc.loc, now.Add(time.Minute), rcaReminderHour, 0)
}

// dmResponder DMs whoever acknowledged, else the person on call.
func (inc *incident) dmResponder(what, text string, rcaButton bool) {
	dm := DM{Key: inc.roundKey(what), Person: inc.rcaResponder().ID, Text: text}
	if inc.AckedBy != nil && inc.AckedBy.Person == "" && inc.AckedBy.ChatID != "" {
		dm.Person, dm.ChatID = "", inc.AckedBy.ChatID
	}
	if rcaButton {
		dm.Buttons = []chat.Button{inc.button(ActionRCADone, "RCA done", "primary")}
	}
	inc.queueDM(dm)
}

// rcaResponder is the person reminded: the one who acknowledged, if the
// team file knows them, else the person on call.
func (inc *incident) rcaResponder() team.Person {
	if inc.AckedBy != nil {
		if p, ok := inc.team.Person(inc.AckedBy.Person); ok {
			return p
		}
	}
	if len(inc.Responders.OnCall) > 0 {
		return inc.Responders.OnCall[0]
	}
	return team.Person{ID: inc.team.Name}
}

// needsRCA: paged incidents (critical and high by default) get an RCA;
// drills do not.
func (inc *incident) needsRCA() bool {
	return inc.Summary.Paged && !inc.drill()
}

// followUp queues the one-off work that follows entering a state: the
// stakeholders, the actionable question, the Opsgenie close, the RCA. It
// only queues; the lanes do the work.
func (inc *incident) followUp(now time.Time) {
	f := &inc.FollowUps
	// Stakeholders hear of what paged: not of an alert a silence held
	// back (planned work) all its life, nor of a drill.
	paging := inc.team.Pages(string(inc.Alert.Severity)) && inc.Summary.Paged && !inc.drill()
	if paging && inc.tellsDownstream && !f.StakeholdersOpened {
		f.StakeholdersOpened = true
		inc.tellStakeholders("opened", inc.view().Opened(inc.team.Name, inc.Summary.Triggered))
	}
	switch inc.State {
	case StateMitigated:
		if paging && !f.StakeholdersMitigated {
			f.StakeholdersMitigated = true
			inc.tellStakeholders("mitigated", inc.view().Mitigated(inc.team.Name, inc.Summary.Mitigated))
		}
	case StateResolved:
		if paging && !f.StakeholdersResolved {
			f.StakeholdersResolved = true
			inc.tellStakeholders("resolved", inc.view().Resolved(inc.team.Name, inc.Summary.Resolved))
		}
		if !f.AskedActionable && inc.Outbox.WantPage && !inc.drill() {
			f.AskedActionable = true
			inc.queuePost(Post{Key: inc.roundKey("actionable"), Channel: inc.team.Slack.Channel, Thread: true,
				Text:    "Was this alert actionable?",
				Buttons: []chat.Button{inc.button(ActionActionableYes, "Yes", "primary"), inc.button(ActionActionableNo, "No, noise", "")}})
		}
		inc.Outbox.OpsgenieClose = inc.Outbox.OpsgenieOpen
		if inc.needsRCA() && !f.RCAStarted {
			f.RCAStarted = true
			inc.Outbox.WantTicket = inc.team.Incidents.JiraProject != ""
			p := inc.rcaResponder()
			f.NextRCAReminder = p.NextWorkingDayAt(inc.loc, inc.Summary.Resolved.Add(time.Minute), rcaReminderHour, 0)
			inc.note(now, fmt.Sprintf("RCA due: %s is reminded at %s, their next working morning", p.Label(), inc.when(f.NextRCAReminder)))
		}
	}
}

// tellStakeholders posts to the team's stakeholder channel and, since
// IncidentStakeholdersDownstreamChange, to each channel downstream of the
// incident's service, once each.
func (inc *incident) tellStakeholders(what, text string) {
	if !inc.tellsDownstream {
		if inc.team.Slack.StakeholderChannel != "" {
			inc.queuePost(Post{Key: inc.roundKey("stakeholders/" + what), Channel: inc.team.Slack.StakeholderChannel, Text: text})
		}
		return
	}
	for _, ch := range inc.team.StakeholderChannels(inc.Alert.Service) {
		inc.queuePost(Post{Key: inc.roundKey("stakeholders/" + what + "/" + ch), Channel: ch, Text: text})
	}
}

// openOpsgenieAlert asks for an Opsgenie alert for the page of a team
// whose pager is an Opsgenie schedule, so that the Opsgenie app rings as
// well. An alert that came from Opsgenie rings there already.
func (inc *incident) openOpsgenieAlert() {
	inc.Outbox.OpsgenieOpen = inc.team.Pager.OpsgenieSchedule != "" && inc.Alert.Source != SourceOpsgenie && !inc.drill()
}

// linkRecurrence notes a closed incident of the same key, if any. It is
// enrichment: asked after the page, beside the escalation, and skipped if
// visibility fails.
func (inc *incident) linkRecurrence(ctx workflow.Context) {
	var prev activities.PreviousIncidentResult
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "Look for an earlier incident of this alert", 30*time.Second),
		a.PreviousIncident, activities.PreviousIncidentInput{WorkflowID: inc.id, RunID: inc.Run}).Get(ctx, &prev)
	if err != nil {
		inc.logger.Warn("could not look for an earlier incident", "error", err)
		return
	}
	if prev.Found {
		inc.Summary.RecurrenceOf = prev.RunID
		inc.touch(touchMemo | touchLoop)
		inc.note(workflow.Now(ctx), fmt.Sprintf("Recurrence of the incident closed at %s (run %s)", inc.when(prev.ClosedAt), prev.RunID))
	}
}

func (inc *incident) readyToClose(now time.Time) bool {
	mayClose := stateRules[inc.State].mayClose
	return mayClose != nil && mayClose(inc, now)
}

// resolvedMayClose: a resolved incident closes once its follow-ups are
// done: the RCA where one is due, else the actionable answer or the wait
// for it.
func (inc *incident) resolvedMayClose(now time.Time) bool {
	switch {
	case !inc.Outbox.WantPage && !inc.Summary.Paged:
		return true // resolved while held: never posted
	case inc.drill():
		return true // no RCA, no actionable question
	case inc.needsRCA():
		return inc.FollowUps.RCADone
	}
	return inc.Summary.Actionable != nil || inc.FollowUps.GraceOver || !now.Before(inc.Summary.Resolved.Add(actionableGrace))
}

// closeDrainTimeout bounds how long a closing incident waits for its lanes
// to deliver what is left (the last thread lines and the final update).
const closeDrainTimeout = 10 * time.Minute

func (inc *incident) close(ctx workflow.Context) (IncidentSummary, error) {
	now := workflow.Now(ctx)
	if inc.Summary.ResolvedWhileHeld && !inc.Outbox.WantPage {
		inc.note(now, "Resolved by the source while held: not posted")
	}
	inc.setState(StateClosed)
	inc.Summary.Closed = now
	inc.note(now, "Closed")
	inc.logger.Info("incident closed", "deliveries", inc.Summary.Deliveries, "escalation_step", inc.Summary.EscalationStep)
	drained, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout: closeDrainTimeout, TimerOptions: workflow.TimerOptions{Summary: "Deliver the last posts"},
	}, func() bool { return inc.idle(workflow.Now(ctx)) })
	if err != nil {
		return inc.Summary, err
	}
	if !drained {
		inc.logger.Warn("closed with posts undelivered", "failing", inc.Failing)
	}
	return inc.Summary, inc.publish(ctx)
}

// historyIsLong: a long or flapping incident continues as new before its
// history grows past what Temporal handles well; not while a phone step is
// in flight, lest its result be lost.
func (inc *incident) historyIsLong(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return inc.ringing == 0 && (info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewAt)
}

// continueAsNew hands the state to a new run of the same incident. What a
// lane had in flight is done again from the state, under the same keys,
// so nothing is lost and nothing is sent twice.
func (inc *incident) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	inc.drainAlerts(ctx)
	state := inc.IncidentState
	inc.logger.Info("continuing as new", "deliveries", inc.Summary.Deliveries)
	return workflow.NewContinueAsNewError(ctx, contract.IncidentWorkflowName, IncidentInput{Team: inc.team, Resume: &state})
}

// names names people in plain text.
func names(people []team.Person) string {
	if len(people) == 0 {
		return "nobody"
	}
	var parts []string
	for _, p := range people {
		parts = append(parts, p.Label())
	}
	return strings.Join(parts, ", ")
}

func (inc *incident) when(t time.Time) string {
	return rosterview.When(t, inc.loc)
}

// withQuickActivity is for a look-up on the incident's path: tried for at
// most `within`, each try cut short at 10 s, so that a crashed worker or a
// hung vendor delays the incident by seconds, not minutes.
func withQuickActivity(ctx workflow.Context, summary string, within time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: within,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second},
		Summary:                summary,
	})
}

// withPhoneActivity is for an SMS or a call: on the phone's own task
// queue, retried for five minutes, past which the next step of the
// escalation is the better try.
func withPhoneActivity(ctx workflow.Context, summary string) workflow.Context {
	ctx = withQuickActivity(ctx, summary, 5*time.Minute)
	return workflow.WithTaskQueue(ctx, contract.PhoneTaskQueue)
}
