// Command starter starts, inspects and schedules Baton's workflows by
// hand. `starter help` lists its commands, from the one table of them in
// commands.go.
//
// It needs only the Temporal connection (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE
// and Cloud credentials): the team file is the worker's, asked for.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"
	_ "time/tzdata"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// Exit codes.
const (
	exitOK = 0
	// exitFailed: the command or the workflow failed.
	exitFailed = 1
	// exitUsage: the command line is wrong.
	exitUsage = 2
	// exitWarnings: the workflow completed but could not do everything (a
	// handover that left the user group as it was).
	exitWarnings = 3
)

// app carries what commands need, so that tests can give a client of a
// test server and a fixed clock.
type app struct {
	stdout, stderr io.Writer
	cfg            config.Config
	dial           func() (client.Client, error)
	now            func() time.Time
	// teams is the worker's team file, once asked.
	teams *team.File
	// conn is the Temporal client once dialled: the team look-up and the
	// command share it, and run closes it.
	conn client.Client
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(exitFailed)
	}
	a := &app{stdout: os.Stdout, stderr: os.Stderr, cfg: cfg, now: time.Now}
	a.dial = func() (client.Client, error) {
		opts, err := cfg.ClientOptions()
		if err != nil {
			return nil, err
		}
		// The SDK's own info lines would drown the command's output.
		opts.Logger = log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		c, err := client.Dial(opts)
		if err != nil {
			return nil, fmt.Errorf("connect to Temporal at %s (TEMPORAL_ADDRESS): %w", cfg.TemporalAddress, err)
		}
		return c, nil
	}
	os.Exit(a.run(ctx, os.Args[1:]))
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, path, rest, ok := lookup(a.commands(), args)
	if !ok {
		fmt.Fprintf(a.stderr, "starter: unknown command %q\n\n", args[0])
		a.usage()
		return exitUsage
	}
	err := cmd.start(ctx, path, rest)
	if a.conn != nil {
		a.conn.Close()
	}
	var ex exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ex):
		if ex.msg != "" {
			fmt.Fprintln(a.stderr, "starter:", ex.msg)
		}
		return ex.code
	default:
		fmt.Fprintln(a.stderr, "starter:", err)
		return exitFailed
	}
}

// exitError ends a command with a given exit code.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// refusal turns a workflow's refusal into the command's one-line error,
// prefixed by what was refused; with no prefix the reason stands alone, as
// handover accept has always printed it.
func refusal(prefix string, err error) error {
	if !errors.Is(err, workflowerr.ErrRefused) {
		return err
	}
	msg := workflowerr.Reason(err)
	if prefix != "" {
		msg = prefix + ": " + msg
	}
	return exitError{code: exitFailed, msg: msg}
}

// flags returns a flag set for a subcommand that reports to stderr and
// returns errors instead of exiting.
func (a *app) flags(name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: starter %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// teamFlags returns a flag set, as flags does, for a command that acts on
// one team: it has the --team flag, whose value it returns.
func (a *app) teamFlags(name, summary string) (*flag.FlagSet, *string) {
	fs := a.flags(name, summary)
	return fs, fs.String("team", "", "the team (required)")
}

// jsonFlag is the --json flag, as most commands word it.
func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "print as JSON")
}

// parse parses flags; a bad flag is a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseWithArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return exitError{code: exitUsage, msg: fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// parseWithArgs parses flags followed by arguments (an ID); a bad flag is
// a usage error.
func parseWithArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{code: exitUsage}
	}
	return nil
}

// parseConnect parses the flags of a command that needs nothing but
// Temporal, and dials it.
func (a *app) parseConnect(fs *flag.FlagSet, args []string) (client.Client, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return a.connect()
}

// connect is the Temporal client, dialled on first use.
func (a *app) connect() (client.Client, error) {
	if a.conn == nil {
		c, err := a.dial()
		if err != nil {
			return nil, err
		}
		a.conn = c
	}
	return a.conn, nil
}

// teamClient finds a team, its zone, and the Temporal client: what the
// roster commands start with.
func (a *app) teamClient(cmd, teamName string) (team.Team, *time.Location, client.Client, error) {
	t, loc, err := a.teamZone(cmd, teamName)
	if err != nil {
		return team.Team{}, nil, nil, err
	}
	c, err := a.connect()
	return t, loc, c, err
}

