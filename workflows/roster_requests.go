package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// Cover requests and swaps are asked of the roster and end in overrides.
// A cover request is posted in the team channel with an "I'll cover"
// button: the first teammate to press it gets the override, the others'
// presses are refused, and the post says who took it. A swap exchanges two
// people's whole shifts: the other person is asked by DM and must accept.
// The updates only change the roster's state; its loop does the posting,
// so that a Slack outage never loses a request.

// Request kinds and states.
const (
	RequestCover = "cover"
	RequestSwap  = "swap"

	RequestOpen     = "open"
	RequestDone     = "done"
	RequestDeclined = "declined"
)

// Request is a cover request or a swap.
type Request struct {
	ID   string    `json:"id"`
	Kind string    `json:"kind"`
	By   string    `json:"by"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Note string    `json:"note,omitempty"`
	// With is the swap's other person, who holds WithFrom..WithTo.
	With     string    `json:"with,omitempty"`
	WithFrom time.Time `json:"with_from,omitzero"`
	WithTo   time.Time `json:"with_to,omitzero"`
	State    string    `json:"state"`
	// TakenBy took the cover; Overrides are what the request made.
	TakenBy   string   `json:"taken_by,omitempty"`
	Overrides []string `json:"overrides,omitempty"`
	// Asked: the channel post (cover) or the DM (swap) is out, at PostTS
	// in PostChannel; Told: its outcome was announced.
	Asked       bool   `json:"asked,omitempty"`
	PostChannel string `json:"post_channel,omitempty"`
	PostTS      string `json:"post_ts,omitempty"`
	Told        bool   `json:"told,omitempty"`
}

// AskCover asks the team to cover Person (a person ID, or a chat user
// ID) from From to To.
type AskCover struct {
	Person string    `json:"person"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Note   string    `json:"note,omitempty"`
}

// TakeCover takes a cover request: By is a person ID or a chat user ID.
type TakeCover struct {
	ID string `json:"id"`
	By string `json:"by"`
}

// AskSwap asks With to exchange the shift Person holds at Shift for the
// one With holds at WithShift.
type AskSwap struct {
	Person    string    `json:"person"`
	Shift     time.Time `json:"shift"`
	With      string    `json:"with"`
	WithShift time.Time `json:"with_shift"`
}

// ReplySwap accepts or declines a swap, as its other person.
type ReplySwap struct {
	ID     string `json:"id"`
	By     string `json:"by"`
	Accept bool   `json:"accept"`
}

