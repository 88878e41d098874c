package rosterview_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/rosterview"
	"github.com/baton-oncall/baton/team"
)

var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	monday    = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) // 09:00 CET
	data      = rosterview.Team{Name: "data", Loc: berlin, Group: "@data-oncall", ChatIDs: map[string]string{"alice": "U0ALICE"}}
	alice     = team.Person{ID: "alice", Name: "Alice"}
	bob       = team.Person{ID: "bob", Name: "Bob <!channel>", Email: "bob@example.com"}
)

// People chat knows are mentioned by their chat user; others are named,
// as text, so that a name cannot make a mention.
func TestMentionsAreBuiltFromChatUsers(t *testing.T) {
	got := data.Mentions([]team.Person{alice, bob})
	if want := "<@U0ALICE>, Bob &lt;!channel&gt;"; got != want {
		t.Errorf("Mentions = %q, want %q", got, want)
	}
	if got := data.Mention("bob"); got != "bob" {
		t.Errorf("Mention(bob) = %q, want the ID as text", got)
	}
	if got := data.Topic([]string{"alice", "bob"}, monday); got != "On call: @alice, @bob until Mon 30 Nov 09:00 CET" {
		t.Errorf("Topic = %q", got)
	}
}

// The handover post names who hands to whom, lists open incidents with
// their summaries as data, and asks the tested to accept.
func TestHandoverPost(t *testing.T) {
	post := data.Handover(rosterview.Handover{
		Start: monday, End: monday.Add(7 * 24 * time.Hour),
		Outgoing: []team.Person{bob}, OnCall: []team.Person{alice},
		Open: []rosterview.OpenIncident{
			{ID: "incident/data/k1", Summary: "disk *full* <@U0EVE>\n<https://evil.example|click>", Since: monday.Add(-time.Hour)},
			{ID: "incident/data/k2", Since: monday},
		},
		Tested: []team.Person{alice}, AcceptBy: monday.Add(time.Hour),
	})
	texttest.HoldsAll(t, "the post", post,
		"*On-call handover for data*: Mon 30 Nov 09:00 CET to Mon 7 Dec 09:00 CET",
		"Bob &lt;!channel&gt; hands the pager to <@U0ALICE>. Thank you, bob!",
		"Open incidents (2):",
		"• disk *full* &lt;@U0EVE&gt; &lt;https://evil.example|click&gt; (since Mon 30 Nov 08:00 CET, `incident/data/k1`)",
		"• `incident/data/k2` (since",
		"<@U0ALICE>: please accept the handover by Mon 30 Nov 10:00 CET")
	texttest.HoldsNone(t, "the post", post, "<@U0EVE>", "<https://evil", "<!channel>")

	same := data.Handover(rosterview.Handover{Start: monday, End: monday, Outgoing: []team.Person{alice}, OnCall: []team.Person{alice}})
	texttest.HoldsAll(t, "a second shift", same, "<@U0ALICE> stays on call for another shift.", "Open incidents: none.")
	texttest.HoldsNone(t, "a second shift", same, "accept")
}

// A storm's open incidents are listed up to Listed, the rest counted.
func TestHandoverPostListsAStormShort(t *testing.T) {
	h := rosterview.Handover{Start: monday, End: monday, OnCall: []team.Person{alice}}
	for range rosterview.Listed + 5 {
		h.Open = append(h.Open, rosterview.OpenIncident{ID: "incident/data/k", Summary: "x", Since: monday})
	}
	texttest.HoldsAll(t, "the post", data.Handover(h), "• … and 5 more: `starter incident list` lists them all")
}

