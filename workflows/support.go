package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/team"
)

// A support request (package support): someone asks the person on call
// for help, with the team's reaction on a message of its support channel,
// the "Ask on-call" shortcut on any message, or /baton ask. One workflow
// follows each request (contract.SupportID), from its post in the asked
// message's thread, which tags the on-call group and carries Take and
// Done, to Done. Its post is updated in place as it changes; while nobody
// has taken it, the person on call is reminded by DM once per
// respond_within, in their working hours, never by phone. Its memo keeps
// the request for the handover, which passes open requests to the
// incoming person, and for the weekly summary.

// SupportInput opens a support request, or resumes one (continue-as-new).
type SupportInput struct {
	// Team is the team as the gateway's team file had it.
	Team team.Team `json:"team"`
	// Request is what the way in knew: the message (Channel, TS, and
	// ThreadTS when known), who asked and opened it, how, and the text
	// when it came with it (the shortcut, /baton ask).
	Request support.Request `json:"request"`
	// Read says the message is to be read back from chat: a reaction
	// names only the message.
	Read bool `json:"read,omitempty"`
	// PostChannel and PostTS are the request's post, once made: a resumed
	// run updates it.
	PostChannel string `json:"post_channel,omitempty"`
	PostTS      string `json:"post_ts,omitempty"`
}

// SupportAction is Take or Done, asked of a request by a person of its
// team (By), from a chat user (ByChat), through Via ("slack", "cli").
type SupportAction struct {
	Action string `json:"action"`
	By     string `json:"by"`
	ByChat string `json:"by_chat,omitempty"`
	Via    string `json:"via,omitempty"`
}

// SupportActResult says what the action did, for whoever asked it, and
// how the request stands.
type SupportActResult struct {
	Message string          `json:"message"`
	Request support.Request `json:"request"`
}

// supportRunLength is the history length past which a request that has
// waited long (weeks of reminders) continues as new.
const supportRunLength = 3000

// supportReminderWithin bounds the look-ups and the DM of one reminder:
// a pager or chat that fails for longer costs that period's reminder, not
// the updates of the post waiting behind it.
const supportReminderWithin = 10 * time.Minute

type supportRequest struct {
	team    team.Team
	loc     *time.Location
	req     support.Request
	read    bool
	post    activities.PostMessageResult
	changed bool
	logger  log.Logger
}

// SupportRequest follows one support request until it is done.
func SupportRequest(ctx workflow.Context, in SupportInput) (support.Request, error) {
	s, err := setupSupport(ctx, in)
	if err != nil {
		return support.Request{}, err
	}
	return s.run(ctx)
}

func setupSupport(ctx workflow.Context, in SupportInput) (*supportRequest, error) {
	loc, err := teamLocation(in.Team)
	if err != nil {
		return nil, err
	}
	s := &supportRequest{team: in.Team.Slim(), loc: loc, req: in.Request, read: in.Read,
		post: activities.PostMessageResult{Channel: in.PostChannel, TS: in.PostTS}}
	s.req.ID, s.req.Team = workflow.GetInfo(ctx).WorkflowExecution.ID, in.Team.Name
	if s.req.Opened.IsZero() {
		s.req.Opened = workflow.Now(ctx)
	}
	if s.req.State == "" {
		s.req.State = support.StateNew
	}
	s.logger = log.With(workflow.GetLogger(ctx), "team", in.Team.Name, "request", s.req.ID)
	if err := workflow.SetQueryHandler(ctx, contract.SupportStatusQuery, func() (support.Request, error) { return s.req, nil }); err != nil {
		return nil, err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, contract.SupportActUpdate,
		func(ctx workflow.Context, act SupportAction) (SupportActResult, error) {
			var msg string
			s.req, msg = s.req.Apply(support.Act{Action: act.Action, By: act.By, ByChat: act.ByChat}, workflow.Now(ctx))
			s.changed = true
			s.logger.Info("support request "+act.Action, "by", act.By, "via", act.Via)
			return SupportActResult{Message: msg, Request: s.req}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, act SupportAction) error {
			if act.By == "" {
				return support.Refusal("say who acts")
			}
			return s.req.Check(support.Act{Action: act.Action, By: act.By, ByChat: act.ByChat})
		}})
	if err != nil {
		return nil, err
	}
	return s, s.record(ctx)
}

