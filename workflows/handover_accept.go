package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

// A handover proves that the incoming person's phone rings: they get a
// test page (an SMS or a call) and a DM with an Accept button, and have
// the team's accept_within (30 minutes by default) to accept by reply, key
// or button. Until they do, @data-oncall keeps the outgoing person beside
// them, so that nobody is left without a working pager; past the
// deadline the channel is told and the fallback (or the outgoing person)
// is paged. A late acceptance still narrows the group to the incoming
// person. The test's phone and chat parts run side by side, so a Slack
// outage does not hold the test page back, nor a phone outage the post.

// Acceptance outcomes.
const (
	AcceptanceWaiting  = "waiting"
	AcceptanceAccepted = "accepted"
	AcceptanceLate     = "accepted-late"
	AcceptanceNever    = "not-accepted"
)

// HandoverAcceptance is how the incoming person accepted the handover.
// Empty when the handover tested nobody's phone (test_page: none, or
// nobody incoming has a number).
type HandoverAcceptance struct {
	// TestPage is how their phone was tested: sms or call; People are
	// the incoming people asked to accept.
	TestPage    string    `json:"test_page,omitempty"`
	People      []string  `json:"people,omitempty"`
	Acceptance  string    `json:"acceptance,omitempty"`
	AcceptBy    time.Time `json:"accept_by,omitzero"`
	AcceptedAt  time.Time `json:"accepted_at,omitzero"`
	AcceptedBy  string    `json:"accepted_by,omitempty"`
	AcceptedVia string    `json:"accepted_via,omitempty"`
}

// AcceptRequest accepts a handover. By is a person ID, or the chat user
// ID of a button press; Via says how ("phone", "slack", "starter").
type AcceptRequest struct {
	By  string `json:"by"`
	Via string `json:"via"`
}

// AcceptResult says what the acceptance did, for the person to read.
type AcceptResult struct {
	Message string `json:"message"`
}

// lateAcceptanceMargin ends the wait for a late acceptance before the next
// handover, which a schedule would skip while this run still runs.
const lateAcceptanceMargin = 5 * time.Minute

// acceptance is the state of one handover's test.
type acceptance struct {
	// tested are the incoming people asked to accept.
	tested []team.Person
	// groupSet is set once the handover's own group update is done, so
	// that narrowing the group cannot run before it.
	groupSet bool
}

// acceptanceVersion marks runs that test the incoming phone; older
// histories replay without it.
func acceptanceVersion(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, contract.HandoverAcceptanceChange, workflow.DefaultVersion, 1) == 1
}

// registerAccept takes acceptances as an update, validated against the
// handover's state before anything is written to history.
func (h *handover) registerAccept(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.HandoverAcceptUpdate, h.accept,
		workflow.UpdateHandlerOptions{Validator: func(req AcceptRequest) error {
			_, err := h.checkAccept(req)
			return err
		}})
}

// checkAccept refuses an acceptance that cannot be taken, with a reason a
// person can read, and names the person who accepts.
func (h *handover) checkAccept(req AcceptRequest) (team.Person, error) {
	acc := h.res.HandoverAcceptance
	switch {
	case len(h.acc.tested) == 0:
		return team.Person{}, errors.New("this handover asks nobody to accept it")
	case !acc.AcceptedAt.IsZero():
		return team.Person{}, fmt.Errorf("already accepted by %s at %s", acc.AcceptedBy, h.when(acc.AcceptedAt))
	}
	for _, p := range h.acc.tested {
		if req.By == p.ID || (req.By != "" && h.chatIDs[p.ID] == req.By) {
			return p, nil
		}
	}
	return team.Person{}, fmt.Errorf("only %s, who takes the pager, can accept this handover", rosterview.Labels(team.IDs(h.acc.tested), ""))
}

func (h *handover) accept(ctx workflow.Context, req AcceptRequest) (AcceptResult, error) {
	p, err := h.checkAccept(req)
	if err != nil {
		return AcceptResult{}, err
	}
	now := workflow.Now(ctx)
	acc := &h.res.HandoverAcceptance
	acc.AcceptedAt, acc.AcceptedBy, acc.AcceptedVia = now, p.ID, req.Via
	acc.Acceptance = AcceptanceAccepted
	if now.After(acc.AcceptBy) {
		acc.Acceptance = AcceptanceLate
	}
	return AcceptResult{Message: fmt.Sprintf("Accepted: you are on call for %s until %s", h.team.Name, h.when(h.res.ShiftEnd))}, nil
}

func (h *handover) accepted() bool { return !h.res.AcceptedAt.IsZero() }

