package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/summary"
)

// Each vendor an incident talks to has a lane: a coroutine that does, one
// at a time, the next piece of work the incident's state asks of that
// vendor (post the page, a thread line, a DM, the Opsgenie alert, the RCA
// ticket). A failure is noted once in the timeline and the memo, and the
// lane tries again after a growing pause, for as long as the incident is
// open. Nothing else waits on a lane: the escalation's SMS and calls go
// out on time whether Slack, Opsgenie or Jira answer or not.

// Vendors, as the memo's failing map names them.
const (
	vendorChat     = "chat"
	vendorPager    = "pager"
	vendorPhone    = "phone"
	vendorOpsgenie = "opsgenie"
	vendorTickets  = "tickets"
)

var vendorNames = map[string]string{
	vendorChat: "Chat (Slack)", vendorPager: "The pager", vendorPhone: "The phone provider",
	vendorOpsgenie: "Opsgenie", vendorTickets: "The ticket tracker",
}

// A lane retries after laneRetryFirst, doubling up to laneRetryMax: soon
// enough for a blip, rarely enough not to hammer a vendor that is down,
// and soon enough that a vendor back from an outage catches up quickly.
// A refusal that a retry cannot fix (a channel not found, a revoked token)
// waits for a person to mend it: it is retried more slowly, up to
// laneRetryMaxRefused, so that a long incident's history stays small.
const (
	laneRetryFirst      = 5 * time.Second
	laneRetryMax        = time.Minute
	laneRetryMaxRefused = 15 * time.Minute
	// repeatUpdateEvery: a page whose only news is more deliveries is
	// updated this often at most.
	repeatUpdateEvery = 10 * time.Second
)

// laneJob is one piece of a lane's work: what it is, and doing it.
type laneJob struct {
	what string
	do   func(workflow.Context) error
}

// laneNext is what a lane should do now, or nothing; wake, when set, is
// when work that waits on the clock falls due.
type laneNext func(now time.Time) (job laneJob, ok bool, wake time.Time)

// lane is one line of work and the vendor whose failures it reports.
type lane struct {
	vendor string
	next   laneNext
}

func (inc *incident) startLanes(ctx workflow.Context) {
	if inc.Failing == nil {
		inc.Failing = map[string]string{}
	}
	// The channel and the DMs are two lanes of one vendor: a DM never
	// waits behind the channel's rate limit.
	inc.lanes = []lane{
		{vendorChat, inc.nextChannelPost},
		{vendorChat, inc.nextDM},
		{vendorOpsgenie, inc.nextOpsgenie},
		{vendorTickets, inc.nextTicket},
	}
	for _, l := range inc.lanes {
		inc.runLane(ctx, l)
	}
}

func (inc *incident) runLane(ctx workflow.Context, l lane) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		backoff := laneRetryFirst
		for {
			var job laneJob
			var ok bool
			var wake time.Time
			ready := func() bool {
				job, ok, wake = l.next(workflow.Now(ctx))
				return ok
			}
			if !ready() {
				var err error
				if wake.IsZero() {
					err = workflow.Await(ctx, ready)
				} else {
					_, err = workflow.AwaitWithTimeout(ctx, max(wake.Sub(workflow.Now(ctx)), time.Millisecond), ready)
				}
				if err != nil {
					return // the workflow is ending
				}
				continue
			}
			inc.busy++
			err := job.do(ctx)
			inc.busy--
			pause := backoff
			switch wait, limited := rateLimited(err); {
			case err == nil:
				inc.recovered(ctx, l.vendor)
				backoff = laneRetryFirst
				continue
			case limited:
				// The vendor, or our own limiter, names when to come back:
				// that is pacing, not a failure.
				pause = wait
			case isRefusal(err):
				inc.failed(ctx, l.vendor, job.what, err)
				backoff = min(max(2*backoff, 30*time.Second), laneRetryMaxRefused)
			default:
				inc.failed(ctx, l.vendor, job.what, err)
				backoff = min(2*backoff, laneRetryMax)
			}
			timer := workflow.NewTimerWithOptions(ctx, pause, workflow.TimerOptions{Summary: "Retry " + l.vendor + ": " + job.what})
			if timer.Get(ctx, nil) != nil {
				return
			}
		}
	})
}