func (s *supportRequest) run(ctx workflow.Context) (support.Request, error) {
	if s.post.TS == "" {
		s.locate(ctx)
		s.postIt(ctx)
		if err := s.record(ctx); err != nil {
			return s.req, err
		}
	}
	within := s.team.RespondWithin()
	for s.req.Open() {
		if s.changed {
			if err := s.show(ctx); err != nil {
				return s.req, err
			}
			continue
		}
		now, due := workflow.Now(ctx), s.req.ReminderDue(within)
		if due.IsZero() || due.After(now) {
			wait := time.Duration(0) // none is due: until the request changes
			if !due.IsZero() {
				wait = due.Sub(now)
			}
			if _, err := s.await(ctx, wait, "Until someone takes the request, or a reminder is due"); err != nil {
				return s.req, err
			}
			continue
		}
		if err := s.remind(ctx); err != nil {
			return s.req, err
		}
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > supportRunLength {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return s.req, err
			}
			return s.req, workflow.NewContinueAsNewError(ctx, contract.SupportWorkflowName, SupportInput{
				Team: s.team, Request: s.req, PostChannel: s.post.Channel, PostTS: s.post.TS,
			})
		}
	}
	if s.changed {
		if err := s.show(ctx); err != nil {
			return s.req, err
		}
	}
	s.logger.Info("support request done")
	return s.req, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// await waits up to wait (for ever when 0) for the request to change, and
// reports whether it did.
func (s *supportRequest) await(ctx workflow.Context, wait time.Duration, why string) (bool, error) {
	cond := func() bool { return s.changed }
	if wait <= 0 {
		return true, workflow.Await(ctx, cond)
	}
	ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: why}}, cond)
	return ok, err
}

// locate finds the message asked about and its thread: /baton ask posts
// it; a reaction reads it back from chat; the shortcut brought it.
func (s *supportRequest) locate(ctx workflow.Context) {
	r := &s.req
	switch {
	case r.Via == support.ViaAsk:
		var p activities.PostMessageResult
		err := workflow.ExecuteActivity(withActivity(ctx, "Post the request in "+s.team.AskChannel()), a.PostMessage, activities.PostMessageInput{
			Channel: s.team.AskChannel(), Key: r.ID + "/asked", Text: s.view().Asked(*r), Since: r.Opened.Add(-time.Hour),
		}).Get(ctx, &p)
		if err != nil {
			s.logger.Warn("could not post the request", "error", err)
			return
		}
		r.Channel, r.TS, r.ThreadTS = p.Channel, p.TS, p.TS
	case s.read:
		var m activities.ReadMessageResult
		err := workflow.ExecuteActivity(withQuickActivity(ctx, "Read the message asked about", 5*time.Minute), a.ReadMessage,
			activities.ReadMessageInput{Channel: r.Channel, TS: r.TS}).Get(ctx, &m)
		switch {
		case err != nil:
			s.logger.Warn("could not read the message asked about", "error", err)
		case m.Found:
			r.Text, r.ThreadTS = m.Text, m.ThreadTS
			if r.Asker == "" && !m.Bot {
				r.Asker = m.User
			}
		}
	}
	if r.ThreadTS == "" {
		r.ThreadTS = r.TS
	}
}

// postIt posts the request in its thread, with its buttons, and finds its
// link. A post that cannot be made leaves the request followed all the
// same: its memo, the reminders and the handover still carry it.
func (s *supportRequest) postIt(ctx workflow.Context) {
	if s.req.Channel == "" {
		return
	}
	err := workflow.ExecuteActivity(withActivity(ctx, "Post the request in its thread, tagging the on-call group"), a.PostMessage, activities.PostMessageInput{
		Channel: s.req.Channel, ThreadTS: s.req.ThreadTS, Key: s.req.ID + "/post",
		Text: s.view().Post(s.req), Buttons: s.view().Buttons(s.req), Since: s.req.Opened.Add(-time.Hour),
	}).Get(ctx, &s.post)
	if err != nil {
		s.logger.Warn("could not post the request", "error", err)
		return
	}
	var link activities.PermalinkResult
	if err := workflow.ExecuteActivity(withQuickActivity(ctx, "Find the request's link", time.Minute), a.Permalink,
		activities.PermalinkInput{Channel: s.post.Channel, TS: s.post.TS}).Get(ctx, &link); err == nil {
		s.req.Link = link.Link
	}
}