// The on-call backlog: its first issues linked by key, with summary and
// priority as data; that it is empty; or, on one line, why Jira could not
// be read. A team without a backlog query gets no line about it.
func TestHandoverPostListsTheBacklog(t *testing.T) {
	issue := func(n int, priority string) rosterview.BacklogIssue {
		return rosterview.BacklogIssue{Key: fmt.Sprintf("DATA-%d", n), Summary: fmt.Sprintf("Task %d", n), Priority: priority,
			URL: fmt.Sprintf("https://example.atlassian.net/browse/DATA-%d", n)}
	}
	six := []rosterview.BacklogIssue{issue(4, "Highest"), issue(2, "High"), issue(7, "High"), issue(8, "Medium"), issue(1, "Low"), issue(3, "Lowest")}
	for _, tc := range []struct {
		name     string
		backlog  *rosterview.Backlog
		want     []string
		wantNone []string
	}{
		{
			name:     "no backlog query",
			wantNone: []string{"backlog"},
		},
		{
			name:    "five of six",
			backlog: &rosterview.Backlog{Issues: six},
			want: []string{
				"Open incidents: none.\nOn-call backlog for a quiet week:\n• <https://example.atlassian.net/browse/DATA-4|DATA-4> Task 4 (Highest)\n• <https://example.atlassian.net/browse/DATA-2|DATA-2> Task 2 (High)\n",
				"\n• <https://example.atlassian.net/browse/DATA-1|DATA-1> Task 1 (Low)",
			},
			wantNone: []string{"DATA-3", "empty", "could not"},
		},
		{
			name: "text from Jira is data",
			backlog: &rosterview.Backlog{Issues: []rosterview.BacklogIssue{{
				Key: "DATA-9", Summary: "Backfill <!channel> & *retry*\n<https://evil.example|click>", Priority: "High <@U0EVE>",
				URL: "javascript:alert(1)",
			}}},
			want:     []string{"\n• DATA-9 Backfill &lt;!channel&gt; &amp; *retry* &lt;https://evil.example|click&gt; (High &lt;@U0EVE&gt;)"},
			wantNone: []string{"<!channel>", "<https://evil", "<@U0EVE>", "javascript:"},
		},
		{
			name:     "no summary, no priority",
			backlog:  &rosterview.Backlog{Issues: []rosterview.BacklogIssue{{Key: "DATA-9", URL: "https://example.atlassian.net/browse/DATA-9"}}},
			want:     []string{"\n• <https://example.atlassian.net/browse/DATA-9|DATA-9>"},
			wantNone: []string{"()", "DATA-9> "},
		},
		{
			name:     "empty",
			backlog:  &rosterview.Backlog{},
			want:     []string{"Open incidents: none.\nThe on-call backlog is empty."},
			wantNone: []string{"quiet week", "could not"},
		},
		{
			name:     "Jira failed",
			backlog:  &rosterview.Backlog{Error: "Jira search: HTTP 400: Field 'universe' does not exist <@U0EVE>.\nSecond line.", Issues: six},
			want:     []string{"\nThe on-call backlog could not be read from Jira: Jira search: HTTP 400: Field 'universe' does not exist &lt;@U0EVE&gt;. Second line."},
			wantNone: []string{"quiet week", "DATA-4", "<@U0EVE>", "..", "line.\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			post := data.Handover(rosterview.Handover{Start: monday, End: monday, OnCall: []team.Person{alice}, Backlog: tc.backlog})
			texttest.HoldsAll(t, "the post", post, tc.want...)
			texttest.HoldsNone(t, "the post", post, tc.wantNone...)
		})
	}
	long := data.Handover(rosterview.Handover{Start: monday, End: monday, Backlog: &rosterview.Backlog{Error: strings.Repeat("x", 2000)}})
	if n := len(long); n > 600 {
		t.Errorf("a long reason makes a post of %d characters: it is not cut", n)
	}
}

// The checklist and runbooks come from the team file; they are shown as
// text, and a runbook whose URL is no http(s) URL is not linked.
func TestChecklist(t *testing.T) {
	got := data.Checklist(monday, []string{"Check the DAGs", "ping <!here>"},
		[]team.Link{{Title: "Runbook", URL: "https://wiki.example.com/rb"}, {Title: "Local", URL: "javascript:alert(1)"}})
	texttest.HoldsAll(t, "the checklist", got,
		"You are on call for *data* until Mon 30 Nov 09:00 CET.",
		"\n☐ Check the DAGs", "\n☐ ping &lt;!here&gt;",
		"\n• <https://wiki.example.com/rb|Runbook>", "\n• Local")
	texttest.HoldsNone(t, "the checklist", got, "<!here>", "javascript:")
}

// Acceptance posts: in time or late, and the warning that names who keeps
// the pager and who is paged.
func TestAcceptance(t *testing.T) {
	if got, want := data.Accepted(alice, monday, "sms", 0), ":white_check_mark: <@U0ALICE> accepted the handover of *data* at Mon 30 Nov 09:00 CET (via sms)."; got != want {
		t.Errorf("Accepted = %q, want %q", got, want)
	}
	texttest.HoldsAll(t, "late", data.Accepted(alice, monday, "", 95*time.Minute), ", 1h35m0s after the deadline; @data-oncall now reaches them alone.")
	got := data.NotAccepted([]team.Person{alice}, monday, []team.Person{bob}, &bob)
	texttest.HoldsAll(t, "not accepted", got,
		":warning: <@U0ALICE> has not accepted the handover of *data* (deadline Mon 30 Nov 09:00 CET)",
		" @data-oncall keeps bob beside them until they do.", " Paging Bob &lt;!channel&gt;.")
	texttest.HoldsNone(t, "nobody to page", data.NotAccepted([]team.Person{alice}, monday, nil, nil), "Paging", "keeps")
}

