package gateway

// The /baton slash command, POST /slack/commands. Its subcommands are the
// table subcommands, from which dispatch, the usage (/baton help, or
// /baton alone) and the answer to an unknown subcommand are all made.
//
// Slack POSTs a form (command, text, user_id, channel_id, channel_name,
// response_url, trigger_id, ...) signed as it signs interactions, and shows
// the user a 200's body: anything else is an ugly error. So every answer,
// refusals included, is a 200 with an ephemeral message (only the user sees
// it); only an unverified request gets a 401, and a gateway without a
// signing secret a 503. Slack waits 3 seconds: work that takes longer is
// answered "Working on it" and its outcome follows through response_url.
//
// With Socket Mode (socket.go) the same command arrives over a WebSocket,
// its form fields as a JSON object, and the answer goes back in the
// envelope's acknowledgement; runCommand is shared by both.
//
// The file reads top to bottom: the handler (read, verify, parse,
// dispatch, answer), the form, the subcommands, the severity buttons'
// press, then the messages.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/explain"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// SourceSlack is the source of the alerts declared with /baton page.
const SourceSlack = "slack"

// commandAnswerWithin is how long a command's work may run before the
// request is answered "Working on it" and the answer goes to response_url
// instead: within Slack's 3 seconds, with room for the network. A variable
// so that tests need not wait that long.
var commandAnswerWithin = 2500 * time.Millisecond

// slackWorkTimeout bounds the work of a command or a button press,
// however it is answered.
const slackWorkTimeout = 30 * time.Second

// slackCommand serves a slash command over HTTP: it reads and verifies the
// request, and answers with runCommand's message.
func (g *Gateway) slackCommand(w http.ResponseWriter, r *http.Request) {
	cmd, ok := readSigned(g, w, r, ParseSlashCommand)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, g.runCommand(r.Context(), cmd))
}

// --- The form ---

// SlashCommand is one use of a slash command, from the form Slack POSTs:
// https://api.slack.com/interactivity/slash-commands#app_command_handling
type SlashCommand struct {
	// Command is the command as typed ("/baton"); Text is the rest, with
	// Slack's escapes of &, < and > undone.
	Command, Text string
	// UserID and UserName are who typed it; UserName is deprecated by
	// Slack and only for logs.
	UserID, UserName string
	// ChannelID and ChannelName are where it was typed (ChannelName is
	// "directmessage" or "privategroup" for DMs and some private channels).
	ChannelID, ChannelName string
	// TeamID is the workspace, EnterpriseID its Enterprise Grid
	// organisation (empty outside Grid).
	TeamID, EnterpriseID string
	// ResponseURL takes up to five answers for 30 minutes; TriggerID is
	// unique to this use of the command.
	ResponseURL, TriggerID string
}

// ParseSlashCommand reads a slash command's form-encoded body. command and
// user_id are required; Slack always sends them.
//
// Verify the body with VerifySlackSignature first.
func ParseSlashCommand(body []byte) (SlashCommand, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return SlashCommand{}, fmt.Errorf("the body is not form-encoded (application/x-www-form-urlencoded): %w", err)
	}
	if form.Has("payload") && !form.Has("command") {
		return SlashCommand{}, errors.New(`the body is an interaction (form field "payload"): Slack sends those to /slack/interactions`)
	}
	return slashCommandFromForm(form)
}

// parseSlashCommandPayload reads a slash_commands envelope's payload, in
// Socket Mode: the form's fields as one JSON object. Slack sends them as
// strings, is_enterprise_install included ("false"); a field of another
// kind is taken as its JSON text, and one that is an object or a list is
// left out, as no field Baton reads is one.
func parseSlashCommandPayload(payload []byte) (SlashCommand, error) {
	var fields map[string]any
	if err := decodeJSON(payload, &fields, false); err != nil {
		return SlashCommand{}, fmt.Errorf("the envelope's payload: %w", err)
	}
	if fields == nil {
		return SlashCommand{}, errors.New("the envelope's payload is not a JSON object")
	}
	form := url.Values{}
	for k, v := range fields {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case bool, float64:
			form.Set(k, fmt.Sprint(v))
		}
	}
	return slashCommandFromForm(form)
}

