package gateway

// Support requests (package support): someone asks the person on call for
// help, and a SupportRequest workflow follows it (supportclient). Three
// ways in, all from Baton's own workspace:
//
//   - the team's reaction (support.reaction, default ticket) on a message
//     of its support channel, an Events API event (events.go);
//   - the message shortcut "Ask on-call" on any message of a team's
//     channel or support channel, an interaction of type message_action;
//   - /baton ask [team] <text>, which the request posts itself.
//
// Anyone of the workspace may ask. Take and Done, the buttons of the
// request's post, are for people of its team.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/support"
	"github.com/baton-oncall/baton/supportclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// --- The reaction ---

// reactionAdded opens the support request of a message that got the
// reaction of the team whose support channel it is in. A reaction of
// another emoji, in another channel, or on Baton's own post opens
// nothing.
func (g *Gateway) reactionAdded(ctx context.Context, e InnerEvent) (string, error) {
	if ws, _ := g.workspace(); ws.BotUserID != "" && e.ItemUser == ws.BotUserID {
		return "ignored: a reaction on Baton's own post", nil
	}
	if !contract.ValidSlackChannelID(e.ItemChannel) || !contract.ValidSlackTS(e.ItemTS) {
		return fmt.Sprintf("ignored: %q %q names no message Baton can follow", e.ItemChannel, e.ItemTS), nil
	}
	var t team.Team
	var found bool
	for _, c := range g.teams().Teams {
		if c.Slack.SupportChannel == "" || e.Reaction != c.SupportReaction() && reactionName(e.Reaction) != c.SupportReaction() {
			continue
		}
		is, err := g.isChannel(ctx, c.Slack.SupportChannel, e.ItemChannel, "")
		if err != nil {
			return "", fmt.Errorf("%w: %w", errEventRetry, err)
		}
		if is {
			t, found = c, true
			break
		}
	}
	if !found {
		return "ignored: :" + e.Reaction + ": in " + e.ItemChannel + " is no team's support reaction in its support channel", nil
	}
	id := contract.SupportMessageID(t.Name, e.ItemChannel, e.ItemTS)
	err := supportclient.Open(ctx, g.opts.Temporal, t, id, workflows.SupportInput{Read: true, Request: support.Request{
		Channel: e.ItemChannel, TS: e.ItemTS, Asker: e.ItemUser, OpenedBy: e.User, Via: support.ViaReaction,
	}})
	switch {
	case errors.Is(err, supportclient.ErrAskedBefore):
		return "asked before: " + id + " is done", nil
	case err != nil:
		return "", fmt.Errorf("%w: %w", errEventRetry, err)
	}
	g.opts.Logger.Info("support request opened", "request", id, "via", support.ViaReaction)
	return "opened " + id, nil
}

// isChannel reports whether the channel ref of the team file (an ID, or
// "#name") is the channel of ID id, whose name, when the request gives
// it, is name. A #name is compared with the name, else told by chat
// (Options.ChannelID, which caches).
func (g *Gateway) isChannel(ctx context.Context, ref, id, name string) (bool, error) {
	switch {
	case ref == "":
		return false, nil
	case ref == id:
		return true, nil
	case !strings.HasPrefix(ref, "#"):
		return false, nil
	case name != "":
		return strings.EqualFold(ref, "#"+name), nil
	case g.opts.ChannelID == nil:
		return false, nil
	}
	got, err := g.opts.ChannelID(ctx, ref)
	if err != nil {
		return false, fmt.Errorf("find channel %s in chat: %w", ref, err)
	}
	return got == id, nil
}

// workspace is Baton's workspace, when known.
func (g *Gateway) workspace() (Workspace, bool) {
	if g.opts.Workspace == nil {
		return Workspace{}, false
	}
	return g.opts.Workspace()
}

// --- The shortcut ---