// show updates the post and the record after the request changed.
func (s *supportRequest) show(ctx workflow.Context) error {
	s.changed = false
	if s.post.TS != "" {
		err := workflow.ExecuteActivity(withActivity(ctx, "Show the request "+s.req.State), a.UpdateMessage, activities.UpdateMessageInput{
			Channel: s.post.Channel, TS: s.post.TS, Text: s.view().Post(s.req), Buttons: s.view().Buttons(s.req),
		}).Get(ctx, nil)
		if err != nil {
			s.logger.Warn("could not update the request's post", "error", err)
		}
	}
	return s.record(ctx)
}

// remind DMs each person on call who is in their working hours now, of a
// request nobody took. When none is, it waits for the first of them to
// start work (the loop asks again then, since who is on call may have
// changed). Whatever happens, the period counts as reminded, so that a
// pager or chat that fails reminds nobody twice.
func (s *supportRequest) remind(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	var who activities.WhoIsOnCallResult
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "Ask the pager who is on call, to remind them", supportReminderWithin), a.WhoIsOnCall,
		activities.WhoIsOnCallInput{Team: s.team, At: []time.Time{now}}).Get(ctx, &who)
	var onCall, working []team.Person
	if err == nil && len(who.OnCall) > 0 {
		onCall = who.OnCall[0]
	}
	var first time.Time
	for _, p := range onCall {
		at := support.RemindAt(p, s.loc, now)
		if !at.After(now) {
			working = append(working, p)
		} else if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if len(working) == 0 && !first.IsZero() {
		// Nobody on call works now: the reminder waits for the morning.
		_, err := s.await(ctx, first.Sub(now), "Until the person on call starts work, to remind them")
		return err
	}
	if err != nil {
		s.logger.Warn("could not ask who is on call, to remind them", "error", err)
	}
	var users activities.ResolveChatUsersResult
	if len(working) > 0 {
		if err := workflow.ExecuteActivity(withQuickActivity(ctx, "Find the person on call in chat", supportReminderWithin), a.ResolveChatUsers,
			activities.ResolveChatUsersInput{People: working}).Get(ctx, &users); err != nil {
			s.logger.Warn("could not find the person on call in chat", "error", err)
		}
	}
	s.req.Reminders++
	s.req.Reminded = now
	for _, p := range working {
		user, ok := users.UserIDs[p.ID]
		if !ok {
			continue
		}
		err := workflow.ExecuteActivity(withQuickActivity(ctx, "Remind "+p.ID+" of the request", supportReminderWithin), a.SendDM, activities.SendDMInput{
			User: user, Key: fmt.Sprintf("%s/remind/%d/%s", s.req.ID, s.req.Reminders, p.ID), Since: now.Add(-time.Hour),
			Text: s.view().Reminder(s.req, now.Sub(s.req.Opened)),
		}).Get(ctx, nil)
		if err != nil {
			s.logger.Warn("could not remind the person on call", "person", p.ID, "error", err)
		} else {
			s.logger.Info("reminded the person on call", "person", p.ID, "reminder", s.req.Reminders)
		}
	}
	if len(working) == 0 {
		s.logger.Warn("nobody on call to remind of the support request")
	}
	return s.record(ctx)
}

// record keeps the request in the memo, and its state in BatonState.
func (s *supportRequest) record(ctx workflow.Context) error {
	if err := workflow.UpsertTypedSearchAttributes(ctx, contract.TeamKey.ValueSet(s.team.Name), contract.StateKey.ValueSet(s.req.State)); err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]any{contract.SupportMemoKey: s.req.Memo()})
}

// view renders the team's requests.
func (s *supportRequest) view() support.View {
	return support.View{Team: s.team.Name, Group: s.team.Slack.UserGroup, Loc: s.loc}
}