// testedPeople are the incoming people whose phone the handover tests.
func (h *handover) testedPeople(onCall []team.Person) []team.Person {
	var out []team.Person
	for _, p := range onCall {
		if h.team.Handover.TestPageFor(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// acceptedBefore takes the acceptance of an earlier run of this shift's
// handover, so that a rerun does not test the phone again, nor put the
// outgoing person back in the group.
func (h *handover) acceptedBefore(ctx workflow.Context) error {
	var r activities.HandoverAcceptedResult
	err := workflow.ExecuteActivity(withActivity(ctx, "Look for an earlier acceptance of this shift"),
		a.HandoverAccepted, activities.HandoverAcceptedInput{
			WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, MemoKey: contract.HandoverAcceptanceMemoKey,
		}).Get(ctx, &r)
	if err != nil || r.Memo == nil {
		return err
	}
	var before HandoverAcceptance
	if err := json.Unmarshal(r.Memo, &before); err != nil || before.AcceptedAt.IsZero() {
		// An unreadable or unaccepted earlier run leaves the test to this one.
		return nil
	}
	h.res.HandoverAcceptance = before
	return nil
}

// startAcceptance sends the test pages and waits for the acceptance in the
// background; the returned future is ready when the wait is over.
func (h *handover) startAcceptance(ctx workflow.Context, outgoing []team.Person) workflow.Future {
	f, done := workflow.NewFuture(ctx)
	start := h.now
	if start.Before(h.res.ShiftStart) {
		start = h.res.ShiftStart
	}
	acc := &h.res.HandoverAcceptance
	acc.AcceptBy = start.Add(h.team.Handover.AcceptDeadline()).In(h.loc)
	acc.Acceptance = AcceptanceWaiting
	acc.People = team.IDs(h.acc.tested)
	for _, p := range h.acc.tested {
		acc.TestPage = h.team.Handover.TestPageFor(p)
		workflow.Go(ctx, func(ctx workflow.Context) { h.testPage(ctx, p) })
	}
	h.upsertAcceptance(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		done.Set(nil, h.awaitAcceptance(ctx, outgoing))
	})
	return f
}

// testPage sends p the test page, retried until the deadline; one that
// cannot be sent is a warning, and the Accept button still works.
func (h *handover) testPage(ctx workflow.Context, p team.Person) {
	kind := h.team.Handover.TestPageFor(p)
	if p.Phone == "" {
		h.res.Warnings = append(h.res.Warnings, fmt.Sprintf("%s has no phone number: no test %s was sent; they can accept with the button", p.ID, kind))
		return
	}
	within := h.res.AcceptBy.Sub(workflow.Now(ctx))
	opts := workflow.WithTaskQueue(withQuickActivity(ctx, "Test "+p.ID+"'s phone: "+kind, within), contract.PhoneTaskQueue)
	key := h.key("test-page/" + p.ID)
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	var err error
	if kind == team.TestPageCall {
		err = workflow.ExecuteActivity(opts, a.PlaceCall, activities.PlaceCallInput{
			To: p.Phone, Key: key, Since: h.since(), Handover: id, Person: p.ID,
			Say: fmt.Sprintf("This is Baton, testing your phone for the %s handover. You are on call until %s.", h.team.Name, h.spoken(h.res.ShiftEnd)),
		}).Get(ctx, nil)
	} else {
		err = workflow.ExecuteActivity(opts, a.SendSMS, activities.SendSMSInput{
			To: p.Phone, Key: key, Since: h.since(), Handover: id,
			Body: fmt.Sprintf("Baton: you are on call for %s from now until %s.", h.team.Name, h.when(h.res.ShiftEnd)),
		}).Get(ctx, nil)
	}
	if err != nil {
		h.res.Warnings = append(h.res.Warnings, fmt.Sprintf("the test %s to %s could not be sent: %s", kind, p.ID, workflowerr.Message(err)))
		h.logger.Warn("handover test page failed", "person", p.ID, "error", err)
	}
}

// awaitAcceptance waits for the acceptance until the deadline, then tells
// the channel and pages the fallback, and waits on for a late one until
// just before the shift ends.
func (h *handover) awaitAcceptance(ctx workflow.Context, outgoing []team.Person) error {
	if ok, err := workflow.AwaitWithTimeout(ctx, h.res.AcceptBy.Sub(workflow.Now(ctx)), h.accepted); err != nil || ok {
		if err != nil {
			return err
		}
		return h.onAccepted(ctx)
	}
	h.notAccepted(ctx, outgoing)
	lateEnd := h.res.ShiftEnd.Add(-lateAcceptanceMargin)
	if ok, err := workflow.AwaitWithTimeout(ctx, lateEnd.Sub(workflow.Now(ctx)), h.accepted); err != nil || ok {
		if err != nil {
			return err
		}
		return h.onAccepted(ctx)
	}
	h.res.Acceptance = AcceptanceNever
	h.upsertAcceptance(ctx)
	return nil
}

// onAccepted tells the channel and narrows the group to the incoming
// person, once the handover's own group update is done.
func (h *handover) onAccepted(ctx workflow.Context) error {
	h.upsertAcceptance(ctx)
	acc := h.res.HandoverAcceptance
	p, _ := h.team.Person(acc.AcceptedBy)
	var late time.Duration
	if acc.Acceptance == AcceptanceLate {
		late = acc.AcceptedAt.Sub(acc.AcceptBy)
	}
	text := h.view().Accepted(p, acc.AcceptedAt, acc.AcceptedVia, late)
	if err := workflow.ExecuteActivity(withActivity(ctx, "Post that "+p.ID+" accepted"), a.PostMessage, activities.PostMessageInput{
		Channel: h.team.Slack.Channel, Key: h.key("accepted"), Text: text, Since: h.since(),
	}).Get(ctx, nil); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return h.acc.groupSet }); err != nil {
		return err
	}
	if h.res.Status == HandoverUnmapped {
		return nil
	}
	return h.updateGroup(ctx, append(slices.Clone(h.onCall), h.permanentMembers()...))
}