// SlackShortcut is a use of one of Baton's message shortcuts: which one
// (its callback_id), who used it, on which message, and where.
type SlackShortcut struct {
	CallbackID string
	// UserID used it; TeamID, UserTeamID and EnterpriseID are where from,
	// as for a press.
	UserID                           string
	TeamID, UserTeamID, EnterpriseID string
	ChannelID, ChannelName           string
	// Message is the message it was used on.
	Message ShortcutMessage
	// ResponseURL takes an answer to the person for 30 minutes.
	ResponseURL, TriggerID string
}

// ShortcutMessage is the message a shortcut was used on.
type ShortcutMessage struct {
	TS, ThreadTS string
	// User wrote it; BotID is set for a bot's or an app's message.
	User, BotID string
	// Text is in Slack's markup.
	Text string
}

// slackShortcutPayload is the part of a message_action payload Baton
// reads: https://api.slack.com/reference/interaction-payloads/shortcuts
type slackShortcutPayload struct {
	Type       string `json:"type"`
	CallbackID string `json:"callback_id"`
	TriggerID  string `json:"trigger_id"`
	Team       *struct {
		ID string `json:"id"`
	} `json:"team"`
	Enterprise *struct {
		ID string `json:"id"`
	} `json:"enterprise"`
	User *struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
	} `json:"user"`
	Channel *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	Message *struct {
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
		User     string `json:"user"`
		BotID    string `json:"bot_id"`
		Text     string `json:"text"`
	} `json:"message"`
	ResponseURL string `json:"response_url"`
}

// parseShortcutPayload reads a message_action payload; where names it in
// the error.
func parseShortcutPayload(payload []byte, where string) (SlackShortcut, error) {
	var p slackShortcutPayload
	if err := decodeJSON(payload, &p, false); err != nil {
		return SlackShortcut{}, fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case p.CallbackID == "":
		return SlackShortcut{}, errors.New(`payload field "callback_id" is missing`)
	case p.User == nil || p.User.ID == "":
		return SlackShortcut{}, errors.New(`payload field "user.id" is missing`)
	case p.Channel == nil || p.Channel.ID == "":
		return SlackShortcut{}, errors.New(`payload field "channel.id" is missing`)
	case p.Message == nil || p.Message.TS == "":
		return SlackShortcut{}, errors.New(`payload field "message.ts" is missing`)
	}
	s := SlackShortcut{
		CallbackID: p.CallbackID, UserID: p.User.ID, UserTeamID: p.User.TeamID, TeamID: p.User.TeamID,
		ChannelID: p.Channel.ID, ChannelName: p.Channel.Name, ResponseURL: p.ResponseURL, TriggerID: p.TriggerID,
		Message: ShortcutMessage{TS: p.Message.TS, ThreadTS: p.Message.ThreadTS, User: p.Message.User, BotID: p.Message.BotID, Text: p.Message.Text},
	}
	if p.Team != nil && p.Team.ID != "" {
		s.TeamID = p.Team.ID
	}
	if p.Enterprise != nil {
		s.EnterpriseID = p.Enterprise.ID
	}
	return s, nil
}

// origin is where the shortcut says it comes from.
func (s SlackShortcut) origin() slackOrigin {
	return newOrigin(s.EnterpriseID, s.TeamID, s.UserTeamID)
}

// shortcutWork checks a use of a shortcut and returns what it does, to be
// run once Slack has had its answer; or why it is refused (a 400 over
// HTTP): a shortcut Baton does not have.
func (g *Gateway) shortcutWork(s SlackShortcut) (func(ctx context.Context), error) {
	if s.CallbackID != contract.SupportShortcutCallbackID {
		return nil, fmt.Errorf("not one of Baton's shortcuts: callback_id %s", s.CallbackID)
	}
	if why := g.fromElsewhere(s.origin(), true); why != "" {
		return func(ctx context.Context) { g.respond(ctx, s.ResponseURL, why) }, nil
	}
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
		defer cancel()
		g.respond(ctx, s.ResponseURL, g.askOnCall(ctx, s))
	}, nil
}

