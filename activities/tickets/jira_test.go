package tickets_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakejira"
)

// rcaDescription is a description in every form the plain text takes, as
// Text flattens it back.
const rcaDescription = "## What happened\n\n" +
	"Checkout returned 502 for 14 minutes.\nThe deploy of 12:03 was rolled back.\n\n" +
	"## Follow-ups\n\n" +
	"- Add a canary for checkout\n- Alert on 5xx rate"

// newJira starts a fake Jira with the project DATA and a client for it.
func newJira(t *testing.T) (*fakejira.Server, *tickets.Jira) {
	t.Helper()
	srv := fakejira.New(t)
	srv.AddProject("DATA")
	return srv, tickets.NewJira(srv.URL(), fakejira.User, fakejira.APIToken, nil)
}

func rca(key string) tickets.Issue {
	return tickets.Issue{
		Project:     "DATA",
		DedupKey:    key,
		Summary:     "RCA: checkout returned 502",
		Description: rcaDescription,
		Labels:      []string{"rca", "baton"},
	}
}

// requireError checks that err is an ApplicationError of the type, as
// retryable as wanted, that mentions every string in want and never the
// API tokens.
func requireError(t *testing.T, err error, typ string, retryable bool, want ...string) *temporal.ApplicationError {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	t.Logf("error: %v", err)
	ae := activitytest.AppError(t, err)
	if ae.Type() != typ {
		t.Errorf("error type %q, want %q (%v)", ae.Type(), typ, err)
	}
	if ae.NonRetryable() == retryable {
		t.Errorf("error %v: non-retryable = %v, want %v", err, ae.NonRetryable(), !retryable)
	}
	activitytest.RequireMentions(t, err, want...)
	for _, secret := range []string{fakejira.APIToken, wrongToken} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the token %q", err, secret)
		}
	}
	return ae
}

const wrongToken = "wrong-secret-jira-token"

func TestDedupLabel(t *testing.T) {
	a, b := tickets.DedupLabel("inc-1/rca"), tickets.DedupLabel("inc-2/rca")
	re := regexp.MustCompile(`^baton-[0-9a-f]{16}$`)
	if !re.MatchString(a) || !re.MatchString(b) {
		t.Errorf("labels %q and %q, want baton- and 16 hex digits", a, b)
	}
	if a == b || a != tickets.DedupLabel("inc-1/rca") {
		t.Errorf("labels %q and %q: want one label per key, and distinct keys apart", a, b)
	}
}

func TestJiraFile(t *testing.T) {
	srv, j := newJira(t)
	ctx := context.Background()

	got, err := j.File(ctx, rca("inc-1/rca"))
	if err != nil {
		t.Fatal(err)
	}
	want := tickets.Ticket{Key: "DATA-1", URL: srv.URL() + "/browse/DATA-1"}
	if got != want {
		t.Errorf("File = %+v, want %+v", got, want)
	}
	issues := srv.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues filed, want 1", len(issues))
	}
	is := issues[0]
	if is.Key != "DATA-1" || is.Project != "DATA" || is.IssueType != "Task" || is.Summary != "RCA: checkout returned 502" {
		t.Errorf("issue %s in %s, type %q, summary %q; want DATA-1 in DATA, a Task, the RCA's summary",
			is.Key, is.Project, is.IssueType, is.Summary)
	}
	if wantLabels := []string{tickets.DedupLabel("inc-1/rca"), "rca", "baton"}; !slices.Equal(is.Labels, wantLabels) {
		t.Errorf("labels %q, want %q", is.Labels, wantLabels)
	}
	if text := is.DescriptionText(); text != rcaDescription {
		t.Errorf("description reads\n%s\nwant\n%s", text, rcaDescription)
	}

	// The ADF itself: headings of level 2, two lines of one paragraph
	// joined by a hard break, one bullet list of two items.
	var doc struct {
		Type    string `json:"type"`
		Version int    `json:"version"`
		Content []struct {
			Type    string         `json:"type"`
			Attrs   map[string]int `json:"attrs"`
			Content []struct {
				Type string `json:"type"`
			} `json:"content"`
		} `json:"content"`
	}
	if err := json.Unmarshal(is.Description, &doc); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, b := range doc.Content {
		types = append(types, b.Type)
	}
	if doc.Type != "doc" || doc.Version != 1 || !slices.Equal(types, []string{"heading", "paragraph", "heading", "bulletList"}) {
		t.Fatalf("document %s %d of %q, want a doc of version 1 with heading, paragraph, heading, bulletList", doc.Type, doc.Version, types)
	}
	if doc.Content[0].Attrs["level"] != 2 {
		t.Errorf("heading attrs %v, want level 2", doc.Content[0].Attrs)
	}
	if p := doc.Content[1].Content; len(p) != 3 || p[1].Type != "hardBreak" {
		t.Errorf("paragraph %+v, want text, hardBreak, text", p)
	}
	if l := doc.Content[3].Content; len(l) != 2 || l[0].Type != "listItem" {
		t.Errorf("bullet list %+v, want two listItems", l)
	}
}

