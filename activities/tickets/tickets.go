// Package tickets files follow-up tickets, such as an incident's RCA, tells
// when one is resolved, and searches a team's backlog. Jira does it when
// credentials are set, the console otherwise. Both speak one small
// interface, so the workflow that files an RCA is written once.
//
// Filing is idempotent: an Issue carries a DedupKey, the filed ticket
// carries a label derived from it (DedupLabel), and File looks for a ticket
// with that label before it creates one. A retried activity or a second run
// of a workflow therefore finds the first ticket instead of filing another.
package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
)

// Issue is a ticket to file.
type Issue struct {
	// Project is the Jira project key, e.g. "DATA": a team's jira_project.
	Project string
	// DedupKey makes filing idempotent: the ticket carries DedupLabel(DedupKey)
	// as a label, and File returns the ticket that has it rather than filing
	// another. Required.
	DedupKey string
	// Summary is one line; line breaks are folded into spaces and it is cut
	// to Jira's 255 characters.
	Summary string
	// Description is plain text: paragraphs are separated by blank lines,
	// lines starting with "- " are bullets and lines starting with "## " are
	// headings ("# " to "###### " give levels 1 to 6). Jira receives it as
	// Atlassian Document Format.
	Description string
	// IssueType is the Jira issue type's name; "Task" when empty.
	IssueType string
	// Labels are extra labels, e.g. "rca", "baton". Jira labels hold no
	// spaces: whitespace in one becomes "-".
	Labels []string
}

// Ticket is a filed issue.
type Ticket struct {
	// Key is the issue's key, e.g. "DATA-12".
	Key string
	// URL is where a person sees it, e.g. https://example.atlassian.net/browse/DATA-12.
	URL string
}

// Query is a search for issues.
type Query struct {
	// JQL selects the issues, e.g. a team's jira_backlog_jql. When it has
	// no ORDER BY, the issues come highest priority first, then oldest
	// first (DefaultOrder); an ORDER BY of its own is kept.
	JQL string
	// Limit is how many issues at most, from 1 to MaxLimit.
	Limit int
}

// Found is an issue a search found. Its text is Jira's, written by
// people: data, to be escaped where it is shown.
type Found struct {
	// Key is the issue's key, e.g. "DATA-12".
	Key string
	// Summary is its one-line summary.
	Summary string
	// Priority is its priority's name, e.g. "High"; "" when the site has
	// no priorities.
	Priority string
	// Status is its status's name, e.g. "To Do".
	Status string
	// URL is where a person sees it, e.g. https://example.atlassian.net/browse/DATA-12.
	URL string
}

// Tracker files tickets and reports on them.
type Tracker interface {
	// File files in, unless a ticket with in.DedupKey was filed before, in
	// which case it returns that ticket and files nothing.
	File(ctx context.Context, in Issue) (Ticket, error)
	// Resolved reports whether the ticket's status is in Jira's "done"
	// status category.
	Resolved(ctx context.Context, key string) (bool, error)
	// Search returns the first q.Limit issues that q.JQL finds, in its
	// order.
	Search(ctx context.Context, q Query) ([]Found, error)
	// Searchable reports whether Search looks in a tracker people use:
	// false for the console, which finds nothing.
	Searchable() bool
}

// DefaultOrder is the order of a search whose JQL names none: highest
// priority first, then the oldest issue first.
const DefaultOrder = "ORDER BY priority DESC, created ASC"

// MaxLimit is the most issues a search returns; Jira pages its answers by
// about a hundred when fields are asked for.
const MaxLimit = 100

// DefaultIssueType is the issue type of an Issue that names none.
const DefaultIssueType = "Task"

const (
	// labelPrefix starts every dedup label, so that Baton's labels are told
	// apart from people's at a glance.
	labelPrefix = "baton-"
	// maxSummary is Jira's limit on a summary, in characters.
	maxSummary = 255
	// maxLabel is Jira's limit on a label, in characters.
	maxLabel = 255
)

// DedupLabel is the label that marks the ticket filed for key: "baton-" and
// the first 16 hex digits of the key's SHA-256. Sixty-four bits make a clash
// between two keys of one project as good as impossible, and the label
// shows nothing of the key, which may name a service or a customer.
func DedupLabel(key string) string {
	sum := sha256.Sum256([]byte(key))
	return labelPrefix + hex.EncodeToString(sum[:8])
}

// validate refuses an Issue that no tracker could file, for a reason a
// retry cannot fix.
func validate(in Issue) error {
	var missing []string
	if strings.TrimSpace(in.Project) == "" {
		missing = append(missing, "a project (check jira_project in the team file)")
	}
	if in.DedupKey == "" {
		missing = append(missing, "a dedup key")
	}
	if strings.TrimSpace(in.Summary) == "" {
		missing = append(missing, "a summary")
	}
	if len(missing) == 0 {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(
		"ticket: the issue lacks "+strings.Join(missing, ", "), "TicketInvalid", nil)
}

// checkQuery refuses a Query that no tracker could run, for a reason a
// retry cannot fix.
func checkQuery(q Query) error {
	switch {
	case strings.TrimSpace(q.JQL) == "":
		return temporal.NewNonRetryableApplicationError(
			"ticket search: no JQL (check jira_backlog_jql in the team file)", "TicketInvalid", nil)
	case q.Limit < 1 || q.Limit > MaxLimit:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("ticket search: a limit of %d issues; want 1 to %d", q.Limit, MaxLimit), "TicketInvalid", nil)
	}
	return nil
}

// orderByRE finds an ORDER BY clause: the keywords in any case, with any
// space between them.
var orderByRE = regexp.MustCompile(`(?i)\border\s+by\b`)

// ordered is jql with DefaultOrder appended when it has no ORDER BY of its
// own. Words inside quoted strings (summary ~ "order by date") are not
// JQL's and are not looked at.
func ordered(jql string) string {
	jql = strings.TrimSpace(jql)
	if orderByRE.MatchString(withoutStrings(jql)) {
		return jql
	}
	return jql + " " + DefaultOrder
}

// withoutStrings is jql with the contents of its quoted strings ("..." and
// '...', in which a backslash escapes the next character) blanked out.
func withoutStrings(jql string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(jql); i++ {
		c := jql[i]
		switch {
		case quote == 0:
			if c == '"' || c == '\'' {
				quote = c
			}
			b.WriteByte(c)
		case c == '\\':
			i++
			b.WriteByte(' ')
		case c == quote:
			quote = 0
			b.WriteByte(c)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// summaryLine folds the summary onto one line, as Jira refuses line breaks
// in a summary, and cuts it to Jira's length.
func summaryLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, maxSummary)
}

// truncate cuts s to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// issueType is in's issue type, DefaultIssueType when it names none.
func issueType(in Issue) string {
	if t := strings.TrimSpace(in.IssueType); t != "" {
		return t
	}
	return DefaultIssueType
}

// labels are the ticket's labels: the dedup label first, then the extra
// ones with whitespace turned into "-", without empty ones or repeats.
func labels(in Issue) []string {
	out := []string{DedupLabel(in.DedupKey)}
	seen := map[string]bool{out[0]: true}
	for _, l := range in.Labels {
		l = truncate(strings.Join(strings.FieldsFunc(l, unicode.IsSpace), "-"), maxLabel)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// Both trackers implement Tracker.
var (
	_ Tracker = (*Jira)(nil)
	_ Tracker = (*Console)(nil)
)
