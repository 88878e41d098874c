package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/phoneline"
)

// The phone line: one small workflow per phone, reached by the SMS and
// call activities with update-with-start, keeps the line's rule
// (package phoneline) in Temporal. Every worker asks the same line, so
// two workers bundle a storm as one does, and a worker killed mid-storm
// forgets nothing of what was held or carried. Updates are taken one at a
// time, in order: a turn is decided on the whole line. A run ends once the
// line holds nothing that matters (phoneline.Line.Forgotten); the next SMS
// or call starts a new one.

// phoneLineRunUpdates is how many updates a run takes before it continues
// as new, so that a line busy for days keeps a short history.
const phoneLineRunUpdates = 500

// phoneLineLingers is the least a line's run waits for its next update:
// an empty line is not ended before the update that started it is taken.
const phoneLineLingers = time.Minute

// PhoneLine is the line of one phone; it starts from the line the run
// before it handed over, or an empty one.
func PhoneLine(ctx workflow.Context, line phoneline.Line) error {
	if workflow.GetVersion(ctx, contract.PhoneLineDoneChange, workflow.DefaultVersion, 1) >= 1 {
		line.RemembersDone = true
	}
	pl := &phoneLine{line: line}
	if err := workflow.SetUpdateHandler(ctx, contract.PhoneLineSMSUpdate, pl.sms); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, contract.PhoneLineSentUpdate, pl.sent); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, contract.PhoneLineCallUpdate, pl.call); err != nil {
		return err
	}
	for {
		if pl.updates >= phoneLineRunUpdates || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, contract.PhoneLineWorkflowName, pl.line)
		}
		// Wait until the line holds nothing that matters, and at least a
		// moment: an update that started the run is taken once the run
		// first waits.
		seen, now := pl.updates, workflow.Now(ctx)
		forgotten := pl.line.Forgotten(now)
		woke, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: max(forgotten.Sub(now), phoneLineLingers), TimerOptions: workflow.TimerOptions{Summary: "Until the line holds nothing"},
		}, func() bool { return pl.updates != seen })
		if err != nil {
			return err
		}
		if !woke && !pl.line.Forgotten(workflow.Now(ctx)).After(workflow.Now(ctx)) && workflow.AllHandlersFinished(ctx) {
			return nil
		}
	}
}

type phoneLine struct {
	line    phoneline.Line
	updates int
}

func (pl *phoneLine) sms(ctx workflow.Context, req phoneline.SMSRequest) (phoneline.SMSTurn, error) {
	pl.updates++
	return pl.line.SMS(workflow.Now(ctx), req), nil
}

func (pl *phoneLine) sent(ctx workflow.Context, req phoneline.SMSSent) error {
	pl.updates++
	pl.line.Sent(workflow.Now(ctx), req)
	return nil
}

func (pl *phoneLine) call(ctx workflow.Context, req phoneline.CallRequest) (phoneline.CallTurn, error) {
	pl.updates++
	return pl.line.Call(workflow.Now(ctx), req), nil
}