func TestJiraFileIsIdempotent(t *testing.T) {
	srv, j := newJira(t)
	srv.AddProject("OPS")
	ctx := context.Background()
	first, err := j.File(ctx, rca("inc-1/rca"))
	if err != nil {
		t.Fatal(err)
	}

	// The same client again, and a new one that remembers nothing (a
	// second worker, or one restarted), which must find the issue in Jira.
	fresh := tickets.NewJira(srv.URL()+"/", fakejira.User, fakejira.APIToken, nil)
	for name, tr := range map[string]tickets.Tracker{"same client": j, "fresh client": fresh} {
		again, err := tr.File(ctx, rca("inc-1/rca"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if again != first {
			t.Errorf("%s: second File = %+v, want the first's %+v", name, again, first)
		}
	}
	if n := srv.Requests(fakejira.CreateEndpoint); n != 1 || len(srv.Issues()) != 1 {
		t.Errorf("%d creates and %d issues after repeated Files, want 1 and 1", n, len(srv.Issues()))
	}
	if n := srv.Requests(fakejira.SearchEndpoint); n != 2 {
		t.Errorf("%d searches, want 2: the first File's and the fresh client's", n)
	}

	// Another key, or the same key in another project: a new issue.
	other, err := j.File(ctx, rca("inc-2/rca"))
	if err != nil {
		t.Fatal(err)
	}
	ops := rca("inc-1/rca")
	ops.Project = "OPS"
	inOps, err := j.File(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if other.Key != "DATA-2" || inOps.Key != "OPS-1" {
		t.Errorf("another key filed %s, another project %s; want DATA-2 and OPS-1", other.Key, inOps.Key)
	}
}

func TestJiraFileConcurrently(t *testing.T) {
	srv, _ := newJira(t)
	j := tickets.NewJira(srv.URL(), fakejira.User, fakejira.APIToken, nil)
	var wg sync.WaitGroup
	keys := make([]string, 4)
	for i := range keys {
		wg.Go(func() {
			tk, err := j.File(context.Background(), rca("inc-1/rca"))
			if err != nil {
				t.Error(err)
			}
			keys[i] = tk.Key
		})
	}
	wg.Wait()
	if n := len(srv.Issues()); n != 1 || !slices.Equal(keys, []string{"DATA-1", "DATA-1", "DATA-1", "DATA-1"}) {
		t.Errorf("%d issues and keys %q, want one issue, DATA-1 four times", n, keys)
	}
}

func TestJiraFileCleansFields(t *testing.T) {
	srv, j := newJira(t)
	in := tickets.Issue{
		Project:     " DATA ",
		DedupKey:    "inc-3/rca",
		Summary:     "RCA:\n checkout\r\n down " + strings.Repeat("x", 300),
		IssueType:   "Bug",
		Labels:      []string{"needs review", "rca", "", "rca"},
		Description: "first line\r\nsecond line\r\n\r\n  - indented bullet\n###### deep\n# top\n#no heading",
	}
	if _, err := j.File(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	is := srv.Issues()[0]
	if !strings.HasPrefix(is.Summary, "RCA: checkout down xxx") || utf8.RuneCountInString(is.Summary) != 255 {
		t.Errorf("summary %q (%d characters), want one line of 255", is.Summary, utf8.RuneCountInString(is.Summary))
	}
	if want := []string{tickets.DedupLabel("inc-3/rca"), "needs-review", "rca"}; !slices.Equal(is.Labels, want) || is.IssueType != "Bug" {
		t.Errorf("labels %q and type %q, want %q and Bug", is.Labels, is.IssueType, want)
	}
	want := "first line\nsecond line\n\n- indented bullet\n\n###### deep\n\n# top\n\n#no heading"
	if got := is.DescriptionText(); got != want {
		t.Errorf("description reads %q, want %q", got, want)
	}
}

func TestADF(t *testing.T) {
	for _, empty := range []string{"", " \n\r\n\t"} {
		if doc := tickets.ADF(empty); doc != nil {
			t.Errorf("ADF(%q) = %+v, want nil", empty, doc)
		}
	}
	long := tickets.ADF(strings.Repeat("word ", 20000))
	data, err := json.Marshal(long)
	if err != nil {
		t.Fatal(err)
	}
	text, err := fakejira.Text(data)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(text); n > 30000 || !strings.HasSuffix(text, "…") {
		t.Errorf("a 100,000-character description became %d characters ending %q; want at most 30,000, cut", n, text[len(text)-10:])
	}
}

func TestJiraResolved(t *testing.T) {
	srv, j := newJira(t)
	ctx := context.Background()
	tk, err := j.File(ctx, rca("inc-1/rca"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		category string
		want     bool
	}{
		{"", false}, // as filed: To Do
		{"indeterminate", false},
		{"done", true},
		{"new", false}, // reopened
	} {
		if step.category != "" {
			srv.SetStatusCategory(tk.Key, step.category)
		}
		got, err := j.Resolved(ctx, tk.Key)
		if err != nil {
			t.Fatal(err)
		}
		if got != step.want {
			t.Errorf("status category %q: Resolved = %v, want %v", cmp.Or(step.category, "new"), got, step.want)
		}
	}

	_, err = j.Resolved(ctx, "DATA-99")
	requireError(t, err, "JiraNotFound", false, "DATA-99", "404", "does not exist")
	_, err = j.Resolved(ctx, " ")
	requireError(t, err, "TicketInvalid", false)
}

func TestJiraErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		token string
		issue func(*tickets.Issue)
		setup func(*fakejira.Server)
		// check gets File's error, and then Resolved's of DATA-1 when
		// resolved is set.
		check    func(*testing.T, error)
		resolved bool
	}{
		{
			name:     "wrong API token",
			token:    wrongToken,
			resolved: true,
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraAuth", false, "401", "JIRA_USER", "JIRA_API_TOKEN")
			},
		},
		{
			name:     "forbidden",
			setup:    func(s *fakejira.Server) { s.FailNext(2, 403) },
			resolved: true,
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraAuth", false, "403", "JIRA_USER", "JIRA_API_TOKEN")
			},
		},
		{
			name:  "unknown project",
			issue: func(in *tickets.Issue) { in.Project = "NOPE" },
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraBadRequest", false,
					"400", "The value 'NOPE' does not exist for the field 'project'", "jira_project")
			},
		},
		{
			name:  "unknown issue type",
			issue: func(in *tickets.Issue) { in.IssueType = "Incident" },
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraBadRequest", false,
					"400", "issuetype: valid issue type is required", `"Incident"`, "jira_project")
			},
		},
		{
			name:  "no dedup key",
			issue: func(in *tickets.Issue) { in.DedupKey = "" },
			check: func(t *testing.T, err error) {
				requireError(t, err, "TicketInvalid", false, "dedup key")
			},
		},
		{
			name:  "no project",
			issue: func(in *tickets.Issue) { in.Project = "" },
			check: func(t *testing.T, err error) {
				requireError(t, err, "TicketInvalid", false, "jira_project")
			},
		},
		{
			name:     "rate limited",
			setup:    func(s *fakejira.Server) { s.RateLimitNext(2, 3*time.Second) },
			resolved: true,
			check: func(t *testing.T, err error) {
				ae := requireError(t, err, "JiraRateLimited", true, "429")
				if d := ae.NextRetryDelay(); d != 3*time.Second {
					t.Errorf("NextRetryDelay = %v, want 3s", d)
				}
			},
		},
		{
			name:     "rate limited by FailNext",
			setup:    func(s *fakejira.Server) { s.FailNext(2, 429) },
			resolved: true,
			check: func(t *testing.T, err error) {
				ae := requireError(t, err, "JiraRateLimited", true, "429")
				if d := ae.NextRetryDelay(); d != time.Second {
					t.Errorf("NextRetryDelay = %v, want 1s", d)
				}
			},
		},
		{
			name:     "service unavailable",
			setup:    func(s *fakejira.Server) { s.FailNext(2, 503) },
			resolved: true,
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraUnavailable", true, "503")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakejira.New(t)
			srv.AddProject("DATA")
			if tt.resolved {
				// An issue to ask about, filed before anything goes wrong.
				ok := tickets.NewJira(srv.URL(), fakejira.User, fakejira.APIToken, nil)
				if _, err := ok.File(ctx, rca("inc-0/rca")); err != nil {
					t.Fatal(err)
				}
			}
			if tt.setup != nil {
				tt.setup(srv)
			}
			j := tickets.NewJira(srv.URL(), fakejira.User, cmp.Or(tt.token, fakejira.APIToken), nil)
			in := rca("inc-1/rca")
			if tt.issue != nil {
				tt.issue(&in)
			}
			_, err := j.File(ctx, in)
			tt.check(t, err)
			if tt.resolved {
				_, err := j.Resolved(ctx, "DATA-1")
				tt.check(t, err)
			}
			want := 0
			if tt.resolved {
				want = 1
			}
			if n := len(srv.Issues()); n != want {
				t.Errorf("%d issues after a failed File, want %d: none filed by it", n, want)
			}
		})
	}
}