// rateLimited reports whether err asks to come back later, and when.
func rateLimited(err error) (time.Duration, bool) {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.NextRetryDelay() > 0 {
		return app.NextRetryDelay(), true
	}
	return 0, false
}

// isRefusal reports whether err is one a retry cannot fix.
func isRefusal(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.NonRetryable()
}

// withLaneActivity is for a lane's activity: one try and one quick retry
// for a blip, each cut short at 10 s; past that the lane notes the failure
// and takes over the retrying, so that the incident says at once that a
// vendor fails.
func withLaneActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 2},
		Summary:             summary,
	})
}

// idle: no lane has work left or in flight, so a closing incident may end.
func (inc *incident) idle(now time.Time) bool {
	if inc.busy > 0 {
		return false
	}
	for _, l := range inc.lanes {
		if _, ok, _ := l.next(now); ok {
			return false
		}
	}
	return true
}

// failed notes a vendor's failure: in the timeline when it starts, in the
// memo (the Web UI) for as long as it lasts.
func (inc *incident) failed(ctx workflow.Context, vendor, what string, err error) {
	msg := what + ": " + workflowerr.Message(err)
	if inc.Failing[vendor] == "" {
		// A vendor's error may quote what was sent to it: text from outside.
		inc.note(workflow.Now(ctx), fmt.Sprintf("%s is failing (%s: %s). Baton keeps trying; escalation goes on regardless.",
			vendorNames[vendor], what, mrkdwn.Line(workflowerr.Message(err))))
	}
	inc.logger.Warn("vendor failing", "vendor", vendor, "what", what, "error", err)
	inc.Failing[vendor] = msg
	inc.touch(touchMemo | touchLoop)
}

// recovered notes that a failing vendor answers again.
func (inc *incident) recovered(ctx workflow.Context, vendor string) {
	if inc.Failing[vendor] == "" {
		return
	}
	delete(inc.Failing, vendor)
	inc.note(workflow.Now(ctx), vendorNames[vendor]+" answers again")
	inc.touch(touchMemo | touchLoop)
}

// chatSince is how far back chat is searched for an incident's own posts.
func (inc *incident) chatSince() time.Time {
	return inc.Summary.Triggered.Add(-time.Hour)
}

// nextChannelPost is the channel lane's next post: the page, an urgent
// update of it (a state change), the thread's timeline, the other posts,
// and last an update for new deliveries, at most every repeatUpdateEvery.
func (inc *incident) nextChannelPost(now time.Time) (laneJob, bool, time.Time) {
	o := &inc.Outbox
	switch {
	case o.WantPage && o.PageTS == "" && inc.asksStormDesk && !o.StormAsked:
		return laneJob{"ask the storm desk where the page goes", inc.joinStorm}, true, time.Time{}
	case o.WantPage && o.PageTS == "" && (o.StormGroup == 0 || o.StormTS != ""):
		return laneJob{"post the page", inc.postPage}, true, time.Time{}
	case o.StormGroup != 0 && o.StormTold != inc.State:
		return laneJob{"tell the storm desk", inc.tellStormDesk}, true, time.Time{}
	case o.WantPage && o.PageTS == "":
		// Grouped, and the desk has named no thread yet.
		if due := o.StormAskedAt.Add(stormThreadWithin); now.Before(due) {
			return laneJob{}, false, due
		}
		return laneJob{"post the page alone: the storm desk named no thread", inc.postPageAlone}, true, time.Time{}
	case o.PageTS != "" && o.Stale && o.Urgent:
		return laneJob{"update the page", inc.updatePage}, true, time.Time{}
	case o.PageTS != "" && o.Posted < len(inc.Timeline):
		return laneJob{"post in the thread", inc.postTimelineLines}, true, time.Time{}
	case o.Sent < len(o.Posts) && (!o.Posts[o.Sent].Thread || o.PageTS != ""):
		return laneJob{"post " + o.Posts[o.Sent].Text, inc.postNext}, true, time.Time{}
	case o.PageTS != "" && o.Stale:
		if due := o.Updated.Add(repeatUpdateEvery); now.Before(due) {
			return laneJob{}, false, due
		}
		return laneJob{"update the page", inc.updatePage}, true, time.Time{}
	}
	return laneJob{}, false, time.Time{}
}

