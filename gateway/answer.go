package gateway

import (
	"errors"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/workflowerr"
)

// wording is how one kind of answer words the outcome of a change a person
// asked of a workflow (an incident's action, a handover's acceptance, a
// roster request, a page counted), in Slack, in a call or by SMS. Each
// answer keeps its own words; how an error is sorted is answer's alone.
type wording struct {
	// refused words the workflow's reason for refusing, as it gave it
	// ("already resolved by <@U0BOB>").
	refused func(reason string) string
	// unreachable words an incident that did not answer
	// (incidentclient.ErrUnreachable): trying again may do. Nil words it
	// as failed.
	unreachable func(err error) string
	// failed words any other error.
	failed func(err error) string
}

// answer words how a change went: err, sorted as the refusal, the silence
// or the failure it is; else ok's message. ok is called only when err is
// nil, so that it may read a result that is there only then.
func (w wording) answer(err error, ok func() string) string {
	switch {
	case errors.Is(err, workflowerr.ErrRefused):
		return w.refused(workflowerr.Reason(err))
	case errors.Is(err, incidentclient.ErrUnreachable) && w.unreachable != nil:
		return w.unreachable(err)
	case err != nil:
		return w.failed(err)
	}
	return ok()
}

// inSlack words an answer in Slack to a press or a command: an incident's
// or a handover's refusal as the workflow gives it, which says what
// stands ("already resolved by <@U0BOB>").
func (g *Gateway) inSlack() wording {
	return wording{refused: asGiven, failed: g.couldNotRecord}
}

// rosterInSlack words a roster request's answer in Slack: its refusals
// ("already taken by bob") are told as changing nothing.
func (g *Gateway) rosterInSlack() wording {
	return wording{
		refused: func(reason string) string { return "Nothing changed: " + reason },
		failed:  g.couldNotRecord,
	}
}

func asGiven(reason string) string { return reason }

// couldNotRecord logs a failure and tells the person only that it did not
// go through: Temporal's and the network's words are for whoever runs
// Baton, not for a Slack channel.
func (g *Gateway) couldNotRecord(err error) string {
	g.opts.Logger.Error("Slack: a change could not be recorded", "error", err)
	return "Baton could not record that. Try again, or use the starter."
}

// sayRefused words a refusal read out in a call.
func sayRefused(reason string) string {
	return "Nothing was changed: " + reason + ". Goodbye."
}