func TestJiraFileAfterAFailure(t *testing.T) {
	srv, j := newJira(t)
	ctx := context.Background()
	if _, err := j.File(ctx, rca("inc-1/rca")); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, 502)
	if _, err := j.File(ctx, rca("inc-2/rca")); err == nil {
		t.Fatal("File succeeded through a 502")
	}
	tk, err := j.File(ctx, rca("inc-2/rca"))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Key != "DATA-2" || len(srv.Issues()) != 2 {
		t.Errorf("retry filed %s with %d issues, want DATA-2 with 2", tk.Key, len(srv.Issues()))
	}
}

func TestJiraNetworkError(t *testing.T) {
	down := httptest.NewServer(nil)
	down.Close()
	j := tickets.NewJira(down.URL, fakejira.User, fakejira.APIToken, nil)
	_, err := j.File(context.Background(), rca("inc-1/rca"))
	requireError(t, err, "JiraUnreachable", true, "Jira search", "connection refused")
	// net/http names the URL in its errors; the query is no business of
	// the error's.
	if strings.Contains(err.Error(), "jql") || strings.Contains(err.Error(), down.URL) {
		t.Errorf("error %q names the URL", err)
	}
}

func TestJiraBadURL(t *testing.T) {
	for _, base := range []string{"", "example.atlassian.net", "ftp://example.atlassian.net"} {
		j := tickets.NewJira(base, fakejira.User, fakejira.APIToken, nil)
		_, err := j.File(context.Background(), rca("inc-1/rca"))
		requireError(t, err, "JiraBadURL", false, "JIRA_URL")
	}
}