// loadTeams asks the worker for the team file it runs with: the team
// configuration lives with the worker, so the starter needs nothing but
// the Temporal address. All starters share one short run of the Teams
// workflow; with no worker polling, it ends by itself.
func (a *app) loadTeams() (*team.File, error) {
	if a.teams != nil {
		return a.teams, nil
	}
	c, err := a.connect()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), workflows.TeamsWithin)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       contract.TeamsWorkflowID,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowExecutionTimeout: time.Minute,
		StaticSummary:            "The starter asks the worker for its team file",
	}, contract.TeamsWorkflowName)
	if err != nil {
		return nil, fmt.Errorf("ask the worker for its teams: %w", err)
	}
	var f team.File
	if err := run.Get(ctx, &f); err != nil {
		// The SDK's long poll may end a moment before the deadline does.
		if deadline, _ := ctx.Deadline(); time.Until(deadline) < 2*time.Second {
			return nil, fmt.Errorf("no worker answered on task queue %q within %s: start one (go run ./deploy/dev, or the worker binary) against %s, namespace %s",
				contract.TaskQueue, workflows.TeamsWithin, a.cfg.TemporalAddress, a.cfg.TemporalNamespace)
		}
		return nil, fmt.Errorf("ask the worker for its teams: %w", err)
	}
	a.teams = &f
	return a.teams, nil
}

// team finds a team in the worker's team file; cmd names the command in
// the error.
func (a *app) team(cmd, name string) (team.Team, error) {
	teams, err := a.loadTeams()
	if err != nil {
		return team.Team{}, err
	}
	if name == "" {
		return team.Team{}, exitError{code: exitUsage, msg: fmt.Sprintf("%s: --team is required (the worker has: %s)", cmd, strings.Join(teams.Names(), ", "))}
	}
	t, ok := teams.Team(name)
	if !ok {
		return team.Team{}, fmt.Errorf("%s: the worker has no team %q (it has: %s)", cmd, name, strings.Join(teams.Names(), ", "))
	}
	return t, nil
}

// teamZone finds a team, as team does, and its time zone, in which the
// command takes and shows times.
func (a *app) teamZone(cmd, name string) (team.Team, *time.Location, error) {
	t, err := a.team(cmd, name)
	if err != nil {
		return team.Team{}, nil, err
	}
	loc, err := t.Location()
	return t, loc, err
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printList prints list as JSON (none as [], not null), or as text: a line
// an item, or when there are none, the line none unless it is empty.
func printList[T any](a *app, asJSON bool, list []T, none string, line func(T) string) error {
	if asJSON {
		if list == nil {
			list = []T{}
		}
		return a.printJSON(list)
	}
	if len(list) == 0 && none != "" {
		fmt.Fprintln(a.stdout, none)
	}
	for _, item := range list {
		fmt.Fprintln(a.stdout, line(item))
	}
	return nil
}

// listTeams prints the teams the worker knows.
func (a *app) listTeams(args []string) error {
	fs := a.flags("teams", "Lists the teams the worker knows, from the team file it runs with.")
	asJSON := jsonFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	teams, err := a.loadTeams()
	if err != nil {
		return err
	}
	type listed struct {
		Name     string `json:"name"`
		TimeZone string `json:"timezone"`
		Channel  string `json:"channel"`
		Pager    string `json:"pager"`
		Handover string `json:"handover"`
	}
	var out []listed
	for _, t := range teams.Teams {
		pager := "opsgenie schedule " + t.Pager.OpsgenieSchedule
		if t.Pager.PagerDutySchedule != "" {
			pager = "pagerduty schedule " + t.Pager.PagerDutySchedule
		}
		if r := t.Pager.Rotation; r != nil {
			pager = "rotation of " + strings.Join(r.Members, ", ") + " every " + r.Shift
		}
		out = append(out, listed{t.Name, t.TimeZone, t.Slack.Channel, pager, t.Handover.Weekday + " " + t.Handover.Time})
	}
	return printList(a, *asJSON, out, "", func(l listed) string {
		return fmt.Sprintf("%s  (%s)  channel %s  handover %s  pager: %s", l.Name, l.TimeZone, l.Channel, l.Handover, l.Pager)
	})
}