func (r *roster) registerRequests(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.RosterRequestsQuery, func() ([]Request, error) { return r.requests, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterCoverAskUpdate,
		func(ctx workflow.Context, req AskCover) (Request, error) {
			// A request from chat names its asker by chat user, whom the
			// roster may not have looked up yet: look, then check in full.
			r.knowPerson(ctx, req.Person)
			if err := r.checkCoverAsk(workflow.Now(ctx), req, false); err != nil {
				return Request{}, err
			}
			asker, _ := r.person(req.Person)
			r.seq++
			rq := Request{ID: fmt.Sprintf("c%d", r.seq), Kind: RequestCover, By: asker.ID, From: req.From, To: req.To, Note: req.Note, State: RequestOpen}
			r.requests = append(r.requests, rq)
			r.changed = true
			return rq, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AskCover) error {
			return r.checkCoverAsk(workflow.Now(ctx), req, true)
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterCoverTakeUpdate,
		func(ctx workflow.Context, req TakeCover) (Request, error) {
			r.knowPerson(ctx, req.By)
			rq, taker, err := r.checkCoverTake(req)
			if err != nil {
				// Taken by another press while this one looked the presser up.
				return Request{}, err
			}
			o := r.addOverride(team.Override{Person: taker.ID, From: rq.From, To: rq.To, Note: "covering " + rq.By, By: taker.ID})
			rq.State, rq.TakenBy, rq.Overrides = RequestDone, taker.ID, []string{o.ID}
			return *rq, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req TakeCover) error {
			if _, known := r.person(req.By); !known {
				return r.checkCoverOpen(req.ID)
			}
			_, _, err := r.checkCoverTake(req)
			return err
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterSwapAskUpdate,
		func(ctx workflow.Context, req AskSwap) (Request, error) {
			mine, theirs, _ := r.checkSwapAsk(workflow.Now(ctx), req)
			r.seq++
			rq := Request{ID: fmt.Sprintf("s%d", r.seq), Kind: RequestSwap, By: req.Person, From: mine.Start, To: mine.End,
				With: req.With, WithFrom: theirs.Start, WithTo: theirs.End, State: RequestOpen}
			r.requests = append(r.requests, rq)
			r.changed = true
			return rq, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AskSwap) error {
			_, _, err := r.checkSwapAsk(workflow.Now(ctx), req)
			return err
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.RosterSwapReplyUpdate,
		func(ctx workflow.Context, req ReplySwap) (Request, error) {
			r.knowPerson(ctx, req.By)
			rq, err := r.checkSwapReply(req)
			if err != nil {
				return Request{}, err
			}
			if !req.Accept {
				rq.State = RequestDeclined
				r.changed = true
				return *rq, nil
			}
			a := r.addOverride(team.Override{Person: rq.With, From: rq.From, To: rq.To, Note: "swap with " + rq.By, By: rq.With})
			b := r.addOverride(team.Override{Person: rq.By, From: rq.WithFrom, To: rq.WithTo, Note: "swap with " + rq.With, By: rq.With})
			rq.State, rq.Overrides = RequestDone, []string{a.ID, b.ID}
			return *rq, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req ReplySwap) error {
			if _, known := r.person(req.By); !known {
				return nil // looked up and checked by the handler
			}
			_, err := r.checkSwapReply(req)
			return err
		}})
}

// addOverride adds a checked override and returns it with its ID.
func (r *roster) addOverride(o team.Override) team.Override {
	r.seq++
	o.ID = fmt.Sprintf("o%d", r.seq)
	r.overrides = append(r.overrides, o)
	slices.SortFunc(r.overrides, func(a, b team.Override) int { return a.From.Compare(b.From) })
	r.changed = true
	return o
}

// person is a team person named by ID or by chat user ID.
func (r *roster) person(by string) (team.Person, bool) {
	if p, ok := r.team.Person(by); ok {
		return p, true
	}
	for id, chatID := range r.chatIDs {
		if chatID == by {
			return r.team.Person(id)
		}
	}
	return team.Person{}, false
}

// checkCoverAsk refuses a cover request that cannot be: unknown asker
// (unless maybeChat, for a chat user not looked up yet), times backwards
// or past, or an asker not on call then.
func (r *roster) checkCoverAsk(now time.Time, req AskCover, maybeChat bool) error {
	p, ok := r.person(req.Person)
	if !ok && !maybeChat {
		return fmt.Errorf("%q is not a person of team %q", req.Person, r.team.Name)
	}
	if !req.To.After(req.From) {
		return errors.New("the cover ends before it starts")
	}
	if !req.To.After(now) {
		return fmt.Errorf("the cover would end at %s, which is past", rosterview.When(req.To, r.loc))
	}
	if !ok {
		return nil
	}
	segs, err := r.team.Schedule(r.overrides, req.From, req.To)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s.Person != p.ID {
			return fmt.Errorf("%s is not on call from %s to %s (%s is, from %s)", p.ID,
				rosterview.When(req.From, r.loc), rosterview.When(req.To, r.loc), s.Person, rosterview.When(s.From, r.loc))
		}
	}
	return nil
}

// checkCoverOpen refuses a press on a request that is gone or taken.
func (r *roster) checkCoverOpen(id string) error {
	rq := r.request(id, RequestCover)
	switch {
	case rq == nil:
		return fmt.Errorf("team %q has no cover request %q", r.team.Name, id)
	case rq.State == RequestDone:
		return fmt.Errorf("already taken by %s", rq.TakenBy)
	}
	return nil
}

func (r *roster) checkCoverTake(req TakeCover) (*Request, team.Person, error) {
	if err := r.checkCoverOpen(req.ID); err != nil {
		return nil, team.Person{}, err
	}
	rq := r.request(req.ID, RequestCover)
	taker, ok := r.person(req.By)
	switch {
	case !ok:
		return nil, team.Person{}, fmt.Errorf("only a person of team %q can cover", r.team.Name)
	case taker.ID == rq.By:
		return nil, team.Person{}, errors.New("you asked for this cover yourself")
	}
	// The requester's own stretch gives way to the cover.
	others := slices.DeleteFunc(slices.Clone(r.overrides), func(o team.Override) bool { return o.Person == rq.By })
	if err := r.team.CheckOverride(team.Override{Person: taker.ID, From: rq.From, To: rq.To}, others); err != nil {
		return nil, team.Person{}, err
	}
	return rq, taker, nil
}

func (r *roster) checkSwapAsk(now time.Time, req AskSwap) (mine, theirs team.Shift, err error) {
	for _, id := range []string{req.Person, req.With} {
		if _, ok := r.team.Person(id); !ok {
			return mine, theirs, fmt.Errorf("%q is not a person of team %q", id, r.team.Name)
		}
	}
	if req.Person == req.With {
		return mine, theirs, errors.New("a swap needs two people")
	}
	rot := r.team.Pager.Rotation
	if rot == nil {
		return mine, theirs, fmt.Errorf("team %q takes its on-call from its pager: swap there", r.team.Name)
	}
	var ok bool
	if mine, ok, err = rot.ShiftAt(r.loc, req.Shift); err != nil || !ok || mine.Member != req.Person {
		return mine, theirs, fmt.Errorf("%s holds no shift at %s", req.Person, rosterview.When(req.Shift, r.loc))
	}
	if theirs, ok, err = rot.ShiftAt(r.loc, req.WithShift); err != nil || !ok || theirs.Member != req.With {
		return mine, theirs, fmt.Errorf("%s holds no shift at %s", req.With, rosterview.When(req.WithShift, r.loc))
	}
	if !mine.End.After(now) || !theirs.End.After(now) {
		return mine, theirs, errors.New("a shift that is over cannot be swapped")
	}
	for _, o := range []team.Override{{Person: req.With, From: mine.Start, To: mine.End}, {Person: req.Person, From: theirs.Start, To: theirs.End}} {
		if err := r.team.CheckOverride(o, r.overrides); err != nil {
			return mine, theirs, err
		}
	}
	return mine, theirs, nil
}

func (r *roster) checkSwapReply(req ReplySwap) (*Request, error) {
	rq := r.request(req.ID, RequestSwap)
	switch {
	case rq == nil:
		return nil, fmt.Errorf("team %q has no swap %q", r.team.Name, req.ID)
	case rq.State != RequestOpen:
		return nil, fmt.Errorf("the swap is %s already", rq.State)
	}
	if p, ok := r.person(req.By); !ok || p.ID != rq.With {
		return nil, fmt.Errorf("only %s can answer this swap", rq.With)
	}
	if req.Accept {
		for _, o := range []team.Override{{Person: rq.With, From: rq.From, To: rq.To}, {Person: rq.By, From: rq.WithFrom, To: rq.WithTo}} {
			if err := r.team.CheckOverride(o, r.overrides); err != nil {
				return nil, err
			}
		}
	}
	return rq, nil
}

func (r *roster) request(id, kind string) *Request {
	for i := range r.requests {
		if r.requests[i].ID == id && r.requests[i].Kind == kind {
			return &r.requests[i]
		}
	}
	return nil
}

// notify posts what the requests still owe: the cover request in the
// channel, the swap's question by DM, and each outcome. A failure is
// tried again at the next wake.
func (r *roster) notify(ctx workflow.Context) {
	for i := range r.requests {
		rq := &r.requests[i]
		switch {
		case !rq.Asked && rq.State == RequestOpen:
			r.ask(ctx, rq)
		case rq.State != RequestOpen && !rq.Told:
			r.tell(ctx, rq)
		}
	}
}

// view renders the roster's posts, naming the team's people by their
// chat users.
func (r *roster) view() rosterview.Team {
	return rosterview.Team{Name: r.team.Name, Loc: r.loc, Group: r.team.Slack.UserGroup, ChatIDs: r.chatIDs}
}

func (r *roster) button(action, text, style string, rq *Request, command string) chat.Button {
	return chat.Button{ActionID: action, Text: text, Style: style, Value: contract.RequestButtonValue(r.team.Name, rq.ID), Command: command}
}

func (r *roster) ask(ctx workflow.Context, rq *Request) {
	key := fmt.Sprintf("roster/%s/%s/ask", r.team.Name, rq.ID)
	var res activities.PostMessageResult
	var err error
	if rq.Kind == RequestCover {
		text := r.view().CoverAsked(rq.By, rq.From, rq.To, rq.Note)
		err = workflow.ExecuteActivity(rosterActivity(ctx, "Ask the channel to cover "+rq.By), a.PostMessage, activities.PostMessageInput{
			Channel: r.team.Slack.Channel, Key: key, Text: text, Since: rq.From.Add(-30 * 24 * time.Hour),
			Buttons: []chat.Button{r.button(contract.CoverTakeAction, "I'll cover", "primary", rq,
				fmt.Sprintf("starter cover take --team %s --as PERSON %s", r.team.Name, rq.ID))},
		}).Get(ctx, &res)
	} else {
		user, ok := r.chatIDs[rq.With]
		if !ok {
			r.logger.Warn("the swap's other person is not in chat: they can answer with the starter", "request", rq.ID)
			rq.Asked = true
			return
		}
		text := r.view().SwapAsked(rq.By, rq.From, rq.To, rq.WithFrom, rq.WithTo)
		err = workflow.ExecuteActivity(rosterActivity(ctx, "Ask "+rq.With+" to swap"), a.SendDM, activities.SendDMInput{
			User: user, Key: key, Text: text, Since: workflow.Now(ctx).Add(-30 * 24 * time.Hour),
			Buttons: []chat.Button{
				r.button(contract.SwapAcceptAction, "Accept", "primary", rq, fmt.Sprintf("starter swap reply --team %s --as %s --accept %s", r.team.Name, rq.With, rq.ID)),
				r.button(contract.SwapDeclineAction, "Decline", "danger", rq, fmt.Sprintf("starter swap reply --team %s --as %s %s", r.team.Name, rq.With, rq.ID)),
			},
		}).Get(ctx, &res)
	}
	if err != nil {
		r.logger.Warn("could not ask", "request", rq.ID, "error", err)
		return
	}
	rq.Asked, rq.PostChannel, rq.PostTS = true, res.Channel, res.TS
}

// tell says how a request ended: the post loses its buttons and says
// who took it, and the requester hears it by DM.
func (r *roster) tell(ctx workflow.Context, rq *Request) {
	var outcome string
	switch {
	case rq.Kind == RequestCover:
		outcome = r.view().Covered(rq.TakenBy, rq.By, rq.From, rq.To)
	case rq.State == RequestDone:
		outcome = r.view().Swapped(rq.By, rq.With, rq.From, rq.To, rq.WithFrom, rq.WithTo)
	default:
		outcome = r.view().SwapDeclined(rq.With)
	}
	if rq.PostTS != "" {
		if err := workflow.ExecuteActivity(rosterActivity(ctx, "Close the request "+rq.ID), a.UpdateMessage, activities.UpdateMessageInput{
			Channel: rq.PostChannel, TS: rq.PostTS, Text: rosterview.Closed(outcome),
		}).Get(ctx, nil); err != nil {
			r.logger.Warn("could not close the request's post", "request", rq.ID, "error", err)
			return
		}
	}
	if user, ok := r.chatIDs[rq.By]; ok {
		if err := workflow.ExecuteActivity(rosterActivity(ctx, "Tell "+rq.By), a.SendDM, activities.SendDMInput{
			User: user, Key: fmt.Sprintf("roster/%s/%s/told", r.team.Name, rq.ID), Text: outcome, Since: workflow.Now(ctx).Add(-time.Hour),
		}).Get(ctx, nil); err != nil {
			r.logger.Warn("could not tell the requester", "request", rq.ID, "error", err)
			return
		}
	}
	if rq.Kind == RequestSwap && rq.State == RequestDone {
		if err := workflow.ExecuteActivity(rosterActivity(ctx, "Tell the channel of the swap"), a.PostMessage, activities.PostMessageInput{
			Channel: r.team.Slack.Channel, Key: fmt.Sprintf("roster/%s/%s/channel", r.team.Name, rq.ID), Text: outcome, Since: workflow.Now(ctx).Add(-time.Hour),
		}).Get(ctx, nil); err != nil {
			r.logger.Warn("could not tell the channel", "request", rq.ID, "error", err)
			return
		}
	}
	rq.Told = true
}

// knowPerson looks the team up in chat when `by` names nobody yet: a
// chat user the roster has not seen.
func (r *roster) knowPerson(ctx workflow.Context, by string) {
	if _, ok := r.person(by); !ok {
		r.resolveChat(ctx)
	}
}

// resolveChat finds the team's people in chat, for mentions, DMs, and
// presses that name a chat user.
func (r *roster) resolveChat(ctx workflow.Context) {
	var res activities.ResolveChatUsersResult
	if err := workflow.ExecuteActivity(rosterActivity(ctx, "Find the team in chat"), a.ResolveChatUsers,
		activities.ResolveChatUsersInput{People: r.team.People}).Get(ctx, &res); err != nil {
		r.logger.Warn("could not find the team in chat", "error", err)
		return
	}
	r.chatIDs = res.UserIDs
}