// backlogJQL is a team's jira_backlog_jql, as the README suggests it.
const backlogJQL = "project = DATA AND labels = oncall-backlog AND statusCategory != Done"

// seedBacklog files, as people would in Jira, the backlog of DATA: five
// open issues of several priorities (two of them High, filed a day
// apart), one done, one without the label, one in another project.
// created runs from the oldest to the newest.
func seedBacklog(t *testing.T, srv *fakejira.Server) {
	t.Helper()
	srv.AddProject("OPS")
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, is := range []fakejira.Issue{
		{Summary: "Rename the staging bucket", Priority: "Low"},                                // DATA-1
		{Summary: "Backfill <orders> & retry *flaky* DAG", Priority: "High"},                   // DATA-2
		{Summary: "Drop the legacy export", Priority: "Lowest"},                                // DATA-3
		{Summary: "Alert on late loads", Priority: "Highest", StatusCategory: "indeterminate"}, // DATA-4
		{Summary: "Already done", Priority: "Highest", StatusCategory: "done"},                 // DATA-5
		{Summary: "Not on the backlog", Priority: "Highest", Labels: []string{"roadmap"}},      // DATA-6
		{Summary: "Document the runbook", Priority: "High"},                                    // DATA-7
		{Summary: "Tidy the dbt models", Priority: "Medium"},                                   // DATA-8
		{Project: "OPS", Summary: "Another team's", Priority: "Highest"},                       // OPS-1
	} {
		is.Project = cmp.Or(is.Project, "DATA")
		if is.Labels == nil {
			is.Labels = []string{"oncall-backlog"}
		}
		is.Created = day.AddDate(0, 0, i)
		srv.AddIssue(is)
	}
}

