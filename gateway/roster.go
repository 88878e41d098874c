package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/rosterclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// whenLayout is how an answer shows an instant, in the team's zone.
const whenLayout = "Mon 2 Jan 15:04 MST"

// needCoverPress is the handover DM's Need cover: a cover request for the
// presser, from now (or the shift's start) to the shift's end.
func (g *Gateway) needCoverPress(press SlackAction) (func(ctx context.Context), error) {
	teamName, start, end, err := contract.ParseNeedCoverValue(press.Value)
	if err != nil {
		return nil, err
	}
	return g.rosterPressWork(press, teamName, func(ctx context.Context, t team.Team, loc *time.Location) string {
		from := start
		if now := g.opts.Now().Truncate(time.Minute); now.After(from) {
			from = now
		}
		rq, err := rosterclient.AskCover(ctx, g.opts.Temporal, t, workflows.AskCover{Person: press.UserID, From: from, To: end})
		return g.rosterInSlack().answer(err, func() string {
			return fmt.Sprintf("Asked the team to cover you from %s to %s (%s).", rq.From.In(loc).Format(whenLayout), rq.To.In(loc).Format(whenLayout), rq.ID)
		})
	})
}

// rosterPress is a press on a cover request's "I'll cover" or a swap's
// Accept or Decline; its value is a contract.RequestButtonValue.
func (g *Gateway) rosterPress(press SlackAction) (func(ctx context.Context), error) {
	teamName, id, err := contract.ParseRequestButtonValue(press.Value)
	if err != nil {
		return nil, err
	}
	return g.rosterPressWork(press, teamName, func(ctx context.Context, _ team.Team, loc *time.Location) string {
		var rq workflows.Request
		var err error
		if press.ActionID == contract.CoverTakeAction {
			rq, err = rosterclient.TakeCover(ctx, g.opts.Temporal, teamName, workflows.TakeCover{ID: id, By: press.UserID})
		} else {
			rq, err = rosterclient.ReplySwap(ctx, g.opts.Temporal, teamName, workflows.ReplySwap{ID: id, By: press.UserID, Accept: press.ActionID == contract.SwapAcceptAction})
		}
		return g.rosterInSlack().answer(err, func() string {
			switch {
			case rq.Kind == workflows.RequestCover:
				return fmt.Sprintf("Thank you: you hold the pager of %s from %s to %s.", teamName, rq.From.In(loc).Format(whenLayout), rq.To.In(loc).Format(whenLayout))
			case rq.State == workflows.RequestDone:
				return "Swapped. The channel has been told."
			}
			return "Declined; " + rq.By + " will hear it."
		})
	})
}

// rosterPressWork is what a press on one of team teamName's roster buttons
// does: the team and its zone are looked up at once, so that a press
// naming no team is refused before anything is done; then, within Slack's
// time, work runs if the presser is one of the team's people, and the
// presser is told its answer, or why they may not.
func (g *Gateway) rosterPressWork(press SlackAction, teamName string, work func(ctx context.Context, t team.Team, loc *time.Location) string) (func(ctx context.Context), error) {
	t, err := g.team(teamName)
	if err != nil {
		return nil, err
	}
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
		defer cancel()
		if why := g.isRosterPerson(ctx, press.UserID, t); why != "" {
			g.respond(ctx, press.ResponseURL, why)
			return
		}
		g.respond(ctx, press.ResponseURL, work(ctx, t, loc))
	}, nil
}

// coverCommand: /baton cover <from> <to> [note], in the channel's team:
// a cover request for the one who asks, with times on the team's wall
// clock (2026-12-08T18:00).
func (g *Gateway) coverCommand(cmd SlashCommand, rest string) commandWork {
	usage := fmt.Sprintf("usage: `%s cover <from> <to> [note]`, times on the team's clock, e.g. `%s cover 2026-12-08T18:00 2026-12-09T09:00 dentist`", cmd.name(), cmd.name())
	fromText, rest := cutWord(rest)
	toText, note := cutWord(rest)
	t, err := g.commandTeam(cmd, "")
	if err != nil {
		return answerNow(ephemeral(err.Error()))
	}
	loc, err := t.Location()
	if err != nil {
		return answerNow(ephemeral(err.Error()))
	}
	from, err1 := time.ParseInLocation("2006-01-02T15:04", fromText, loc)
	to, err2 := time.ParseInLocation("2006-01-02T15:04", toText, loc)
	if err1 != nil || err2 != nil {
		return answerNow(ephemeral(usage))
	}
	return func(ctx context.Context) slackMessage {
		if why := g.isRosterPerson(ctx, cmd.UserID, t); why != "" {
			return ephemeral(why)
		}
		rq, err := rosterclient.AskCover(ctx, g.opts.Temporal, t, workflows.AskCover{Person: cmd.UserID, From: from, To: to, Note: note})
		return ephemeral(g.rosterInSlack().answer(err, func() string {
			return fmt.Sprintf("Asked %s to cover you from %s to %s (%s).", channelRef(t.Slack.Channel), from.Format(whenLayout), to.Format(whenLayout), rq.ID)
		}))
	}
}

// isRosterPerson says why user may not ask for, take or answer cover and
// swaps in team t; "" when they may, as a person of t. The roster checks
// who holds which shift; this keeps anyone else from reaching it.
func (g *Gateway) isRosterPerson(ctx context.Context, user string, t team.Team) string {
	return g.isPerson(ctx, user, []team.Team{t}, "people of team "+t.Name, "cover or swap its shifts")
}