// askOnCall opens the support request of the message the shortcut was
// used on, for the team whose support channel or channel it is in, and
// says how it went.
func (g *Gateway) askOnCall(ctx context.Context, s SlackShortcut) string {
	m := s.Message
	switch {
	case m.BotID != "":
		return "That is a bot's message: use Ask on-call on a person's message, or /baton ask."
	case !contract.ValidSlackChannelID(s.ChannelID) || !contract.ValidSlackTS(m.TS):
		return "Baton cannot follow a request on that message: use /baton ask."
	}
	t, found, err := g.messageTeam(ctx, s.ChannelID, s.ChannelName)
	switch {
	case err != nil:
		g.opts.Logger.Warn("Ask on-call: could not tell the channel's team", "error", err)
		return "Baton could not tell which team this channel is of: nothing was asked. Try again."
	case !found:
		return fmt.Sprintf("This channel is no team's channel or support channel: use `/baton ask <team> <question>` (teams: %s).", g.teamList())
	}
	thread := m.ThreadTS
	if thread == "" {
		thread = m.TS
	}
	id := contract.SupportMessageID(t.Name, s.ChannelID, m.TS)
	err = supportclient.Open(ctx, g.opts.Temporal, t, id, workflows.SupportInput{Request: support.Request{
		Channel: s.ChannelID, TS: m.TS, ThreadTS: thread, Asker: m.User, OpenedBy: s.UserID, Via: support.ViaShortcut,
		Text: mrkdwn.CutPlain(mrkdwn.Plain(m.Text), support.TextMost, "…"),
	}})
	switch {
	case errors.Is(err, supportclient.ErrAskedBefore):
		return fmt.Sprintf("This message was asked of %s's person on call before, and that request is done.", t.Name)
	case err != nil:
		return g.couldNotRecord(err)
	}
	g.opts.Logger.Info("support request opened", "request", id, "via", support.ViaShortcut)
	return fmt.Sprintf("Asked %s's person on call: the request is in the message's thread, where they take it.", t.Name)
}

// messageTeam is the team a message in a channel asks: the first whose
// support channel it is, else the first whose channel it is.
func (g *Gateway) messageTeam(ctx context.Context, id, name string) (team.Team, bool, error) {
	for _, ref := range []func(team.Team) string{
		func(t team.Team) string { return t.Slack.SupportChannel },
		func(t team.Team) string { return t.Slack.Channel },
	} {
		for _, t := range g.teams().Teams {
			is, err := g.isChannel(ctx, ref(t), id, name)
			if err != nil {
				return team.Team{}, false, err
			}
			if is {
				return t, true, nil
			}
		}
	}
	return team.Team{}, false, nil
}

// --- /baton ask ---

// askCommand: /baton ask [team] <text>, for anyone of the workspace: the
// request is posted in the team's support channel (else its channel) and
// followed in that post's thread.
func (g *Gateway) askCommand(cmd SlashCommand, rest string) commandWork {
	usage := fmt.Sprintf("say what you ask: `%s ask [team] <question>`", cmd.name())
	if rest == "" {
		return answerNow(ephemeral(usage))
	}
	first, after := cutWord(rest)
	t, named := g.teams().Team(strings.ToLower(first))
	text := rest
	if named {
		text = after
	} else {
		var err error
		if t, err = g.commandTeam(cmd, ""); err != nil {
			return answerNow(ephemeral(err.Error()))
		}
	}
	if text == "" {
		return answerNow(ephemeral(usage))
	}
	id := contract.SupportAskID(t.Name, askKey(cmd, g.opts.Now()))
	return func(ctx context.Context) slackMessage {
		err := supportclient.Open(ctx, g.opts.Temporal, t, id, workflows.SupportInput{Request: support.Request{
			Asker: cmd.UserID, OpenedBy: cmd.UserID, Via: support.ViaAsk, Text: mrkdwn.CutPlain(text, support.TextMost, "…"),
		}})
		if err != nil && !errors.Is(err, supportclient.ErrAskedBefore) {
			return ephemeral(g.couldNotRecord(err))
		}
		g.opts.Logger.Info("support request opened", "request", id, "via", support.ViaAsk)
		return ephemeral(fmt.Sprintf("Asked %s's person on call: your request goes in %s, tagging them, and is followed in its thread.",
			t.Name, channelRef(t.AskChannel())))
	}
}

