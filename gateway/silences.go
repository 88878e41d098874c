package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/silence"
	"github.com/baton-oncall/baton/silenceclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// /baton silence: set, list and remove the silences of the channel's team
// (or the team named first), for planned work. Only a person of the team
// may, from Baton's own workspace; the channel hears of each silence from
// the team's Silences workflow, which keeps them.

// silenceCommand: /baton silence [team] <key=value>... <duration> [note],
// /baton silence [team] list, /baton silence [team] remove <id>.
func (g *Gateway) silenceCommand(cmd SlashCommand, rest string) commandWork {
	usage := fmt.Sprintf("usage: `%s silence [team] <key=value>... <for> [note]`, e.g. `%s silence service=orders 2h warehouse migration`; "+
		"`%s silence list`; `%s silence remove <id>`", cmd.name(), cmd.name(), cmd.name(), cmd.name())
	first, after := cutWord(rest)
	t, named := g.teams().Team(strings.ToLower(first))
	if named {
		rest = after
	} else {
		var err error
		if t, err = g.commandTeam(cmd, ""); err != nil {
			return answerNow(ephemeral(err.Error()))
		}
	}
	verb, args := cutWord(rest)
	switch strings.ToLower(verb) {
	case "":
		return answerNow(ephemeral(usage))
	case "list":
		return g.silenceList(cmd, t)
	case "remove":
		id, extra := cutWord(args)
		if id == "" || extra != "" {
			return answerNow(ephemeral(usage))
		}
		return g.silenceRemove(cmd, t, id)
	}
	req, err := parseSilence(rest)
	if err != nil {
		return answerNow(ephemeral(escapeMrkdwn(err.Error()) + ". " + usage))
	}
	return func(ctx context.Context) slackMessage {
		p, why := g.personOf(ctx, cmd.UserID, []team.Team{t}, "people of team "+t.Name, "silence its alerts")
		if why != "" {
			return ephemeral(why)
		}
		req.By, req.ByChat = p.ID, cmd.UserID
		s, err := silenceclient.Add(ctx, g.opts.Temporal, t, req)
		return ephemeral(g.rosterInSlack().answer(err, func() string {
			return fmt.Sprintf("Silence %s set: alerts of %s matching %s page nobody until %s. %s hears of it too.",
				s.ID, t.Name, mrkdwn.Code(s.Describe()), g.teamWhen(t, s.Until), channelRef(t.Slack.Channel))
		}))
	}
}

// parseSilence reads "<key=value>... <for> [note]".
func parseSilence(text string) (workflows.AddSilence, error) {
	var req workflows.AddSilence
	words := strings.Fields(text)
	n := 0
	for n < len(words) && strings.Contains(words[n], "=") {
		n++
	}
	matchers, err := silence.ParseMatchers(words[:n])
	if err != nil {
		return req, err
	}
	if n == len(words) {
		return req, fmt.Errorf("say for how long, after the matchers: 2h, 90m")
	}
	span, err := time.ParseDuration(words[n])
	if err != nil || span <= 0 {
		return req, fmt.Errorf("%q is not a duration such as 2h or 90m", words[n])
	}
	req.Matchers, req.For, req.Note = matchers, span, strings.Join(words[n+1:], " ")
	return req, nil
}

func (g *Gateway) silenceList(cmd SlashCommand, t team.Team) commandWork {
	return func(ctx context.Context) slackMessage {
		if why := g.isPerson(ctx, cmd.UserID, []team.Team{t}, "people of team "+t.Name, "see its silences"); why != "" {
			return ephemeral(why)
		}
		list, err := silenceclient.List(ctx, g.opts.Temporal, t.Name)
		if err != nil {
			return ephemeral(g.couldNotRecord(err))
		}
		now := g.opts.Now()
		var lines []string
		for _, s := range list {
			if !s.ActiveAt(now) {
				continue
			}
			line := fmt.Sprintf("• %s %s until %s", s.ID, mrkdwn.Code(s.Describe()), g.teamWhen(t, s.Until))
			if s.Note != "" {
				line += " (" + escapeMrkdwn(oneLine(s.Note)) + ")"
			}
			lines = append(lines, line)
		}
		if len(lines) == 0 {
			return ephemeral(fmt.Sprintf("No silence holds the alerts of %s now.", t.Name))
		}
		return ephemeral(fmt.Sprintf("Silences of %s:\n%s", t.Name, strings.Join(lines, "\n")))
	}
}

func (g *Gateway) silenceRemove(cmd SlashCommand, t team.Team, id string) commandWork {
	return func(ctx context.Context) slackMessage {
		p, why := g.personOf(ctx, cmd.UserID, []team.Team{t}, "people of team "+t.Name, "remove its silences")
		if why != "" {
			return ephemeral(why)
		}
		s, err := silenceclient.Remove(ctx, g.opts.Temporal, t.Name, workflows.RemoveSilence{ID: id, By: p.ID, ByChat: cmd.UserID})
		return ephemeral(g.rosterInSlack().answer(err, func() string {
			return fmt.Sprintf("Silence %s removed: alerts of %s matching %s page again.", s.ID, t.Name, mrkdwn.Code(s.Describe()))
		}))
	}
}

// teamWhen is an instant on the team's clock.
func (g *Gateway) teamWhen(t team.Team, at time.Time) string {
	loc, err := t.Location()
	if err != nil {
		loc = time.UTC
	}
	return at.In(loc).Format(whenLayout)
}