func (inc *incident) postPage(ctx workflow.Context) error {
	v := inc.view()
	in := activities.PostMessageInput{
		Channel: inc.team.Slack.Channel, Key: inc.key("page"), Since: inc.chatSince(),
		Text: v.Slack(), Plain: v.Plain(), Buttons: inc.buttons(), ThreadTS: inc.Outbox.StormTS,
	}
	if inc.Summary.Paged {
		// A page's latency is timed from the alert's arrival; a held
		// alert's morning post is not a page.
		in.Notification, in.ReceivedAt = summary.KindPage, inc.Summary.Triggered
	}
	var r activities.PostMessageResult
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Post the page in the channel"), a.PostMessage, in).Get(ctx, &r)
	if err != nil {
		return err
	}
	inc.Outbox.PageTS = r.TS
	inc.Outbox.Updated = workflow.Now(ctx)
	if inc.Summary.Paged && !r.AlreadyPosted {
		inc.count(summary.KindPage)
	}
	inc.recordPage(workflow.Now(ctx))
	return nil
}

// recordPage counts the page as an interruption of each person on call,
// once per page round: when the page is out and the pager has named them,
// whichever comes second. The group mention is what notifies them.
func (inc *incident) recordPage(now time.Time) {
	o := &inc.Outbox
	if !inc.Summary.Paged || o.PageTS == "" || !inc.Responders.Known || o.PageRecorded > inc.Escalation.Round {
		return
	}
	o.PageRecorded = inc.Escalation.Round + 1
	for _, p := range inc.Responders.OnCall {
		inc.Summary.Interruptions = append(inc.Summary.Interruptions, summary.Interruption{At: now, Kind: summary.KindPage, Person: p.ID})
	}
	if inc.publishesPageRecord {
		// The loop publishes the memo: recorded from a lane, the page
		// would wait in the state for the loop's next wake.
		inc.touch(touchMemo | touchLoop)
		return
	}
	inc.touch(touchMemo)
}

func (inc *incident) updatePage(ctx workflow.Context) error {
	o := &inc.Outbox
	o.Stale, o.Urgent = false, false
	v := inc.view()
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Update the page: "+string(inc.State)),
		a.UpdateMessage, activities.UpdateMessageInput{
			Channel: inc.team.Slack.Channel, TS: o.PageTS, Text: v.Slack(), Plain: v.Plain(), Buttons: inc.buttons(),
		}).Get(ctx, nil)
	if err != nil {
		inc.touch(touchPageNow)
		return err
	}
	o.Updated = workflow.Now(ctx)
	return nil
}

// timelineBatch is how many timeline entries one thread post may carry:
// entries that piled up while Slack was slow or down, or in a burst, go
// out together, so that the channel's posting limit is spent on pages.
const timelineBatch = 10

// timelineEntryMax bounds an entry in the thread, in characters: a batch
// then stays well within a Slack message (40,000), and each entry within
// a section (3,000). The timeline keeps the whole entry.
const timelineEntryMax = 2000

// postTimelineLines posts the timeline entries not yet in the thread, up
// to timelineBatch of them in one post. The key names the entries it
// carries, so a retry of the same post is recognised.
func (inc *incident) postTimelineLines(ctx workflow.Context) error {
	from := inc.Outbox.Posted
	to := min(len(inc.Timeline), from+timelineBatch)
	lines := make([]string, 0, to-from)
	for _, e := range inc.Timeline[from:to] {
		text := mrkdwn.Cut(e.Text, timelineEntryMax, " … (cut: "+mrkdwn.Code("starter incident show "+inc.id)+" has the whole entry)")
		lines = append(lines, e.At.In(inc.loc).Format("15:04")+" "+text)
	}
	key := fmt.Sprintf("timeline/%d", from)
	if to-from > 1 {
		key = fmt.Sprintf("timeline/%d-%d", from, to-1)
	}
	if inc.Outbox.StormTS != "" {
		// A group's thread is many incidents': each post says whose it is.
		lines = append([]string{stormThreadTitle(inc.view().Headline())}, lines...)
	}
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Timeline: "+inc.Timeline[from].Text),
		a.PostMessage, activities.PostMessageInput{
			Channel: inc.team.Slack.Channel, ThreadTS: inc.threadTS(), Since: inc.chatSince(),
			Key: inc.key(key), Text: strings.Join(lines, "\n"),
		}).Get(ctx, nil)
	if err == nil {
		inc.Outbox.Posted = to
	}
	return err
}

