package tickets

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"go.temporal.io/sdk/temporal"
)

// Console stands in for Jira when no credentials are set: every ticket is
// printed, its first line "TICKET <key> [project] summary" and its
// description indented below. It remembers what it filed, in memory only,
// so that a retried activity files nothing twice within one run of the
// worker. Keys count up from CONSOLE-1; a console ticket has no URL.
type Console struct {
	mu    sync.Mutex
	out   io.Writer
	filed map[string]Ticket // project + "\x00" + dedup key
	known map[string]bool   // keys filed
	seq   int
}

// NewConsole prints to out.
func NewConsole(out io.Writer) *Console {
	return &Console{out: out, filed: map[string]Ticket{}, known: map[string]bool{}}
}

// File implements Tracker.
func (c *Console) File(_ context.Context, in Issue) (Ticket, error) {
	if err := validate(in); err != nil {
		return Ticket{}, err
	}
	project := strings.TrimSpace(in.Project)
	id := project + "\x00" + in.DedupKey
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.filed[id]; ok {
		return t, nil
	}
	c.seq++
	t := Ticket{Key: fmt.Sprintf("CONSOLE-%d", c.seq)}
	c.filed[id] = t
	c.known[t.Key] = true

	var b strings.Builder
	fmt.Fprintf(&b, "TICKET %s [%s] %s\n", t.Key, project, summaryLine(in.Summary))
	desc := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.TrimSpace(in.Description))
	if desc != "" {
		for _, line := range strings.Split(desc, "\n") {
			if line = strings.TrimRight(line, " \t"); line != "" {
				b.WriteString("    " + line)
			}
			b.WriteString("\n")
		}
	}
	// One write, so that lines of two tickets never interleave.
	_, _ = io.WriteString(c.out, b.String())
	return t, nil
}

// Resolved implements Tracker. A console ticket is never resolved, as
// nobody can work on it; a key the console did not file is an error.
func (c *Console) Resolved(_ context.Context, key string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known[key] {
		return false, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("console tracker: no ticket %q: it files CONSOLE-n keys, and forgets them when the worker restarts", key),
			"TicketNotFound", nil)
	}
	return false, nil
}

// Search implements Tracker. The console holds no team's issues, only the
// ones it printed: it finds none.
func (c *Console) Search(_ context.Context, q Query) ([]Found, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	return []Found{}, nil
}

// Searchable implements Tracker: the console has nothing to search.
func (c *Console) Searchable() bool { return false }