// notAccepted tells the channel that the deadline passed, and pages the
// fallback, or the outgoing person, who stays in the group.
func (h *handover) notAccepted(ctx workflow.Context, outgoing []team.Person) {
	who := rosterview.Labels(team.IDs(h.acc.tested), "")
	h.res.Warnings = append(h.res.Warnings, fmt.Sprintf("%s did not accept the handover by %s", who, h.when(h.res.AcceptBy)))
	var keeping []team.Person
	if len(outgoing) > 0 && !slices.Equal(team.IDs(outgoing), team.IDs(h.acc.tested)) {
		keeping = outgoing
	}
	backup, ok := h.team.Person(h.team.Fallback)
	if !ok || slices.Contains(team.IDs(h.acc.tested), backup.ID) {
		backup, ok = team.Person{}, false
		for _, o := range outgoing {
			if !slices.Contains(team.IDs(h.acc.tested), o.ID) {
				backup, ok = o, true
				break
			}
		}
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		var paging *team.Person
		if ok {
			paging = &backup
		}
		text := h.view().NotAccepted(h.acc.tested, h.res.AcceptBy, keeping, paging)
		if err := workflow.ExecuteActivity(withActivity(ctx, "Tell the channel the handover is not accepted"), a.PostMessage, activities.PostMessageInput{
			Channel: h.team.Slack.Channel, Key: h.key("not-accepted"), Text: text, Since: h.since(),
		}).Get(ctx, nil); err != nil {
			h.logger.Warn("could not tell the channel that the handover is not accepted", "error", err)
		}
	})
	if !ok {
		return
	}
	text := fmt.Sprintf("Baton: %s has not accepted the %s handover, so their phone is not proven to ring. Please reach them; you stay in @%s meanwhile.",
		who, h.team.Name, h.view().GroupName())
	if backup.Phone != "" {
		workflow.Go(ctx, func(ctx workflow.Context) {
			opts := workflow.WithTaskQueue(withQuickActivity(ctx, "Page "+backup.ID+": the handover is not accepted", time.Hour), contract.PhoneTaskQueue)
			if err := workflow.ExecuteActivity(opts, a.SendSMS, activities.SendSMSInput{
				To: backup.Phone, Key: h.key("not-accepted/" + backup.ID), Since: h.since(), Body: text,
			}).Get(ctx, nil); err != nil {
				h.res.Warnings = append(h.res.Warnings, fmt.Sprintf("could not page %s that the handover is not accepted: %s", backup.ID, workflowerr.Message(err)))
			}
		})
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := workflow.Await(ctx, func() bool { return h.acc.groupSet }); err != nil {
			return
		}
		user, found := h.chatIDs[backup.ID]
		if !found {
			return
		}
		if err := workflow.ExecuteActivity(withActivity(ctx, "DM "+backup.ID+": the handover is not accepted"), a.SendDM, activities.SendDMInput{
			User: user, Key: h.key("not-accepted-dm/" + backup.ID), Text: text, Since: h.since(),
		}).Get(ctx, nil); err != nil {
			h.logger.Warn("could not DM the fallback", "error", err)
		}
	})
}

// upsertAcceptance keeps the acceptance in the memo, where the Web UI, the
// gateway and the weekly summary read it.
func (h *handover) upsertAcceptance(ctx workflow.Context) {
	if err := workflow.UpsertMemo(ctx, map[string]any{contract.HandoverAcceptanceMemoKey: h.res.HandoverAcceptance}); err != nil {
		h.logger.Warn("could not record the acceptance in the memo", "error", err)
	}
}

// acceptButton is the DM's Accept button.
func (h *handover) acceptButton(ctx workflow.Context, p team.Person) []chat.Button {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	return []chat.Button{{ActionID: contract.HandoverAcceptAction, Text: "Accept", Value: id, Style: "primary",
		Command: fmt.Sprintf("starter handover accept --as %s %s", p.ID, id)}}
}

// spoken is an instant as a call reads it: "Monday 7 December at 09:00".
func (h *handover) spoken(t time.Time) string {
	return t.In(h.loc).Format("Monday 2 January at 15:04")
}