func (inc *incident) postNext(ctx workflow.Context) error {
	p := inc.Outbox.Posts[inc.Outbox.Sent]
	in := activities.PostMessageInput{Channel: p.Channel, Key: p.Key, Since: inc.chatSince(), Text: p.Text, Buttons: p.Buttons}
	if p.Thread {
		in.ThreadTS = inc.threadTS()
	}
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Post: "+p.Text), a.PostMessage, in).Get(ctx, nil)
	if err == nil {
		inc.Outbox.Sent++
	}
	return err
}

func (inc *incident) queuePost(p Post) {
	inc.Outbox.Posts = append(inc.Outbox.Posts, p)
}

func (inc *incident) queueDM(dm DM) {
	inc.Outbox.DMs = append(inc.Outbox.DMs, dm)
}

// nextDM is the DM lane's next step: find the responders in chat once the
// pager has named them, then send the DMs in order.
func (inc *incident) nextDM(time.Time) (laneJob, bool, time.Time) {
	o, r := &inc.Outbox, &inc.Responders
	switch {
	case !r.Known:
	case !r.ChatKnown:
		return laneJob{"find the responders in chat", inc.findInChat}, true, time.Time{}
	case o.DMsSent < len(o.DMs):
		return laneJob{"DM " + cmp.Or(o.DMs[o.DMsSent].Person, o.DMs[o.DMsSent].ChatID), inc.sendNextDM}, true, time.Time{}
	}
	return laneJob{}, false, time.Time{}
}

func (inc *incident) findInChat(ctx workflow.Context) error {
	r := &inc.Responders
	people := append(append(inc.team.PeopleOf(nil), r.OnCall...), r.Secondary...)
	if p, ok := inc.team.Person(inc.team.Fallback); ok {
		people = append(people, p)
	}
	var users activities.ResolveChatUsersResult
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Find the responders in chat"),
		a.ResolveChatUsers, activities.ResolveChatUsersInput{People: people}).Get(ctx, &users)
	if err != nil {
		return err
	}
	r.ChatIDs, r.ChatKnown = users.UserIDs, true
	// The page names the person on call by mention from now on.
	inc.touch(touchPageNow)
	return nil
}

func (inc *incident) sendNextDM(ctx workflow.Context) error {
	dm := inc.Outbox.DMs[inc.Outbox.DMsSent]
	if dm.Page && inc.State != StateTriggered {
		// Chat was late, and someone acknowledged meanwhile.
		inc.Outbox.DMsSent++
		return nil
	}
	user := cmp.Or(dm.ChatID, inc.Responders.ChatIDs[dm.Person])
	if user == "" {
		inc.note(workflow.Now(ctx), fmt.Sprintf("%s is not in chat: no DM", dm.Person))
		inc.Outbox.DMsSent++
		return nil
	}
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "DM "+cmp.Or(dm.Person, user)),
		a.SendDM, activities.SendDMInput{User: user, Key: dm.Key, Text: dm.Text, Since: inc.chatSince(), Buttons: dm.Buttons}).Get(ctx, nil)
	if err != nil {
		return err
	}
	inc.Outbox.DMsSent++
	inc.count("dm")
	return nil
}

// opsgeniePriority maps Baton's severities onto Opsgenie's priorities.
var opsgeniePriority = map[Severity]string{
	SeverityCritical: "P1", SeverityHigh: "P2", SeverityMedium: "P3", SeverityLow: "P4",
}

// nextOpsgenie opens the page's Opsgenie alert, whose alias is the
// incident's key (IncidentKey): acknowledgements and closes in Opsgenie
// come back through the webhook to this same incident. Resolving in Baton
// closes it.
func (inc *incident) nextOpsgenie(time.Time) (laneJob, bool, time.Time) {
	o := &inc.Outbox
	switch {
	case o.OpsgenieOpen && !o.OpsgenieOpened:
		return laneJob{"open the Opsgenie alert", inc.openOpsgenie}, true, time.Time{}
	case o.OpsgenieClose && o.OpsgenieOpened && !o.OpsgenieClosed:
		return laneJob{"close the Opsgenie alert", inc.closeOpsgenie}, true, time.Time{}
	}
	return laneJob{}, false, time.Time{}
}

