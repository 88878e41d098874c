package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/storm"
)

// The storm desk: one workflow per team, reached by the incidents' join
// activity with update-with-start, keeps the team's channel rule (package
// storm) in Temporal, so that every worker groups into the same message.
// It posts each group's message, tells each grouped incident the thread
// its page goes in, and edits the message as its alerts change, at most
// every stormEditEvery. Slack's failures are retried here, as an
// incident's lanes retry theirs; nothing waits on the desk but the pages
// it grouped, whose alerts its message already shows.

const (
	// stormEditEvery bounds how often a group's message is edited, so that
	// forty arrivals in ten seconds cost ten edits at most, within
	// chat.update's tier (about 50 a minute, bursts allowed), yet each
	// shows within seconds.
	stormEditEvery = time.Second
	// stormDeskLingers: a desk with no group open ends after this long
	// without a join; the next join starts a new run.
	stormDeskLingers = time.Hour
	// stormRunJoins is how many joins a run takes before it continues as
	// new, so that a busy desk keeps a short history.
	stormRunJoins = 1000
)

// StormDesk keeps a team's channel in a storm; it starts from the desk the
// run before it handed over, or an empty one.
func StormDesk(ctx workflow.Context, d storm.Desk) error {
	sd := &stormDesk{desk: d, lastJoin: workflow.Now(ctx)}
	// The Web UI finds a team's desk by its team, as its incidents.
	if team, err := contract.ParseStormDeskWorkflowID(workflow.GetInfo(ctx).WorkflowExecution.ID); err == nil {
		if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(team)); err != nil {
			return err
		}
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.StormJoinUpdate, sd.join,
		workflow.UpdateHandlerOptions{Validator: validStormJoin}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, contract.StormGroupQuery, sd.group); err != nil {
		return err
	}
	news := workflow.GetSignalChannel(ctx, contract.StormMemberSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s storm.MemberState
			news.Receive(ctx, &s)
			sd.desk.Member(s)
			sd.changed = true
		}
	})
	backoff := laneRetryFirst
	for {
		if sd.joins >= stormRunJoins || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && news.Len() == 0 }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, contract.StormDeskWorkflowName, sd.desk)
		}
		job, wake := sd.next(workflow.Now(ctx))
		if job == nil {
			if wake.IsZero() {
				wake = sd.lastJoin.Add(stormDeskLingers)
			}
			sd.changed = false
			woke, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout: max(wake.Sub(workflow.Now(ctx)), time.Millisecond), TimerOptions: workflow.TimerOptions{Summary: "Until the channel's next news"},
			}, func() bool { return sd.changed })
			if err != nil {
				return err
			}
			if !woke && len(sd.desk.Groups) == 0 && !workflow.Now(ctx).Before(sd.lastJoin.Add(stormDeskLingers)) &&
				workflow.AllHandlersFinished(ctx) && news.Len() == 0 {
				return nil
			}
			continue
		}
		err := job(ctx)
		pause := backoff
		switch wait, limited := rateLimited(err); {
		case err == nil:
			backoff = laneRetryFirst
			continue
		case limited:
			pause = wait
		default:
			workflow.GetLogger(ctx).Warn("storm desk: Slack is failing", "error", err)
			backoff = min(2*backoff, laneRetryMax)
		}
		if err := workflow.Sleep(ctx, pause); err != nil {
			return err
		}
	}
}

type stormDesk struct {
	desk     storm.Desk
	joins    int
	lastJoin time.Time
	// changed wakes the desk: a join, or a member's news.
	changed bool
	loc     *time.Location
}

func validStormJoin(j storm.Join) error {
	if j.Incident == "" || j.Channel == "" || !contract.ValidTeamName(j.Team) {
		return fmt.Errorf("a storm join names its incident, team and channel: %+v", j)
	}
	return nil
}

func (sd *stormDesk) join(ctx workflow.Context, j storm.Join) (storm.Joined, error) {
	if team, err := contract.ParseStormDeskWorkflowID(workflow.GetInfo(ctx).WorkflowExecution.ID); err == nil && team != j.Team {
		return storm.Joined{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("incident %s of team %s asked the storm desk of team %s", j.Incident, j.Team, team), "WrongDesk", nil)
	}
	sd.joins++
	sd.lastJoin = workflow.Now(ctx)
	sd.changed = true
	return sd.desk.Join(workflow.Now(ctx), j), nil
}