// slashCommandFromForm reads a slash command's fields, however they came.
func slashCommandFromForm(form url.Values) (SlashCommand, error) {
	cmd := SlashCommand{
		Command:      form.Get("command"),
		Text:         unescapeSlack(strings.TrimSpace(form.Get("text"))),
		UserID:       form.Get("user_id"),
		UserName:     form.Get("user_name"),
		ChannelID:    form.Get("channel_id"),
		ChannelName:  form.Get("channel_name"),
		TeamID:       form.Get("team_id"),
		EnterpriseID: form.Get("enterprise_id"),
		ResponseURL:  form.Get("response_url"),
		TriggerID:    form.Get("trigger_id"),
	}
	for _, f := range []struct{ name, value string }{{"command", cmd.Command}, {"user_id", cmd.UserID}} {
		if f.value == "" {
			return SlashCommand{}, fmt.Errorf("form field %q is missing; is this a Slack slash command?", f.name)
		}
	}
	return cmd, nil
}

// unescapeSlack undoes the three escapes Slack applies to text (&amp;,
// &lt;, &gt;), in one pass so that "&amp;lt;" stays "&lt;".
func unescapeSlack(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// --- The subcommands ---

// commandWork is what a subcommand does: it returns the message that
// answers the user, and may take a while (Temporal, the pager).
type commandWork func(ctx context.Context) slackMessage

// answerNow answers at once, with no work to wait for.
func answerNow(msg slackMessage) commandWork {
	return func(context.Context) slackMessage { return msg }
}

// subcommand is one of /baton's subcommands, as the table subcommands
// lists them.
type subcommand struct {
	name string
	// args is the synopsis of what follows the name, for the usage.
	args string
	// help says what the subcommand does, for the usage; example, when
	// set, is a use of it, shown after the help.
	help, example string
	// acts is set when the subcommand changes something: then it is
	// refused from another workspace, and before Baton knows its own
	// (authz.go).
	acts bool
	work func(g *Gateway, cmd SlashCommand, rest string) commandWork
}

// subcommands is /baton's one list of subcommands, in the usage's order.
// help is not among them: it is the usage, made from this table.
var subcommands = []subcommand{
	{name: "who", args: "[team]", help: "who is on call now, until when, and who is next",
		work: (*Gateway).whoCommand},
	{name: "page", args: "[team] <summary>", help: "declare an incident; you then pick its severity", acts: true,
		work: (*Gateway).pageCommand},
	{name: "ack", args: "<incident>", help: "acknowledge an incident, as on its page", example: "ack " + exampleIncident, acts: true,
		work: actWork(workflows.ActionAck)},
	{name: "resolve", args: "<incident>", help: "resolve it", acts: true,
		work: actWork(workflows.ActionResolve)},
	{name: "why", args: "<incident>", help: "why an incident paged or was held, who was on call and why, each escalation step's planned and actual instant, who acted and how",
		example: "why " + exampleIncident, work: (*Gateway).whyCommand},
	{name: "cover", args: "<from> <to> [note]", help: "ask this channel's team to cover you (times such as 2026-12-08T18:00)", acts: true,
		work: (*Gateway).coverCommand},
	{name: "ask", args: "[team] <question>", help: "ask the team's person on call for help: posted in its support channel, tagging them, and followed there until done",
		example: "ask data is the orders table late today?", acts: true,
		work: (*Gateway).askCommand},
	{name: "silence", args: "[team] <key=value>... <for> [note] | list | remove <id>",
		help: "hold back the pages of matching alerts during planned work; they still show in the channel", example: "silence service=orders 2h warehouse migration", acts: true,
		work: (*Gateway).silenceCommand},
}

// findSubcommand finds a subcommand by its name, in any case.
func findSubcommand(name string) (subcommand, bool) {
	i := slices.IndexFunc(subcommands, func(s subcommand) bool { return strings.EqualFold(s.name, name) })
	if i < 0 {
		return subcommand{}, false
	}
	return subcommands[i], true
}

// synopsis is how the subcommand is typed, with the command's name.
func (s subcommand) synopsis(command string) string {
	return strings.TrimSpace(command + " " + s.name + " " + s.args)
}

// dispatch reads the subcommand and returns its work. A command from
// another workspace is refused, and so is one that acts before Baton
// knows its own (authz.go).
func (g *Gateway) dispatch(cmd SlashCommand) commandWork {
	name, rest := cutWord(cmd.Text)
	sub, known := findSubcommand(name)
	if why := g.fromElsewhere(cmd.origin(), known && sub.acts); why != "" {
		return answerNow(ephemeral(why))
	}
	switch {
	case known:
		return sub.work(g, cmd, rest)
	case name == "" || strings.EqualFold(name, "help"):
		return answerNow(ephemeral(g.usage(cmd)))
	}
	names := make([]string, len(subcommands))
	for i, s := range subcommands {
		names[i] = s.name
	}
	return answerNow(ephemeral(fmt.Sprintf("%s %s: unknown command; try `%s help` (%s)",
		cmd.name(), escapeMrkdwn(name), cmd.name(), strings.Join(names, ", "))))
}

// origin is where the command says it comes from.
func (cmd SlashCommand) origin() slackOrigin {
	return newOrigin(cmd.EnterpriseID, cmd.TeamID)
}

func (cmd SlashCommand) name() string {
	if cmd.Command == "" {
		return "/baton"
	}
	return cmd.Command
}

// usage is the answer to /baton help: every subcommand, and the teams.
func (g *Gateway) usage(cmd SlashCommand) string {
	c := cmd.name()
	lines := []string{"*" + c + "*: on call, from Slack. The team is this channel's team unless named."}
	for _, s := range subcommands {
		line := "• `" + s.synopsis(c) + "`: " + s.help
		if s.example != "" {
			line += ": `" + c + " " + s.example + "`"
		}
		lines = append(lines, line)
	}
	return strings.Join(append(lines, "Teams: "+g.teamList()+"."), "\n")
}

// whoCommand: /baton who [team].
func (g *Gateway) whoCommand(cmd SlashCommand, rest string) commandWork {
	name, extra := cutWord(rest)
	if extra != "" {
		return answerNow(ephemeral(fmt.Sprintf("usage: `%s who [team]`", cmd.name())))
	}
	t, err := g.commandTeam(cmd, name)
	if err != nil {
		return answerNow(ephemeral(err.Error()))
	}
	return func(ctx context.Context) slackMessage { return ephemeral(g.whoIsOnCall(ctx, t)) }
}

// whoIsOnCall asks the pager who is on call now and at the team's next
// handover, at once, and says it in one line.
func (g *Gateway) whoIsOnCall(ctx context.Context, t team.Team) string {
	if g.opts.OnCall == nil {
		return fmt.Sprintf("Baton cannot say who is on call for %s: this gateway has no pager to ask.", t.Name)
	}
	loc, err := t.Location()
	if err != nil {
		return oneLine(err.Error())
	}
	at := g.opts.Now()
	until, err := t.Handover.Next(loc, at)
	if err != nil {
		return oneLine(fmt.Sprintf("team %q: handover: %v", t.Name, err))
	}
	type asked struct {
		people []team.Person
		err    error
	}
	later := make(chan asked, 1)
	go func() {
		people, err := g.opts.OnCall(ctx, t, until)
		later <- asked{people, err}
	}()
	current, err := g.opts.OnCall(ctx, t, at)
	next := <-later
	if err != nil {
		return oneLine(fmt.Sprintf("Could not ask %s's pager who is on call: %s", t.Name, escapeMrkdwn(workflowerr.Message(err))))
	}

	when := until.In(loc).Format("Mon 2 Jan 15:04 MST")
	var b strings.Builder
	if len(current) == 0 {
		fmt.Fprintf(&b, "Nobody is on call for *%s* now; from %s: ", t.Name, when)
	} else {
		fmt.Fprintf(&b, "On call for *%s*: %s until %s, then ", t.Name, slackMentions(t, current), when)
	}
	switch {
	case next.err != nil:
		fmt.Fprintf(&b, "unknown (the pager did not say: %s).", escapeMrkdwn(workflowerr.Message(next.err)))
	case len(next.people) == 0:
		b.WriteString("nobody.")
	case len(current) > 0 && slices.Equal(personIDs(current), personIDs(next.people)):
		fmt.Fprintf(&b, "%s again.", slackMentions(t, next.people))
	default:
		fmt.Fprintf(&b, "%s.", slackMentions(t, next.people))
	}
	return oneLine(b.String())
}

// exampleIncident is an incident ID for the usage.
var exampleIncident = contract.IncidentWorkflowID("data", "orders_daily")

// pageCommand: /baton page [team] <summary>, for people of some team. It
// answers with the severity buttons; the incident is declared when one is
// pressed (pagePressed).
func (g *Gateway) pageCommand(cmd SlashCommand, rest string) commandWork {
	if rest == "" {
		return answerNow(ephemeral(fmt.Sprintf("say what is wrong: `%s page [team] <summary>`", cmd.name())))
	}
	first, after := cutWord(rest)
	t, named := g.teams().Team(strings.ToLower(first))
	summary := after
	if !named {
		var err error
		if t, err = g.commandTeam(cmd, ""); err != nil {
			return answerNow(ephemeral(err.Error()))
		}
		summary = rest
	}
	if summary == "" {
		return answerNow(ephemeral(fmt.Sprintf("say what is wrong: `%s page %s <summary>`", cmd.name(), t.Name)))
	}
	v := pageValue{Team: t.Name, Summary: summary, By: cmd.UserID, Key: pageKey(cmd, g.opts.Now())}
	value, err := v.encode()
	if err != nil {
		return answerNow(ephemeral(err.Error()))
	}
	return func(ctx context.Context) slackMessage {
		if why := g.mayPage(ctx, cmd.UserID); why != "" {
			return ephemeral(why)
		}
		return pagePrompt(t, summary, value)
	}
}

// mayPage says why user may not use /baton page; "" when they may, as a
// person of some team.
func (g *Gateway) mayPage(ctx context.Context, user string) string {
	return g.isPerson(ctx, user, g.teams().Teams, "people of Baton's teams", "page with /baton page")
}

// actWork is the work of /baton ack and resolve: the action of that name.
func actWork(action workflows.Action) func(g *Gateway, cmd SlashCommand, rest string) commandWork {
	return func(g *Gateway, cmd SlashCommand, rest string) commandWork { return g.actCommand(cmd, action, rest) }
}

// actCommand: /baton ack|resolve <incident>, as the user, as the page's
// buttons do.
func (g *Gateway) actCommand(cmd SlashCommand, action workflows.Action, rest string) commandWork {
	id, extra := cutWord(rest)
	id = strings.Trim(id, "`")
	if id == "" || extra != "" || !isIncidentID(id) {
		return answerNow(ephemeral(fmt.Sprintf("usage: `%s %s <incident>`, the incident's ID as on its page, e.g. `%s %s %s`",
			cmd.name(), action, cmd.name(), action, exampleIncident)))
	}
	return func(ctx context.Context) slackMessage {
		person, why := g.mayActOnIncident(ctx, cmd.UserID, id)
		if why != "" {
			return ephemeral(why)
		}
		res, err := incidentclient.Act(ctx, g.opts.Temporal, id, workflows.FromChat(action, cmd.UserID, person))
		return ephemeral(g.inSlack().answer(err, func() string { return res.Message }))
	}
}

// whyCommand: /baton why <incident>, the incident's decision trail
// (package explain), to the people of its team only: it names who was on
// call and why, notes of overrides included.
func (g *Gateway) whyCommand(cmd SlashCommand, rest string) commandWork {
	id, extra := cutWord(rest)
	id = strings.Trim(id, "`")
	if id == "" || extra != "" || !isIncidentID(id) {
		return answerNow(ephemeral(fmt.Sprintf("usage: `%s why <incident>`, the incident's ID as on its page, e.g. `%s why %s`",
			cmd.name(), cmd.name(), exampleIncident)))
	}
	return func(ctx context.Context) slackMessage {
		if _, why := g.mayActOnIncident(ctx, cmd.UserID, id); why != "" {
			return ephemeral(why)
		}
		st, err := incidentclient.Status(ctx, g.opts.Temporal, id)
		if err != nil {
			g.opts.Logger.Error("Slack: an incident's trail could not be read", "incident", id, "error", err)
			return ephemeral("Baton could not read the incident's trail. Try again, or use `starter explain`.")
		}
		return ephemeral(explain.Of(st).Slack())
	}
}

// commandTeam is the team a command names, else the channel's: the team
// whose slack.channel, else whose slack.support_channel, is the channel's
// ID or its #name.
func (g *Gateway) commandTeam(cmd SlashCommand, name string) (team.Team, error) {
	teams := g.teams()
	if name != "" {
		if t, ok := teams.Team(strings.ToLower(name)); ok {
			return t, nil
		}
		return team.Team{}, fmt.Errorf("no team %q; teams: %s", name, g.teamList())
	}
	for _, ch := range []func(team.Team) string{
		func(t team.Team) string { return t.Slack.Channel },
		func(t team.Team) string { return t.Slack.SupportChannel },
	} {
		for _, t := range teams.Teams {
			ch := ch(t)
			if ch != "" && (ch == cmd.ChannelID || cmd.ChannelName != "" && strings.EqualFold(ch, "#"+cmd.ChannelName)) {
				return t, nil
			}
		}
	}
	return team.Team{}, fmt.Errorf("this channel is no team's channel: name the team (teams: %s)", g.teamList())
}

// teams is the team file; an empty one if the gateway has none.
func (g *Gateway) teams() *team.File {
	if g.opts.Teams == nil {
		return &team.File{}
	}
	return g.opts.Teams
}

func (g *Gateway) teamList() string {
	if names := g.teams().Names(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "none"
}

// --- The severity buttons ---

// pageActionPrefix starts the action_id of /baton page's severity buttons:
// "baton.page.critical".
const pageActionPrefix = "baton.page."

// slackValueMax is the most characters a button's value holds.
const slackValueMax = 2000

// pageValue is what a severity button carries, as compact JSON: the team,
// the summary, who typed the command, and the incident's dedup key. The
// key is made once per /baton page, so every press on that one message
// (a double click, a second severity) goes to the same incident.
type pageValue struct {
	Team    string `json:"team"`
	Summary string `json:"summary"`
	By      string `json:"by"`
	Key     string `json:"key"`
}

// pageKey is the dedup key of one use of /baton page: readable (when) and
// unique (the command's trigger_id, which Slack makes for each use).
func pageKey(cmd SlashCommand, at time.Time) string {
	sum := sha256.Sum256([]byte(cmd.TriggerID + "\x00" + cmd.UserID + "\x00" + cmd.ChannelID + "\x00" + cmd.Text))
	return "slack-" + at.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(sum[:3])
}

// encode is the button value, or an error a user can act on when the
// summary makes it too long for Slack.
func (v pageValue) encode() (string, error) {
	enc := func(v pageValue) string {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false) // "<" as itself, not as six characters
		_ = e.Encode(v)        // strings only: it cannot fail
		return strings.TrimSuffix(b.String(), "\n")
	}
	s := enc(v)
	if utf8.RuneCountInString(s) > slackValueMax {
		v.Summary = ""
		return "", fmt.Errorf("the summary is too long for Slack's buttons: at most %d characters (quotes and backslashes count twice)",
			slackValueMax-utf8.RuneCountInString(enc(v)))
	}
	return s, nil
}

// parsePagePress reads a press on a severity button.
func parsePagePress(press SlackAction) (workflows.Severity, pageValue, error) {
	word := strings.TrimPrefix(press.ActionID, pageActionPrefix)
	sev := workflows.Severity(word)
	switch sev {
	case workflows.SeverityCritical, workflows.SeverityHigh, workflows.SeverityMedium, workflows.SeverityLow:
	default:
		return "", pageValue{}, fmt.Errorf("action_id %s: %q is not a severity (critical, high, medium, low)", press.ActionID, word)
	}
	var v pageValue
	if err := decodeJSON([]byte(press.Value), &v, true); err != nil {
		return "", pageValue{}, fmt.Errorf("the %s button's value: %w", press.ActionID, err)
	}
	if v.Team == "" || v.Summary == "" || v.Key == "" {
		return "", pageValue{}, fmt.Errorf("the %s button's value names no team, summary or key", press.ActionID)
	}
	return sev, v, nil
}

// pagePressed declares the incident of a pressed severity button, if the
// presser may page and has pages left (workflows.PageQuota), and tells
// the presser through response_url: on success the buttons are replaced by
// the incident's ID, on failure they stay, to be pressed again.
func (g *Gateway) pagePressed(ctx context.Context, sev workflows.Severity, v pageValue, press SlackAction) {
	ctx, cancel := context.WithTimeout(ctx, slackWorkTimeout)
	defer cancel()
	t, ok := g.teams().Team(v.Team)
	if !ok {
		g.postResponse(ctx, press.ResponseURL, ephemeral(fmt.Sprintf("no team %q; teams: %s", v.Team, g.teamList())), false)
		return
	}
	if why := g.mayPage(ctx, press.UserID); why != "" {
		g.postResponse(ctx, press.ResponseURL, ephemeral(why), false)
		return
	}
	if err := g.takePage(ctx, press.UserID, v); err != nil {
		text := wording{refused: asGiven, failed: func(err error) string {
			return oneLine(fmt.Sprintf("Baton could not count your page: %v. Nothing was paged; press again, or use the starter.", err))
		}}.answer(err, nil)
		g.postResponse(ctx, press.ResponseURL, ephemeral(text), false)
		return
	}
	by := v.By
	if by == "" {
		by = press.UserID
	}
	id, err := incidentclient.Deliver(ctx, g.opts.Temporal, t, workflows.Alert{
		Team: t.Name, DedupKey: v.Key, Summary: v.Summary, Severity: sev,
		Description: "Declared in Slack by " + g.declarer(ctx, by),
		Source:      SourceSlack, Status: workflows.AlertFiring, At: g.opts.Now(),
		Details: map[string]string{"declared_by": by},
	})
	if err != nil {
		g.postResponse(ctx, press.ResponseURL, ephemeral(oneLine(fmt.Sprintf("Baton could not page %s: %v. Press again, or use the starter.", t.Name, err))), false)
		return
	}
	g.opts.Metrics.AlertReceived(SourceSlack, t.Name)
	text := fmt.Sprintf("Paged: %s (%s): %s", id, sev, escapeMrkdwn(shortenRunes(v.Summary, 300)))
	if !t.Pages(string(sev)) {
		text = fmt.Sprintf("Declared: %s (%s, posted in %s without paging): %s", id, sev, channelRef(t.Slack.Channel), escapeMrkdwn(shortenRunes(v.Summary, 300)))
	}
	g.postResponse(ctx, press.ResponseURL, ephemeral(text), true)
}

// takePage counts a page against the presser's quota, in the person's
// PageQuota workflow, started with the first page: Temporal holds the
// count, so every gateway, and a restarted one, sees the same. A page over
// the quota is refused (workflowerr.ErrRefused) with when the next may go.
func (g *Gateway) takePage(ctx context.Context, user string, v pageValue) error {
	c := g.opts.Temporal
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       contract.PageQuotaWorkflowID(user),
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Pages declared with /baton page by " + user,
	}, contract.PageQuotaWorkflowName, workflows.PageQuotaInput{})
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   contract.PageQuotaTakeUpdate,
			Args:         []any{workflows.TakePage{Key: v.Key, Team: v.Team}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	return workflowerr.Refused(err)
}