func keys(found []tickets.Found) []string {
	var out []string
	for _, f := range found {
		out = append(out, f.Key)
	}
	return out
}

func TestJiraSearchBacklog(t *testing.T) {
	srv, j := newJira(t)
	seedBacklog(t, srv)
	ctx := context.Background()

	found, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Highest first; of the two High, the older first; the done issue, the
	// one without the label and the other project's are not the backlog.
	if want := []string{"DATA-4", "DATA-2", "DATA-7", "DATA-8", "DATA-1"}; !slices.Equal(keys(found), want) {
		t.Errorf("backlog %q, want %q", keys(found), want)
	}
	want := tickets.Found{
		Key: "DATA-2", Summary: "Backfill <orders> & retry *flaky* DAG", Priority: "High", Status: "To Do",
		URL: srv.URL() + "/browse/DATA-2",
	}
	if len(found) > 1 && found[1] != want {
		t.Errorf("second issue %+v, want %+v", found[1], want)
	}
	if len(found) > 0 && found[0].Status != "In Progress" {
		t.Errorf("DATA-4's status %q, want In Progress", found[0].Status)
	}
	if n := srv.Requests(fakejira.SearchPostEndpoint); n != 1 {
		t.Errorf("%d searches, want 1: five issues fit in one page", n)
	}

	// maxResults: the first two, and no more asked of Jira.
	two, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DATA-4", "DATA-2"}; !slices.Equal(keys(two), want) {
		t.Errorf("a limit of 2 found %q, want %q", keys(two), want)
	}
	// A backlog smaller than the limit: all of it.
	all, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Errorf("a limit of 50 found %q, want the 6 open issues", keys(all))
	}
}

// A site that answers fewer issues a page than asked is read on, page by
// page, until the limit is reached or the backlog ends.
func TestJiraSearchReadsOnePageAfterAnother(t *testing.T) {
	srv, j := newJira(t)
	seedBacklog(t, srv)
	srv.LimitPages(2)
	ctx := context.Background()
	found, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DATA-4", "DATA-2", "DATA-7", "DATA-8", "DATA-1"}; !slices.Equal(keys(found), want) {
		t.Errorf("backlog %q, want %q", keys(found), want)
	}
	if n := srv.Requests(fakejira.SearchPostEndpoint); n != 3 {
		t.Errorf("%d pages read, want 3 (2, 2 and 1 issues)", n)
	}
	all, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 || srv.Requests(fakejira.SearchPostEndpoint) != 6 {
		t.Errorf("found %q in %d pages in all, want the 6 open issues in 3 more", keys(all), srv.Requests(fakejira.SearchPostEndpoint))
	}
}

