package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// The roster is one long-lived workflow per team on its own rotation that
// owns the team's overrides: updates add and remove them, validated
// before anything is written, and a query lists them for whoever asks who
// is on call (pages, the handover, the summary, the starter). At each
// override's start and end, within a minute of it, it points the user
// group and the topic at whoever holds the pager then, and says so in the
// channel, so that @data-oncall reaches the person actually on call. It
// continues as new when its history grows.

// RosterInput is the team and, across continue-as-new, its overrides.
type RosterInput struct {
	Team      team.Team
	Overrides []team.Override
	Requests  []Request
	// Seq numbers the overrides and requests: IDs stay unique across runs.
	Seq int
	// Following is whom the group was last pointed at, across
	// continue-as-new; empty on a first run.
	Following Holding
}

// AddOverride asks for an override; its times are instants.
type AddOverride struct {
	Person string    `json:"person"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Note   string    `json:"note,omitempty"`
	By     string    `json:"by,omitempty"`
}

// RemoveOverride removes one by ID.
type RemoveOverride struct {
	ID string `json:"id"`
	By string `json:"by,omitempty"`
}

// keepEnded is how long an ended override stays listed.
const keepEnded = 7 * 24 * time.Hour

type roster struct {
	team      team.Team
	loc       *time.Location
	overrides []team.Override
	seq       int
	// changed: an update came in, and the group may need to follow.
	changed   bool
	following Holding
	requests  []Request
	// chatIDs maps the team's people to chat users.
	chatIDs map[string]string
	logger  log.Logger
}

// Roster runs a team's overrides.
func Roster(ctx workflow.Context, in RosterInput) error {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return err
	}
	r := &roster{team: in.Team, loc: loc, overrides: in.Overrides, requests: in.Requests, seq: in.Seq,
		logger: log.With(workflow.GetLogger(ctx), "team", in.Team.Name)}
	// Whom the group points at now, taken before any update can add an
	// override: on a first run, whoever the rotation names (the handover
	// set the group for them).
	r.following = in.Following
	if r.following == (Holding{}) {
		r.following = r.holder(workflow.Now(ctx))
	}
	if err := r.register(ctx); err != nil {
		return err
	}
	if err := r.registerRequests(ctx); err != nil {
		return err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(in.Team.Name)); err != nil {
		return err
	}
	r.resolveChat(ctx)
	for {
		now := workflow.Now(ctx)
		r.prune(now)
		wait := 24 * time.Hour
		if next, ok := r.nextEdge(now); ok {
			wait = next.Sub(now)
		}
		if r.owed(now) {
			// Something failed to go out: try again soon.
			wait = min(wait, time.Minute)
		}
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return r.changed }); err != nil {
			return err
		}
		r.changed = false
		if h := r.holder(workflow.Now(ctx)); h != r.following && r.follow(ctx) {
			r.following = h
		}
		r.notify(ctx)
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() || workflow.GetInfo(ctx).GetCurrentHistoryLength() > 4000 {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, Roster, RosterInput{Team: r.team, Overrides: r.overrides, Requests: r.requests, Seq: r.seq, Following: r.following})
		}
	}
}

// owed reports whether the group or a request still owes a post.
func (r *roster) owed(now time.Time) bool {
	if r.holder(now) != r.following {
		return true
	}
	return slices.ContainsFunc(r.requests, func(rq Request) bool {
		return (rq.State == RequestOpen && !rq.Asked) || (rq.State != RequestOpen && !rq.Told)
	})
}

// rosterActivity is for the roster's chat steps: tried for a minute, then
// again at the loop's next wake, so that a chat outage never holds an
// override's edge back.
func rosterActivity(ctx workflow.Context, summary string) workflow.Context {
	return withQuickActivity(ctx, summary, time.Minute)
}

// Holding is who holds the pager, and by which override ("" for the
// rotation).
type Holding struct {
	Person   string `json:"person"`
	Override string `json:"override,omitempty"`
}

func (r *roster) holder(at time.Time) Holding {
	if o, ok := team.OverrideAt(r.overrides, at); ok {
		return Holding{o.Person, o.ID}
	}
	segs, err := r.team.Schedule(nil, at, at.Add(time.Minute))
	if err != nil || len(segs) == 0 {
		return Holding{}
	}
	return Holding{Person: segs[0].Person}
}

func (r *roster) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.RosterQuery, func() ([]team.Override, error) { return r.overrides, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterAddUpdate,
		func(ctx workflow.Context, req AddOverride) (team.Override, error) {
			o := r.addOverride(team.Override{Person: req.Person, From: req.From, To: req.To, Note: req.Note, By: req.By})
			r.logger.Info("override added", "override", o.ID, "person", o.Person)
			return o, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AddOverride) error {
			if !req.To.After(workflow.Now(ctx)) {
				return fmt.Errorf("the override ends at %s, which is past", rosterview.When(req.To, r.loc))
			}
			return r.team.CheckOverride(team.Override{Person: req.Person, From: req.From, To: req.To}, r.overrides)
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterRemoveUpdate,
		func(ctx workflow.Context, req RemoveOverride) (team.Override, error) {
			i := slices.IndexFunc(r.overrides, func(o team.Override) bool { return o.ID == req.ID })
			o := r.overrides[i]
			r.overrides = slices.Delete(r.overrides, i, i+1)
			r.changed = true
			r.logger.Info("override removed", "override", o.ID)
			return o, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req RemoveOverride) error {
			if !slices.ContainsFunc(r.overrides, func(o team.Override) bool { return o.ID == req.ID }) {
				return fmt.Errorf("team %q has no override %q", r.team.Name, req.ID)
			}
			return nil
		}})
}

// nextEdge is the next instant after now at which an override begins or
// ends.
func (r *roster) nextEdge(now time.Time) (time.Time, bool) {
	var next time.Time
	for _, o := range r.overrides {
		for _, edge := range []time.Time{o.From, o.To} {
			if edge.After(now) && (next.IsZero() || edge.Before(next)) {
				next = edge
			}
		}
	}
	return next, !next.IsZero()
}

// refreshTeam takes the team's configuration from the worker's team file,
// so that a roster running for months posts where the team is now. A
// worker that no longer knows the team leaves it as it was.
func (r *roster) refreshTeam(ctx workflow.Context) {
	var f team.File
	if err := workflow.ExecuteActivity(withQuickActivity(ctx, "Read the worker's team file", time.Minute), a.WorkerTeams).Get(ctx, &f); err != nil {
		r.logger.Warn("could not read the worker's team file: the roster keeps the configuration it has", "error", err)
		return
	}
	if t, ok := f.Team(r.team.Name); ok && t.Validate() == nil {
		r.team = t
	}
	r.resolveChat(ctx)
}

// prune drops overrides that ended over a week ago.
func (r *roster) prune(now time.Time) {
	r.overrides = slices.DeleteFunc(r.overrides, func(o team.Override) bool { return now.Sub(o.To) > keepEnded })
}

// follow points the group and the topic at whoever holds the pager now,
// and tells the channel. A failure is logged and retried at the next
// edge: the handover sets the group anyway, and no override is lost.
func (r *roster) follow(ctx workflow.Context) bool {
	r.refreshTeam(ctx)
	now := workflow.Now(ctx)
	segs, err := r.team.Schedule(r.overrides, now, now.Add(8*24*time.Hour))
	if err != nil || len(segs) == 0 {
		r.logger.Warn("nobody holds the pager now: the group is left as it is", "error", err)
		return true
	}
	cur := segs[0]
	// The stretch lasts until the holder changes.
	until := cur.To
	for _, s := range segs[1:] {
		if s.Person != cur.Person {
			break
		}
		until = s.To
	}
	holder, _ := r.team.Person(cur.Person)
	members := []team.Person{holder}
	for _, id := range r.team.PermanentMembers {
		if p, ok := r.team.Person(id); ok && p.ID != holder.ID {
			members = append(members, p)
		}
	}
	// refreshTeam looked the team up in chat just now.
	if r.chatIDs == nil {
		return false
	}
	var users []string
	for _, p := range members {
		if id, ok := r.chatIDs[p.ID]; ok {
			users = append(users, id)
		}
	}
	if len(users) < len(members) {
		r.logger.Warn("someone is not in chat: the group is left as it is", "person", holder.ID)
		return true
	}
	if err := workflow.ExecuteActivity(rosterActivity(ctx, "Point @"+r.view().GroupName()+" at "+holder.ID), a.SetUserGroup,
		activities.SetUserGroupInput{Group: r.team.Slack.UserGroup, Users: users}).Get(ctx, nil); err != nil {
		r.logger.Warn("could not point the group at the holder", "error", err)
		return false
	}
	if err := workflow.ExecuteActivity(rosterActivity(ctx, "Set the channel topic"), a.SetTopic, activities.SetTopicInput{
		Channel: r.team.Slack.Channel, Topic: r.view().Topic([]string{holder.ID}, until),
	}).Get(ctx, nil); err != nil {
		r.logger.Warn("could not set the topic", "error", err)
	}
	var overrideNote string
	if o, ok := team.OverrideAt(r.overrides, now); ok && cur.Override != "" {
		overrideNote = o.Note
	}
	text := r.view().Holder(holder.ID, until, cur.Override != "", overrideNote)
	if err := workflow.ExecuteActivity(rosterActivity(ctx, "Say who holds the pager now"), a.PostMessage, activities.PostMessageInput{
		Channel: r.team.Slack.Channel, Text: text, Since: now.Add(-time.Hour),
		Key: fmt.Sprintf("roster/%s/%s/%s", r.team.Name, now.UTC().Format(time.RFC3339), holder.ID),
	}).Get(ctx, nil); err != nil {
		r.logger.Warn("could not tell the channel", "error", err)
	}
	return true
}
