package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/workflows"
)

// command is one of the starter's commands, or a sub-command of one
// ("incident show"). The table of them, commands, is the one list of
// them: run dispatches by it, and usage and the answer to a missing or
// unknown sub-command are made from it.
type command struct {
	name string
	// args is the synopsis of its flags and arguments, for the usage.
	args string
	// help says in a line what it does; the usage wraps it.
	help string
	// run runs it with the arguments after its name; nil for a command
	// that only gathers sub-commands.
	run func(ctx context.Context, args []string) error
	// subs are its sub-commands, which the first argument names. A
	// command with a run of its own runs it when that names none
	// (handover, handover accept).
	subs []command
}

// commands is the starter's table of commands, in the usage's order.
// help (and -h, --help) is not among them: it prints the usage, made from
// this table.
func (a *app) commands() []command {
	act := func(action workflows.Action, help string) command {
		return command{name: string(action), args: "ID [--by NAME] [--note TEXT]", help: help,
			run: func(ctx context.Context, args []string) error { return a.incidentAct(ctx, action, args) }}
	}
	return []command{
		{name: "handover", args: "--team NAME [--json] [--timeout 2m]", help: "run a team's handover now and print its result",
			run: a.handover, subs: []command{
				{name: "accept", args: "--as PERSON ID|--team NAME", help: "accept a handover as the incoming person, as its Accept button does",
					run: a.handoverAccept},
			}},
		{name: "teams", args: "[--json]", help: "the teams the worker knows, from its team file",
			run: func(_ context.Context, args []string) error { return a.listTeams(args) }},
		{name: "oncall", args: "--team NAME [--at TIME] [--weeks 4] [--json]", help: "who is on call when, overrides included",
			run: a.oncall},
		{name: "override", subs: []command{
			{name: "add", args: "--team NAME --who PERSON (--from TIME --to TIME | --for 2h) [--note TEXT]",
				help: "someone holds the pager for a while instead of the rotation", run: a.overrideAdd},
			{name: "list", args: "--team NAME [--json]", help: "a team's overrides", run: a.overrideList},
			{name: "remove", args: "--team NAME ID", help: "remove an override", run: a.overrideRemove},
		}},
		{name: "silence", subs: []command{
			{name: "add", args: "--team NAME --match KEY=VALUE [--match ...] --for 2h [--note TEXT]",
				help: "hold back the pages of matching alerts during planned work: they show in the channel, marked, and page nobody (at most 7 days)",
				run:  a.silenceAdd},
			{name: "list", args: "--team NAME [--json]", help: "a team's silences, and those ended within a week", run: a.silenceList},
			{name: "remove", args: "--team NAME ID", help: "end a silence now; what it held back and still fires pages", run: a.silenceRemove},
		}},
		{name: "support", subs: []command{
			{name: "list", args: "[--team NAME] [--all] [--json]", help: "support requests: those open, oldest first, and with --all those done within 7 days",
				run: a.supportList},
			{name: "take", args: "--as PERSON ID", help: "take a support request, as its Take button does", run: withSub(a.supportAct, "take")},
			{name: "done", args: "--as PERSON ID", help: "say a support request is done, as its Done button does", run: withSub(a.supportAct, "done")},
		}},
		{name: "cover", subs: []command{
			{name: "ask", args: "--team NAME --who PERSON --from TIME --to TIME [--note TEXT]",
				help: "post a cover request in the channel; the first to take it holds the pager then", run: withSub(a.cover, "ask")},
			{name: "take", args: "--team NAME --as PERSON ID", help: "take a cover request, as its I'll cover button does",
				run: withSub(a.cover, "take")},
		}},
		{name: "swap", subs: []command{
			{name: "ask", args: "--team NAME --who PERSON --shift TIME --with PERSON --their-shift TIME",
				help: "ask to exchange two whole shifts; the other person agrees", run: withSub(a.swap, "ask")},
			{name: "reply", args: "--team NAME --as PERSON [--accept] ID", help: "accept or decline a swap, as the other person",
				run: withSub(a.swap, "reply")},
		}},
		{name: "schedules", subs: []command{
			{name: "apply", args: "[--team NAME] [--json]", help: "create or update each team's weekly handover and summary schedules, and match the heartbeats to the team file",
				run: a.schedulesApply},
			{name: "list", args: "[--json]", help: "show the schedules and their next runs", run: a.schedulesList},
			{name: "delete", args: "--team NAME|--all", help: "delete a team's schedules, or all of them", run: a.schedulesDelete},
		}},
		{name: "check", subs: []command{
			{name: "list", args: "[--team NAME] [--json]", help: "each check's state, what its last run found, and its next run", run: a.checkList},
		}},
		{name: "heartbeat", subs: []command{
			{name: "list", args: "[--team NAME] [--json]", help: "each heartbeat's state, last ping and next deadline", run: a.heartbeatList},
		}},
		{name: "incident", subs: []command{
			{name: "open", args: "--team NAME --summary TEXT --severity SEV", help: "declare an incident by hand", run: a.incidentOpen},
			act(workflows.ActionAck, "acknowledge an incident, as its Slack button does"),
			act(workflows.ActionMitigate, "mark an incident mitigated"),
			act(workflows.ActionResolve, "resolve an incident"),
			act(workflows.ActionEscalate, "escalate an incident to the next person"),
			act(workflows.ActionRCADone, "mark an incident's RCA done"),
			act(workflows.ActionActionableYes, "answer that an incident's alert was actionable"),
			act(workflows.ActionActionableNo, "answer that an incident's alert was noise"),
			{name: "list", args: "[--team NAME] [--state STATE] [--json]", help: "incidents, newest first", run: a.incidentList},
			{name: "show", args: "ID [--json]", help: "an incident and its timeline", run: a.incidentShow},
			{name: "legacy", help: "incidents still open under the old ID scheme, and which of them run incident v1",
				run: a.incidentLegacy},
		}},
		{name: "explain", args: "ID [--json]", help: "why an incident paged or was held, who was on call and why, each step's planned and actual instant, who acted and how",
			run: a.explainIncident},
		{name: "drill", args: "--team NAME [--severity critical] [--via sms|call]",
			help: "page the person on call with a drill, marked DRILL, through the real path; the summary lists it apart",
			run:  a.drill},
		{name: "summary", args: "--team NAME [--week 2026-W47] [--json]",
			help: "what a shift cost the team: pages, nights, times to acknowledge and resolve, noise (default: the shift that just ended)",
			run:  a.summary},
		{name: "simulate", args: "--team NAME --teams-file FILE [--since 30d] [--json]",
			help: "replay the team's alerts of the period against a proposed team file: pages, SMS, calls and on-call hours per person, current beside proposed, and the alerts handled differently",
			run:  a.simulate},
		{name: "phone", subs: []command{
			{name: "reply", args: "--from PERSON 1|2 [CODE]", help: "answer the console phone's SMS locally, as Twilio would send the answer",
				run: withSub(a.phone, "reply")},
			{name: "key", args: "--url URL 1|2", help: "answer the console phone's call locally (the dev stack prints the command with each)",
				run: withSub(a.phone, "key")},
		}},
		{name: "setup", help: "register Baton's search attributes and a 30-day retention in TEMPORAL_NAMESPACE " +
			"(self-hosted servers; the dev stack does this itself)", run: a.setup},
	}
}