func TestJiraSearchKeepsTheQuerysOwnOrder(t *testing.T) {
	srv, j := newJira(t)
	seedBacklog(t, srv)
	for _, tc := range []struct {
		name, jql string
		want      []string
	}{
		{"ORDER BY", backlogJQL + " ORDER BY created DESC", []string{"DATA-8", "DATA-7", "DATA-4"}},
		{"order by in lower case across a line break", backlogJQL + " order\n by key desc", []string{"DATA-8", "DATA-7", "DATA-4"}},
		// "order by" in a string is a value, not the query's order: the
		// default order is appended.
		{"order by in a string", `project = DATA AND labels != "order by" AND statusCategory != done`, []string{"DATA-4", "DATA-6", "DATA-2"}},
		{"no order", "labels = oncall-backlog AND project = DATA", []string{"DATA-4", "DATA-5", "DATA-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := j.Search(context.Background(), tickets.Query{JQL: tc.jql, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys(found), tc.want) {
				t.Errorf("%s: found %q, want %q", tc.jql, keys(found), tc.want)
			}
		})
	}
}

func TestJiraSearchErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		jql   string
		limit int
		token string
		fault func(*fakejira.Server)
		check func(*testing.T, error)
	}{
		{
			name: "JQL Jira cannot parse",
			jql:  "project DATA",
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraBadRequest", false, "Jira search: HTTP 400", "Expecting operator but got 'DATA'", "jira_backlog_jql")
			},
		},
		{
			name: "a field Jira does not have",
			jql:  "universe = 42",
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraBadRequest", false, "400", "Field 'universe' does not exist", "jira_backlog_jql")
			},
		},
		{
			name: "a project that does not exist",
			jql:  "project = NOPE AND labels = oncall-backlog",
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraBadRequest", false, "400", "The value 'NOPE' does not exist for the field 'project'", "jira_backlog_jql")
			},
		},
		{
			name:  "wrong API token",
			jql:   backlogJQL,
			token: wrongToken,
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraAuth", false, "401", "JIRA_USER", "JIRA_API_TOKEN")
			},
		},
		{
			name:  "forbidden",
			jql:   backlogJQL,
			fault: func(s *fakejira.Server) { s.On(fakejira.SearchPostEndpoint).FailNext(1, 403) },
			check: func(t *testing.T, err error) {
				requireError(t, err, "JiraAuth", false, "403", "JIRA_API_TOKEN")
			},
		},
		{
			name:  "rate limited",
			jql:   backlogJQL,
			fault: func(s *fakejira.Server) { s.On(fakejira.SearchPostEndpoint).RateLimitNext(1, 4*time.Second) },
			check: func(t *testing.T, err error) {
				ae := requireError(t, err, "JiraRateLimited", true, "429")
				if d := ae.NextRetryDelay(); d != 4*time.Second {
					t.Errorf("NextRetryDelay = %v, want 4s", d)
				}
			},
		},
		{
			name:  "no JQL",
			jql:   " \n",
			check: func(t *testing.T, err error) { requireError(t, err, "TicketInvalid", false, "jira_backlog_jql") },
		},
		{
			name:  "a limit of none",
			jql:   backlogJQL,
			limit: -1,
			check: func(t *testing.T, err error) { requireError(t, err, "TicketInvalid", false, "want 1 to 100") },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newJira(t)
			seedBacklog(t, srv)
			if tc.fault != nil {
				tc.fault(srv)
			}
			j := tickets.NewJira(srv.URL(), fakejira.User, cmp.Or(tc.token, fakejira.APIToken), nil)
			found, err := j.Search(ctx, tickets.Query{JQL: tc.jql, Limit: cmp.Or(tc.limit, 5)})
			tc.check(t, err)
			if found != nil {
				t.Errorf("found %q beside an error", keys(found))
			}
		})
	}
}

// A 5xx is retryable, and the retry Temporal makes finds the backlog.
func TestJiraSearchAfterAFailure(t *testing.T) {
	srv, j := newJira(t)
	seedBacklog(t, srv)
	ctx := context.Background()
	srv.On(fakejira.SearchPostEndpoint).FailNext(1, 503)
	_, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 5})
	requireError(t, err, "JiraUnavailable", true, "Jira search: HTTP 503")
	found, err := j.Search(ctx, tickets.Query{JQL: backlogJQL, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 5 || srv.Requests(fakejira.SearchPostEndpoint) != 2 {
		t.Errorf("the retry found %q in %d searches, want 5 issues in 2", keys(found), srv.Requests(fakejira.SearchPostEndpoint))
	}
}
