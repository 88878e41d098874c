package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// leaf is a command of the table that runs, with its full name.
type leaf struct {
	path string
	cmd  command
}

// leaves walks the table: every command that runs, sub-commands included.
// It fails the test for a command that neither runs nor has sub-commands,
// and for a name that comes twice among its siblings (only the first
// could be run).
func leaves(t *testing.T, prefix string, table []command) []leaf {
	t.Helper()
	var out []leaf
	seen := map[string]bool{}
	for _, c := range table {
		path := strings.TrimSpace(prefix + " " + c.name)
		if seen[c.name] {
			t.Errorf("%q is in the table twice", path)
		}
		seen[c.name] = true
		if c.run == nil && len(c.subs) == 0 {
			t.Errorf("%q neither runs nor has sub-commands", path)
		}
		if c.run != nil {
			out = append(out, leaf{path, c})
		}
		out = append(out, leaves(t, path, c.subs)...)
	}
	return out
}

// offline is a starter with no Temporal: a command that dials fails the
// test.
func offline(t *testing.T) (*app, *bytes.Buffer) {
	var stderr bytes.Buffer
	return &app{
		stdout: &bytes.Buffer{}, stderr: &stderr, now: time.Now,
		dial: func() (client.Client, error) {
			t.Error("the command dialled Temporal")
			return nil, errors.New("no Temporal in this test")
		},
	}, &stderr
}

// The usage lists every command of the table, with its synopsis and help.
func TestUsageListsEveryCommand(t *testing.T) {
	a, stderr := offline(t)
	if code := a.run(context.Background(), []string{"help"}); code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	usage := stderr.String()
	all := leaves(t, "", a.commands())
	if len(all) < 20 {
		t.Fatalf("the table has %d commands", len(all))
	}
	for _, l := range all {
		if line := "\n  " + strings.TrimSpace(l.path+" "+l.cmd.args); !strings.Contains(usage, line+"\n") && !strings.Contains(usage, line+"  ") {
			t.Errorf("the usage lacks %q", line)
		}
		if words := strings.Fields(l.cmd.help); len(words) == 0 || !strings.Contains(strings.Join(strings.Fields(usage), " "), strings.Join(words, " ")) {
			t.Errorf("the usage lacks the help of %q: %q", l.path, l.cmd.help)
		}
	}
	// Only a synopsis alone on its line may run past the width.
	_, section, _ := strings.Cut(usage, "Commands:\n")
	section, _, _ = strings.Cut(section, "\n\n")
	for _, line := range strings.Split(section, "\n") {
		if len(line) > usageWidth && strings.Contains(strings.TrimSpace(line), "  ") {
			t.Errorf("a help line of %d characters: %q", len(line), line)
		}
	}
}

// Dispatch finds every command of the table: each, asked for --help,
// answers as itself (its flags' usage, or its own complaint about its
// arguments), and never as another command or an unknown one.
func TestDispatchFindsEveryCommand(t *testing.T) {
	a, _ := offline(t)
	for _, l := range leaves(t, "", a.commands()) {
		words := strings.Fields(l.path)
		found, path, rest, ok := lookup(a.commands(), words)
		if !ok || path != l.path || len(rest) != 0 || found.help != l.cmd.help {
			t.Errorf("lookup %q: %q %v %t, help %q", l.path, path, rest, ok, found.help)
		}
		b, stderr := offline(t)
		code := b.run(context.Background(), append(words, "--help"))
		if (code != exitOK && code != exitUsage) || !strings.Contains(stderr.String(), "starter "+l.path) && !strings.Contains(stderr.String(), "starter: "+l.path+":") ||
			strings.Contains(stderr.String(), "unknown") {
			t.Errorf("starter %s --help: exit %d\n%s", l.path, code, stderr)
		}
	}
}

// A command that gathers sub-commands names them all when none, or an
// unknown one, is given.
func TestMissingOrUnknownSubcommand(t *testing.T) {
	a, _ := offline(t)
	for _, c := range a.commands() {
		if c.run != nil || len(c.subs) == 0 {
			continue
		}
		for _, args := range [][]string{{c.name}, {c.name, "frobnicate"}} {
			b, stderr := offline(t)
			if code := b.run(context.Background(), args); code != exitUsage {
				t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
			}
			for _, sub := range c.subs {
				if !strings.Contains(stderr.String(), sub.name) {
					t.Errorf("%v: %q does not name %s", args, stderr, sub.name)
				}
			}
		}
	}
}
