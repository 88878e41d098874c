package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/workflows"
)

// whenLayout is how an answer shows an instant, in the team's zone.
const whenLayout = "Mon 2 Jan 15:04 MST"

// rosterPress is a press on a cover request's "I'll cover" or a swap's
// Accept or Decline; its value is "<team>/<request ID>".
func (g *Gateway) rosterPress(press SlackAction) (func(ctx context.Context), error) {
	teamName, id, ok := strings.Cut(press.Value, "/")
	if !ok || teamName == "" || id == "" {
		return nil, errors.New("the button names no team and request: value " + press.Value)
	}
	t, err := g.team(teamName)
	if err != nil {
		return nil, err
	}
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var rq workflows.Request
		var err error
		if press.ActionID == workflows.CoverTakeAction {
			rq, err = rosterclient.TakeCover(ctx, g.opts.Temporal, teamName, workflows.TakeCover{ID: id, By: press.UserID})
		} else {
			rq, err = rosterclient.ReplySwap(ctx, g.opts.Temporal, teamName, workflows.ReplySwap{ID: id, By: press.UserID, Accept: press.ActionID == workflows.SwapAcceptAction})
		}
		var text string
		switch {
		case errors.Is(err, rosterclient.ErrRefused):
			text = "Nothing changed: " + strings.TrimPrefix(err.Error(), rosterclient.ErrRefused.Error()+": ")
		case err != nil:
			text = "Baton could not record that: " + err.Error() + ". Try again, or use the starter."
		case rq.Kind == workflows.RequestCover:
			text = fmt.Sprintf("Thank you: you hold the pager of %s from %s to %s.", teamName, rq.From.In(loc).Format(whenLayout), rq.To.In(loc).Format(whenLayout))
		case rq.State == workflows.RequestDone:
			text = "Swapped. The channel has been told."
		default:
			text = "Declined; " + rq.By + " will hear it."
		}
		g.respond(ctx, press.ResponseURL, text)
	}, nil
}