func (sd *stormDesk) group(n int) (storm.Group, error) {
	g, ok := sd.desk.Group(n)
	if !ok {
		return storm.Group{}, fmt.Errorf("the storm desk of team %s has no group %d open", sd.desk.Team, n)
	}
	return *g, nil
}

// next is the desk's next piece of work, or when work falls due: post a new
// group's message, tell its incidents the thread, edit a stale message.
func (sd *stormDesk) next(now time.Time) (func(workflow.Context) error, time.Time) {
	sd.desk.Forget()
	var wake time.Time
	for _, g := range sd.desk.Groups {
		switch {
		case g.TS == "":
			return func(ctx workflow.Context) error { return sd.post(ctx, g) }, time.Time{}
		case len(g.Untold()) > 0:
			return func(ctx workflow.Context) error { sd.tell(ctx, g); return nil }, time.Time{}
		case g.Stale:
			due := g.Updated.Add(stormEditEvery)
			if !now.Before(due) {
				return func(ctx workflow.Context) error { return sd.edit(ctx, g) }, time.Time{}
			}
			if wake.IsZero() || due.Before(wake) {
				wake = due
			}
		}
	}
	return nil, wake
}

// location is the team's zone, loaded once per zone a join names rather
// than at every edit.
func (sd *stormDesk) location() *time.Location {
	if sd.loc == nil || sd.loc.String() != sd.desk.Zone {
		loc, err := time.LoadLocation(sd.desk.Zone)
		if err != nil {
			loc = time.UTC
		}
		sd.loc = loc
	}
	return sd.loc
}

func (sd *stormDesk) post(ctx workflow.Context, g *storm.Group) error {
	g.Stale = false
	var r activities.PostMessageResult
	err := workflow.ExecuteActivity(withLaneActivity(ctx, fmt.Sprintf("Post storm group %d", g.Number)), a.PostMessage,
		activities.PostMessageInput{
			Channel: sd.desk.Channel, Key: g.MessageKey(), Since: g.Started.Add(-time.Hour),
			Text: g.Text(sd.desk.Team, sd.location()), Buttons: g.Buttons(sd.desk.Team),
		}).Get(ctx, &r)
	if err != nil {
		g.Stale = true
		return err
	}
	// What joined while the post was on its way is shown at once: the
	// post took its time, waiting for the channel's turn.
	g.TS = r.TS
	return nil
}

// tell sends each grouped incident not yet told the group's thread,
// without waiting for the signals to land: the message's edits must not
// wait on busy incidents. An incident that has ended needs it no more.
func (sd *stormDesk) tell(ctx workflow.Context, g *storm.Group) {
	for i := range g.Members {
		m := &g.Members[i]
		if m.Told {
			continue
		}
		m.Told = true
		sent := workflow.SignalExternalWorkflow(ctx, m.Incident, "", contract.IncidentStormThreadSignal,
			storm.Thread{Group: g.Number, Storm: g.Key == "", ThreadTS: g.TS})
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := sent.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Info("storm desk: an incident did not take its thread", "incident", m.Incident, "error", err)
			}
		})
	}
}

func (sd *stormDesk) edit(ctx workflow.Context, g *storm.Group) error {
	g.Stale = false
	err := workflow.ExecuteActivity(withLaneActivity(ctx, fmt.Sprintf("Edit storm group %d (%d alerts)", g.Number, len(g.Members))), a.UpdateMessage,
		activities.UpdateMessageInput{
			Channel: sd.desk.Channel, TS: g.TS, Text: g.Text(sd.desk.Team, sd.location()), Buttons: g.Buttons(sd.desk.Team),
		}).Get(ctx, nil)
	if err != nil {
		g.Stale = true
		return err
	}
	g.Updated = workflow.Now(ctx)
	return nil
}

// stormThreadTitle heads an incident's posts in a group's thread, which
// many incidents share.
func stormThreadTitle(headline string) string {
	return "*" + mrkdwn.Cut(mrkdwn.Line(headline), 120, "…") + "*"
}