func (inc *incident) openOpsgenie(ctx workflow.Context) error {
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Open an Opsgenie alert"),
		a.OpenOpsgenieAlert, pager.AlertRequest{
			Alias: contract.IncidentKey(inc.Alert.DedupKey), Message: inc.Alert.Summary, Description: inc.Alert.Description,
			Priority: opsgeniePriority[inc.Alert.Severity], Team: inc.team.Name, Schedule: inc.team.Pager.OpsgenieSchedule,
			Entity: inc.Alert.Service, Details: map[string]string{"baton_incident": inc.id},
		}).Get(ctx, nil)
	if err != nil {
		return err
	}
	inc.Outbox.OpsgenieOpened = true
	inc.note(workflow.Now(ctx), "Opsgenie alert opened for schedule "+inc.team.Pager.OpsgenieSchedule)
	return nil
}

func (inc *incident) closeOpsgenie(ctx workflow.Context) error {
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "Close the Opsgenie alert"),
		a.CloseOpsgenieAlert, activities.CloseOpsgenieAlertInput{
			Alias: contract.IncidentKey(inc.Alert.DedupKey), Note: "Resolved in Baton by " + inc.resolvedBy(),
		}).Get(ctx, nil)
	if err != nil {
		return err
	}
	inc.Outbox.OpsgenieClosed = true
	inc.note(workflow.Now(ctx), "Opsgenie alert closed")
	return nil
}

// nextTicket files the RCA ticket, with the timeline and a template, in
// the team's Jira project.
func (inc *incident) nextTicket(time.Time) (laneJob, bool, time.Time) {
	// Once the RCA is done, a ticket still unfiled has no use.
	if inc.Outbox.WantTicket && inc.Summary.RCATicket == "" && !inc.FollowUps.RCADone {
		return laneJob{"file the RCA ticket", inc.fileRCATicket}, true, time.Time{}
	}
	return laneJob{}, false, time.Time{}
}

// rcaTemplate is the body of every RCA ticket (incident v1's too), after
// the incident's own lines.
const rcaTemplate = `
## Root cause analysis
- What happened, and what was the impact?
- How was it detected, and how fast?
- Root cause: why did it happen (five whys)?
- What made it worse, or better?
- Action items (each with an owner and a ticket):
`

func (inc *incident) fileRCATicket(ctx workflow.Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s incident of team %s, service %s.\nTriggered %s, resolved %s by %s.\n\n## Timeline\n",
		inc.Alert.Severity, inc.team.Name, cmp.Or(inc.Alert.Service, "(none)"), inc.when(inc.Summary.Triggered), inc.when(inc.Summary.Resolved), inc.resolvedBy())
	for _, e := range inc.Timeline {
		// The timeline is mrkdwn; a ticket shows it as text.
		fmt.Fprintf(&b, "- %s %s\n", e.At.In(inc.loc).Format("Mon 15:04"), mrkdwn.Plain(e.Text))
	}
	b.WriteString(rcaTemplate)
	var t tickets.Ticket
	err := workflow.ExecuteActivity(withLaneActivity(ctx, "File the RCA ticket"),
		a.FileTicket, tickets.Issue{
			Project: inc.team.Incidents.JiraProject, DedupKey: inc.key("rca-ticket"),
			Summary: "RCA: " + inc.view().Headline(), Description: b.String(), Labels: []string{"baton", "rca"},
		}).Get(ctx, &t)
	if err != nil {
		return err
	}
	inc.Summary.RCATicket = t.Key
	inc.touch(touchMemo | touchLoop)
	inc.note(workflow.Now(ctx), "RCA ticket filed: "+mrkdwn.Line(cmp.Or(t.URL, t.Key)))
	return nil
}

// button is one of the incident's buttons.
func (inc *incident) button(action Action, text, style string) chat.Button {
	return actionButton(inc.id, action, text, style)
}

// buttons are the page's actions that fit the state.
func (inc *incident) buttons() []chat.Button {
	return pageButtons(inc.id, inc.State, inc.Summary.Paged)
}
