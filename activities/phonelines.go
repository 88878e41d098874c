package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/phone"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/phoneline"
)

// In a storm, forty incidents must not text one person forty times: each
// phone is a line that takes one SMS a minute and one call in two from
// different incidents, and bundles what waits (package phoneline). The
// SMS and call activities ask the line for their turn before they send,
// and say how the SMS went after.

// Lines is where the phones' lines are kept.
type Lines interface {
	// SMS asks for an SMS's turn on the line of number.
	SMS(ctx context.Context, number string, req phoneline.SMSRequest) (phoneline.SMSTurn, error)
	// Sent says how an SMS that had its turn went.
	Sent(ctx context.Context, number string, req phoneline.SMSSent) error
	// Call asks for a call's turn on the line of number.
	Call(ctx context.Context, number string, req phoneline.CallRequest) (phoneline.CallTurn, error)
}

// TemporalLines keeps each line in Temporal, in a PhoneLine workflow
// reached by update-with-start, so that every worker asks the same line
// and a restart forgets nothing.
type TemporalLines struct {
	Client client.Client
	// Secret keys the lines' workflow IDs (contract.PhoneLineKey), so
	// that they do not give the numbers away. Lines follow it: a new
	// secret starts new lines, and a storm under way at that moment may
	// send one SMS more.
	Secret []byte
}

func (t TemporalLines) SMS(ctx context.Context, number string, req phoneline.SMSRequest) (turn phoneline.SMSTurn, err error) {
	return turn, t.ask(ctx, number, contract.PhoneLineSMSUpdate, req, &turn)
}

func (t TemporalLines) Sent(ctx context.Context, number string, req phoneline.SMSSent) error {
	return t.ask(ctx, number, contract.PhoneLineSentUpdate, req, nil)
}

func (t TemporalLines) Call(ctx context.Context, number string, req phoneline.CallRequest) (turn phoneline.CallTurn, err error) {
	return turn, t.ask(ctx, number, contract.PhoneLineCallUpdate, req, &turn)
}

// ask sends the update to the line of number, starting the line if it has
// none running, and waits for its answer.
func (t TemporalLines) ask(ctx context.Context, number, update string, arg, result any) error {
	start := t.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       contract.PhoneLineWorkflowID(contract.PhoneLineKey(t.Secret, number)),
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "A phone's line: what was sent to it lately, and what waits to go with the next SMS",
	}, contract.PhoneLineWorkflowName, phoneline.Line{})
	h, err := t.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   update,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	if err != nil {
		return fmt.Errorf("the phone's line: %w", err)
	}
	return nil
}

// headlineMost bounds one carried page's headline in a bundle, so that one
// long summary does not crowd out the others.
const headlineMost = 160

// smsText is the text of an SMS: its page, the held pages it carries, and
// how to answer, in at most phone.MaxSMSBody characters. The instructions
// stay whole; the page is cut when it alone is too long, keeping room to
// count what it carries; the carried pages are listed while they fit, each
// headline cut to headlineMost, and "and N more" counts the rest.
func smsText(body string, carry []phoneline.Held, answer string) string {
	room := phone.MaxSMSBody - phone.Length(answer)
	if len(carry) == 0 {
		return phone.Cut(body, room) + answer
	}
	n := len(carry)
	intro := fmt.Sprintf(" Also firing (%d more): ", n)
	body = phone.Cut(body, room-phone.Length(intro)-phone.Length(fmt.Sprintf("and %d more", n)))
	room -= phone.Length(body) + phone.Length(intro)
	var list strings.Builder
	for i, h := range carry {
		item := phone.Cut(h.Headline, headlineMost)
		if i > 0 {
			item = "; " + item
		}
		more := ""
		if left := n - i - 1; left > 0 {
			more = fmt.Sprintf("; and %d more", left)
		}
		// What was listed so far left room for "and N more" of the rest.
		if phone.Length(list.String()+item+more) > room {
			if i > 0 {
				list.WriteString("; ")
			}
			fmt.Fprintf(&list, "and %d more", n-i)
			break
		}
		list.WriteString(item)
	}
	return body + intro + list.String() + answer
}

// errHeld asks Temporal to try a held SMS again when the line is free.
func errHeld(wait time.Duration) error {
	return temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("held for the next SMS to this person, in %s", wait.Round(time.Second)), "PhoneLineBusy",
		temporal.ApplicationErrorOptions{NextRetryDelay: wait})
}

// heldChecks bounds how many incidents a bundle asks about at once, and
// heldCheckWithin how long it asks: the SMS that carries them waits.
const (
	heldChecks      = 8
	heldCheckWithin = 5 * time.Second
)

// overSteps asks Temporal which held SMS of a bundle are over: their
// incident was acknowledged or resolved (which cancels its SMS), or their
// step ended, so that their activity is no longer pending in its run. In
// doubt (Temporal does not answer in time) an SMS is carried: a page
// named twice is better than one not named.
func (a *Activities) overSteps(ctx context.Context, held []phoneline.Held) map[string]bool {
	if a.Temporal == nil || len(held) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, heldCheckWithin)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		over = map[string]bool{}
		sem  = make(chan struct{}, heldChecks)
	)
	for _, h := range held {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if a.stepOver(ctx, h) {
				mu.Lock()
				over[h.Key] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return over
}

// stepOver reports whether a held SMS's activity is no longer pending: its
// run is gone or closed, or the activity is done or being cancelled.
func (a *Activities) stepOver(ctx context.Context, h phoneline.Held) bool {
	if h.Asker.Activity == "" {
		return false
	}
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, h.Incident, h.Asker.Run)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return true
	case err != nil:
		return false
	case desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return true
	}
	for _, p := range desc.GetPendingActivities() {
		if p.GetActivityId() == h.Asker.Activity {
			return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
		}
	}
	return true
}
