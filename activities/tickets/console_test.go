package tickets_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/baton-oncall/baton/activities/tickets"
)

func TestConsole(t *testing.T) {
	var out bytes.Buffer
	c := tickets.NewConsole(&out)
	ctx := context.Background()

	first, err := c.File(ctx, rca("inc-1/rca"))
	if err != nil {
		t.Fatal(err)
	}
	if first != (tickets.Ticket{Key: "CONSOLE-1"}) {
		t.Errorf("File = %+v, want CONSOLE-1 without a URL", first)
	}
	want := "TICKET CONSOLE-1 [DATA] RCA: checkout returned 502\n" +
		"    ## What happened\n" +
		"\n" +
		"    Checkout returned 502 for 14 minutes.\n" +
		"    The deploy of 12:03 was rolled back.\n" +
		"\n" +
		"    ## Follow-ups\n" +
		"\n" +
		"    - Add a canary for checkout\n" +
		"    - Alert on 5xx rate\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}

	out.Reset()
	again, err := c.File(ctx, rca("inc-1/rca"))
	if err != nil || again != first {
		t.Errorf("repeated File = %+v, %v; want %+v, nil", again, err, first)
	}
	if out.Len() != 0 {
		t.Errorf("a repeated File printed %q, want nothing", out.String())
	}

	in := tickets.Issue{Project: "OPS", DedupKey: "inc-2/rca", Summary: "Disk\nfull"}
	second, err := c.File(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if second.Key != "CONSOLE-2" || out.String() != "TICKET CONSOLE-2 [OPS] Disk full\n" {
		t.Errorf("another key filed %s and printed %q, want CONSOLE-2 on one line", second.Key, out.String())
	}

	for _, tk := range []tickets.Ticket{first, second} {
		if done, err := c.Resolved(ctx, tk.Key); done || err != nil {
			t.Errorf("Resolved(%s) = %v, %v; want false, nil", tk.Key, done, err)
		}
	}
	_, err = c.Resolved(ctx, "DATA-1")
	requireError(t, err, "TicketNotFound", false, `"DATA-1"`, "CONSOLE")

	bad := rca("inc-3/rca")
	bad.Summary = " "
	_, err = c.File(ctx, bad)
	requireError(t, err, "TicketInvalid", false, "summary")
}

func TestConsoleConcurrently(t *testing.T) {
	var out bytes.Buffer
	c := tickets.NewConsole(&out)
	var wg sync.WaitGroup
	var mu sync.Mutex
	keys := map[string]bool{}
	for range 8 {
		wg.Go(func() {
			tk, err := c.File(context.Background(), rca("inc-1/rca"))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			keys[tk.Key] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(keys) != 1 || !keys["CONSOLE-1"] || bytes.Count(out.Bytes(), []byte("TICKET ")) != 1 {
		t.Errorf("keys %v and output\n%s\nwant CONSOLE-1 printed once", keys, out.String())
	}
}

// The console has no backlog: a search finds nothing, and says it looks
// nowhere.
func TestConsoleSearch(t *testing.T) {
	c := tickets.NewConsole(&bytes.Buffer{})
	found, err := c.Search(context.Background(), tickets.Query{JQL: "project = DATA", Limit: 5})
	if err != nil || found == nil || len(found) != 0 {
		t.Errorf("Search = %v, %v; want an empty list", found, err)
	}
	if c.Searchable() {
		t.Error("the console says it is searchable")
	}
	if _, err := c.Search(context.Background(), tickets.Query{Limit: 5}); err == nil {
		t.Error("a search without JQL passed")
	}
}
