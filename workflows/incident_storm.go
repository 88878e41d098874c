package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/storm"
)

// An incident in a storm (package storm, workflows/storm.go): before its
// page goes out, the channel lane asks the team's storm desk where it goes.
// Alone, it is posted as ever. Grouped, the group's message shows the
// alert at once, and the page, with its buttons and then its timeline,
// goes in that message's thread once the desk names it; the desk hears of
// each change of state, for the message. The escalation, the DMs and the
// phone never wait on any of it.

// joinStormWithin bounds the ask: a desk that does not answer in time
// lets the page go alone rather than hold it. stormThreadWithin bounds the
// wait for the group's thread: a desk that never posts its message (its
// run ended by hand) lets the page go alone too, so that no page is lost
// with it. It is long enough that, when Slack was down, the desk's own
// retries post the group first.
const (
	joinStormWithin   = 5 * time.Second
	stormThreadWithin = 5 * time.Minute
)

func (inc *incident) joinStorm(ctx workflow.Context) error {
	groupKey, _ := inc.team.GroupKey(inc.Alert.Service, inc.Alert.AlertName, inc.Alert.Details)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: joinStormWithin,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 2},
		Summary:             "Ask the storm desk where the page goes",
	})
	var joined storm.Joined
	err := workflow.ExecuteActivity(ctx, a.JoinStorm, storm.Join{
		Team: inc.team.Name, Channel: inc.team.Slack.Channel, Zone: inc.team.TimeZone,
		Incident: inc.id, Headline: inc.view().Headline(), Severity: string(inc.Alert.Severity),
		State: string(inc.State), At: inc.Summary.Triggered, GroupKey: groupKey,
	}).Get(ctx, &joined)
	o := &inc.Outbox
	o.StormAsked, o.StormAskedAt = true, workflow.Now(ctx)
	if err != nil {
		if o.StormGroup == 0 {
			inc.note(workflow.Now(ctx), "The storm desk did not answer ("+workflowerr.Message(err)+"): the page goes alone")
		}
		return nil
	}
	if joined.Group == 0 {
		return nil
	}
	o.StormGroup, o.StormTold = joined.Group, inc.State
	// The desk's thread may have come first, by signal.
	if o.StormTS == "" {
		o.StormTS = joined.ThreadTS
	}
	inc.note(workflow.Now(ctx), stormGroupNote(joined.Group))
	inc.Summary.Grouped = contract.StormGroupValue(inc.team.Name, joined.Group)
	inc.Summary.GroupedInStorm = joined.Storm
	inc.touch(touchMemo)
	return nil
}

// takeStormThread takes the thread the desk names, for as long as the run
// lasts.
func (inc *incident) takeStormThread(ctx workflow.Context) {
	threads := workflow.GetSignalChannel(ctx, contract.IncidentStormThreadSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var t storm.Thread
			if !threads.Receive(ctx, &t) {
				return
			}
			o := &inc.Outbox
			if t.ThreadTS == "" || o.PageTS != "" || o.StormGroup != 0 && o.StormGroup != t.Group {
				continue
			}
			o.StormGroup, o.StormTS = t.Group, t.ThreadTS
			inc.Summary.Grouped = contract.StormGroupValue(inc.team.Name, t.Group)
			inc.Summary.GroupedInStorm = t.Storm
			inc.touch(touchMemo)
		}
	})
}

// tellStormDesk tells the desk the incident's state, for the group's
// message. It is news for a message, not a notification: a desk that
// cannot be reached (it ended, its group with it) is not asked again.
func (inc *incident) tellStormDesk(ctx workflow.Context) error {
	s := storm.MemberState{Incident: inc.id, State: string(inc.State)}
	by := inc.AckedBy
	if inc.ResolvedBy != nil {
		by = inc.ResolvedBy
	}
	if by != nil {
		s.ByChat, s.By = by.ChatID, by.Label()
	}
	err := workflow.SignalExternalWorkflow(ctx, contract.StormDeskWorkflowID(inc.team.Name), "", contract.StormMemberSignal, s).Get(ctx, nil)
	if err != nil {
		inc.logger.Info("the storm desk did not take the incident's news", "error", err)
	}
	inc.Outbox.StormTold = inc.State
	return nil
}

// postPageAlone posts the page in the channel, as if never grouped: the
// desk named no thread in time. A thread named later is not taken; the
// desk still hears of the incident, for its message.
func (inc *incident) postPageAlone(ctx workflow.Context) error {
	o := &inc.Outbox
	if err := inc.postPage(ctx); err != nil {
		return err
	}
	inc.note(workflow.Now(ctx), fmt.Sprintf("The storm desk named no thread for group %d within %s: the page went alone", o.StormGroup, stormThreadWithin))
	return nil
}

// threadTS is the thread of the incident's posts: its page's, or its
// group's when it was grouped.
func (inc *incident) threadTS() string {
	if inc.Outbox.StormTS != "" {
		return inc.Outbox.StormTS
	}
	return inc.Outbox.PageTS
}

// stormGroupNote is the page's line that says where its group is.
func stormGroupNote(group int) string {
	return fmt.Sprintf("Grouped with the alerts of group %d: the channel shows them in one message, and this page in its thread", group)
}