// --- The messages ---

// slackMessage is a message for Slack: the body of a 200, or a post to a
// response_url.
type slackMessage struct {
	// ResponseType is "ephemeral" (the user alone sees it) or "in_channel".
	ResponseType string       `json:"response_type"`
	Text         string       `json:"text"`
	Blocks       []slackBlock `json:"blocks,omitempty"`
}

// slackBlock is one Block Kit block: a section, context or actions block.
type slackBlock struct {
	Type     string     `json:"type"`
	BlockID  string     `json:"block_id,omitempty"`
	Text     *slackText `json:"text,omitempty"`
	Elements []any      `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackButton struct {
	Type     string    `json:"type"`
	ActionID string    `json:"action_id"`
	Text     slackText `json:"text"`
	Value    string    `json:"value"`
	Style    string    `json:"style,omitempty"`
}

func ephemeral(text string) slackMessage {
	return slackMessage{ResponseType: "ephemeral", Text: text}
}

// pagePrompt asks the severity of the incident to declare: one button per
// severity, each carrying value.
func pagePrompt(t team.Team, summary, value string) slackMessage {
	shown := escapeMrkdwn(shortenRunes(summary, 300))
	sevs := []workflows.Severity{workflows.SeverityCritical, workflows.SeverityHigh, workflows.SeverityMedium, workflows.SeverityLow}
	var buttons []any
	var paging, posted []string
	for _, sev := range sevs {
		b := slackButton{Type: "button", ActionID: pageActionPrefix + string(sev),
			Text: slackText{Type: "plain_text", Text: strings.ToUpper(string(sev[:1])) + string(sev[1:])}, Value: value}
		if sev == workflows.SeverityCritical {
			b.Style = "danger"
		}
		buttons = append(buttons, b)
		if t.Pages(string(sev)) {
			paging = append(paging, "*"+string(sev)+"*")
		} else {
			posted = append(posted, "*"+string(sev)+"*")
		}
	}
	var how string
	switch {
	case len(posted) == 0:
		how = "Every severity pages the person on call."
	case len(paging) == 0:
		how = fmt.Sprintf("No severity pages: each is posted in %s.", channelRef(t.Slack.Channel))
	default:
		how = fmt.Sprintf("%s page the person on call; %s are posted in %s without paging.",
			joinAnd(paging), joinAnd(posted), channelRef(t.Slack.Channel))
	}
	return slackMessage{
		ResponseType: "ephemeral",
		Text:         fmt.Sprintf("Declare an incident for %s: %s. How bad is it?", t.Name, shown),
		Blocks: []slackBlock{
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: fmt.Sprintf("Declare an incident for *%s*: %s\nHow bad is it?", t.Name, shown)}},
			{Type: "actions", BlockID: "baton.page", Elements: buttons},
			{Type: "context", Elements: []any{slackText{Type: "mrkdwn", Text: how}}},
		},
	}
}

// runCommand dispatches a command and returns the message that answers it
// now: its work's, if that is ready within commandAnswerWithin; else
// "Working on it", and the work's message follows through response_url
// when it is done. The work does not end with ctx (an HTTP request's
// context ends with its answer), only with slackWorkTimeout.
func (g *Gateway) runCommand(ctx context.Context, cmd SlashCommand) slackMessage {
	work := g.dispatch(cmd)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), slackWorkTimeout)
	done := make(chan slackMessage)
	late := make(chan struct{})
	go func() {
		defer cancel()
		msg := work(ctx)
		select {
		case done <- msg:
		case <-late:
			pctx, pcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer pcancel()
			g.postResponse(pctx, cmd.ResponseURL, msg, false)
		}
	}()
	timer := time.NewTimer(commandAnswerWithin)
	defer timer.Stop()
	select {
	case msg := <-done:
		return msg
	case <-timer.C:
		close(late)
		return ephemeral("Working on it… the answer follows here.")
	}
}

// postResponse posts msg to a response_url, replacing the message the
// response_url belongs to or not. Slack gives the URL; only Slack's own
// hosts (and those configured) are called, so that a forged payload cannot
// aim the gateway elsewhere (its signature was checked, but belt and
// braces). The URL is a credential for the reply: it stays out of the log.
func (g *Gateway) postResponse(ctx context.Context, responseURL string, msg slackMessage, replaceOriginal bool) {
	if responseURL == "" || !g.allowedResponseURL(responseURL) {
		g.opts.Logger.Warn("a Slack command or press came with no usable response_url: the user gets no answer")
		return
	}
	body, _ := json.Marshal(struct {
		slackMessage
		ReplaceOriginal bool `json:"replace_original"`
	}{msg, replaceOriginal})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		g.opts.Logger.Warn("cannot answer a Slack command or press", "error", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.opts.HTTPClient.Do(req)
	if err != nil {
		g.opts.Logger.Warn("cannot answer a Slack command or press", "error", errors.Unwrap(err))
		return
	}
	resp.Body.Close()
}

// slackMentions names people for Slack: a mention when the team file gives
// their slack_id, else their name or ID.
func slackMentions(t team.Team, people []team.Person) string {
	names := make([]string, len(people))
	for i, p := range people {
		if p.SlackID == "" {
			// The pager may know people by email only.
			if q, ok := t.Person(p.ID); ok {
				p = q
			} else if q, ok := t.PersonByEmail(p.Email); ok {
				p = q
			}
		}
		if p.SlackID != "" {
			names[i] = "<@" + p.SlackID + ">"
		} else {
			names[i] = escapeMrkdwn(p.Label())
		}
	}
	return joinAnd(names)
}

func personIDs(people []team.Person) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.ID
	}
	return out
}

// channelRef names a team's channel in mrkdwn: "#name" as written, an ID
// as a link Slack shows by name.
func channelRef(ch string) string {
	if ch == "" || strings.HasPrefix(ch, "#") {
		return ch
	}
	return "<#" + ch + ">"
}

// cutWord splits off the first word of s.
func cutWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\u00a0' })
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(strings.TrimLeft(s[i:], " \t\n\u00a0"))
}

func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// escapeMrkdwn escapes what mrkdwn would read as markup or a mention.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// shortenRunes cuts s to n characters, marking the cut.
func shortenRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// oneLine keeps an answer on one line: errors may carry newlines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// declarer names who declared an incident with /baton page, as the team
// file names them: the description is shown as text, so a mention written
// into it would show as its markup.
func (g *Gateway) declarer(ctx context.Context, user string) string {
	if p, ok, _ := g.opts.People.find(ctx, user, g.teams().Teams); ok {
		return cmp.Or(p.Name, p.ID)
	}
	return "Slack user " + user
}