// askKey is the key of one use of /baton ask: readable (when) and unique
// (the command's trigger_id, which Slack makes for each use).
func askKey(cmd SlashCommand, at time.Time) string {
	sum := sha256.Sum256([]byte(cmd.TriggerID + "\x00" + cmd.UserID + "\x00" + cmd.ChannelID + "\x00" + cmd.Text))
	return "ask-" + strings.ToLower(at.UTC().Format("20060102T150405")) + "-" + hex.EncodeToString(sum[:3])
}

// --- Take and Done ---

// supportPressWork reads a press of Take or Done.
func (g *Gateway) supportPressWork(press SlackAction) (func(ctx context.Context), error) {
	id, err := contract.ParseSupportID(press.Value)
	if err != nil {
		return nil, errors.New("the button names no support request: " + err.Error())
	}
	action := support.ActTake
	if press.ActionID == contract.SupportDoneAction {
		action = support.ActDone
	}
	return func(ctx context.Context) { g.supportPressed(ctx, id, action, press) }, nil
}

// supportPressed takes or finishes a request for the presser, who must be
// a person of its team, and tells them how it went.
func (g *Gateway) supportPressed(ctx context.Context, id contract.SupportID, action string, press SlackAction) {
	ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
	defer cancel()
	t, ok := g.teams().Team(id.Team)
	if !ok {
		g.respond(ctx, press.ResponseURL, fmt.Sprintf("The request's team %q is not in Baton's team file: nobody may answer it from Slack.", id.Team))
		return
	}
	p, why := g.personOf(ctx, press.UserID, []team.Team{t}, "people of team "+t.Name, "take and close its support requests")
	if why != "" {
		g.respond(ctx, press.ResponseURL, why)
		return
	}
	res, err := supportclient.Act(ctx, g.opts.Temporal, id.String(), workflows.SupportAction{Action: action, By: p.ID, ByChat: press.UserID, Via: "slack"})
	g.respond(ctx, press.ResponseURL, g.rosterInSlack().answer(err, func() string { return res.Message }))
}

// --- Reading interactions ---

// interaction is an interactivity payload Baton acts on: a press on one
// of its buttons (block_actions), or a use of its message shortcut
// (message_action).
type interaction struct {
	press    *SlackAction
	shortcut *SlackShortcut
}

// parseInteractionBody reads an interactivity request's form, as
// ParseInteraction does, a shortcut too.
func parseInteractionBody(body []byte) (interaction, error) {
	payload, err := interactionPayload(body)
	if err != nil {
		return interaction{}, err
	}
	return parseInteractionJSON(payload, `form field "payload"`)
}

// parseInteractionJSON reads an interaction's payload by its type; where
// names it in the error.
func parseInteractionJSON(payload []byte, where string) (interaction, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := decodeJSON(payload, &head, false); err != nil {
		return interaction{}, fmt.Errorf("%s: %w", where, err)
	}
	if head.Type == "message_action" {
		s, err := parseShortcutPayload(payload, where)
		return interaction{shortcut: &s}, err
	}
	a, err := parseInteractionPayload(payload, where)
	return interaction{press: &a}, err
}

// interactionWork is what an interaction does, pressWork's or
// shortcutWork's.
func (g *Gateway) interactionWork(i interaction) (func(ctx context.Context), error) {
	if i.shortcut != nil {
		return g.shortcutWork(*i.shortcut)
	}
	return g.pressWork(*i.press)
}