// withSub is the run of one sub-command of a function that serves
// several (cover ask and take).
func withSub(run func(ctx context.Context, sub string, args []string) error, sub string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error { return run(ctx, sub, args) }
}

// lookup follows args, which are not empty, down the table to the command
// they name: it returns the command, its full name ("incident show") and
// the arguments after it; ok is false when the first argument names no
// command.
func lookup(table []command, args []string) (c command, path string, rest []string, ok bool) {
	if c, ok = findCommand(table, args[0]); !ok {
		return command{}, "", nil, false
	}
	path, rest = c.name, args[1:]
	for len(rest) > 0 {
		sub, ok := findCommand(c.subs, rest[0])
		if !ok {
			break
		}
		c, path, rest = sub, path+" "+sub.name, rest[1:]
	}
	return c, path, rest, true
}

func findCommand(table []command, name string) (command, bool) {
	i := slices.IndexFunc(table, func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return table[i], true
}

// start runs c, found as path; one that only gathers sub-commands says
// which there are.
func (c command) start(ctx context.Context, path string, args []string) error {
	if c.run != nil {
		return c.run(ctx, args)
	}
	names := make([]string, len(c.subs))
	for i, sub := range c.subs {
		names[i] = sub.name
	}
	say := names[len(names)-1]
	if len(names) > 1 {
		say = strings.Join(names[:len(names)-1], ", ") + " or " + say
	}
	say = "say " + say
	if len(args) == 0 {
		return exitError{code: exitUsage, msg: path + ": " + say}
	}
	return exitError{code: exitUsage, msg: fmt.Sprintf("%s: unknown subcommand %q; %s", path, args[0], say)}
}

// The usage's layout: help starts in helpColumn, after the synopsis if it
// fits before, else on the next line, and is wrapped at usageWidth.
const (
	helpColumn = 29
	usageWidth = 80
)

// usage prints every command of the table, then the settings.
func (a *app) usage() {
	var b strings.Builder
	b.WriteString("Usage: starter <command> [flags]\n\nCommands:\n")
	var walk func(prefix string, table []command)
	walk = func(prefix string, table []command) {
		for _, c := range table {
			path := strings.TrimSpace(prefix + " " + c.name)
			if c.run != nil {
				writeUsageLine(&b, strings.TrimSpace(path+" "+c.args), c.help)
			}
			walk(path, c.subs)
		}
	}
	walk("", a.commands())
	b.WriteString("\nRun \"starter <command> --help\" for a command's flags. TIME is the team's wall\n" +
		"clock, such as 2026-12-08T18:00. Settings come from the environment:\n\n")
	fmt.Fprint(a.stderr, b.String())
	_ = config.PrintUsage(a.stderr)
}

// writeUsageLine writes a command's synopsis and its help, wrapped.
func writeUsageLine(b *strings.Builder, synopsis, help string) {
	line := "  " + synopsis
	if len(line) > helpColumn-2 { // two spaces at least before the help
		b.WriteString(line + "\n")
		line = ""
	}
	line += strings.Repeat(" ", helpColumn-len(line))
	for _, word := range strings.Fields(help) {
		switch {
		case len(line) == helpColumn:
			line += word
		case len(line)+1+len(word) > usageWidth:
			b.WriteString(line + "\n")
			line = strings.Repeat(" ", helpColumn) + word
		default:
			line += " " + word
		}
	}
	b.WriteString(line + "\n")
}
