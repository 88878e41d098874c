// Package tickets files follow-up tickets, such as an incident's RCA, and
// tells when one is resolved. Jira does it when credentials are set, the
// console otherwise. Both speak one small interface, so the workflow that
// files an RCA is written once.
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

// Tracker files tickets and reports on them.
type Tracker interface {
	// File files in, unless a ticket with in.DedupKey was filed before, in
	// which case it returns that ticket and files nothing.
	File(ctx context.Context, in Issue) (Ticket, error)
	// Resolved reports whether the ticket's status is in Jira's "done"
	// status category.
	Resolved(ctx context.Context, key string) (bool, error)
}

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