// Roster posts: notes typed in Slack or the CLI are text, on one line,
// and cut.
func TestRosterPosts(t *testing.T) {
	long := "cover me\n<!channel> x" + strings.Repeat("y", 400)
	ask := data.CoverAsked("alice", monday, monday.Add(time.Hour), long)
	texttest.HoldsAll(t, "the ask", ask, ":raising_hand: <@U0ALICE> needs cover for *data* from Mon 30 Nov 09:00 CET to Mon 30 Nov 10:00 CET. (cover me &lt;!channel&gt; xyy", "…)")
	texttest.HoldsNone(t, "the ask", ask, "\n", "<!channel>")
	if n := len([]rune(ask)); n > 450 {
		t.Errorf("the ask is %d characters: the note is not cut", n)
	}
	texttest.HoldsAll(t, "covering", data.Holder("bob", monday, true, "dentist"), "bob covers *data* until Mon 30 Nov 09:00 CET. (dentist)")
	texttest.HoldsAll(t, "back", data.Holder("alice", monday, false, "ignored"), "<@U0ALICE> is on call for *data* again until")
	texttest.HoldsNone(t, "back", data.Holder("alice", monday, false, "ignored"), "ignored")
	texttest.HoldsAll(t, "covered", rosterview.Closed(data.Covered("bob", "alice", monday, monday)), ":white_check_mark: bob covers <@U0ALICE> for *data*")
	texttest.HoldsAll(t, "swapped", data.Swapped("alice", "bob", monday, monday, monday, monday), "<@U0ALICE> and bob swapped shifts on *data*: bob holds")
	texttest.HoldsAll(t, "declined", data.SwapDeclined("bob"), "bob declined the swap of *data* shifts.")
}

// Open support requests pass to the incoming person: the post lists them
// (what was asked as data, linked to its thread, who asked, who took
// one), says there are none, or, for a run from before requests were
// listed, says nothing; the checklist repeats them.
func TestHandoverPostListsOpenSupportRequests(t *testing.T) {
	reqs := []rosterview.OpenRequest{
		{ID: "support:data:C0HELP:1.1", Text: "is <!channel> *orders* late?\nplease", Asker: "U0ASKER", Channel: "C0HELP", Since: monday.Add(-26 * time.Hour),
			Link: "https://fake.slack.com/archives/C0HELP/p1"},
		{ID: "support:data:ask:k1", Text: "rerun the dashboard", Asker: "U0ASKER", Since: monday.Add(-time.Hour), TakenBy: "U0BOB"},
		{ID: "support:data:C0HELP:1.2", Since: monday},
	}
	h := rosterview.Handover{Start: monday, End: monday, OnCall: []team.Person{alice}, Requests: reqs}
	post := data.Handover(h)
	texttest.HoldsAll(t, "the post", post,
		"Open incidents: none.\nOpen support requests (3), now yours:",
		"\n• 🔴 <https://fake.slack.com/archives/C0HELP/p1|is &lt;!channel&gt; *orders* late? please> from <@U0ASKER> (since Sun 29 Nov 07:00 CET)",
		"\n• 🟡 rerun the dashboard from <@U0ASKER>, taken by <@U0BOB> (since Mon 30 Nov 08:00 CET)",
		"\n• 🔴 (its text could not be read) (since Mon 30 Nov 09:00 CET)")
	texttest.HoldsNone(t, "the post", post, "<!channel>")
	texttest.HoldsAll(t, "the checklist's line", data.RequestsLine(reqs), "\nOpen support requests (3), now yours:\n• 🔴 <https://fake.slack.com")

	h.Requests = []rosterview.OpenRequest{}
	texttest.HoldsAll(t, "none open", data.Handover(h), "Open support requests: none.")
	if line := data.RequestsLine(nil); line != "" {
		t.Errorf("the checklist's line without requests: %q", line)
	}
	h.Requests = nil
	texttest.HoldsNone(t, "a run from before requests", data.Handover(h), "support requests")
}
