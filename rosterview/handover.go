package rosterview

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/team"
)

// NobodyOnCall warns the channel that the pager named nobody for the
// shift from start, so the group was left as it was.
func (t Team) NobodyOnCall(start time.Time) string {
	return fmt.Sprintf(":warning: Handover for *%s*: the pager has nobody on call for the shift from %s, so @%s was left as it was. Check the schedule.",
		t.Name, t.When(start), t.GroupName())
}

// Unmapped warns the channel that these people (as Describe names them)
// are not in chat, so the group was left as it was.
func (t Team) Unmapped(unmapped []string) string {
	return fmt.Sprintf(":warning: Handover for *%s*: could not find %s in Slack, so @%s was left as it was. Add their slack_id to the team file, or fix their email.",
		t.Name, mrkdwn.Line(strings.Join(unmapped, ", ")), t.GroupName())
}

// Describe names a person for a warning about finding them in chat: their
// ID, and the email chat was asked for when it is not the ID.
func Describe(p team.Person) string {
	if p.Email != "" && p.Email != p.ID {
		return fmt.Sprintf("%s (%s)", p.ID, p.Email)
	}
	return p.ID
}

// Handover is what the handover post says.
type Handover struct {
	Start, End time.Time
	// Outgoing held the pager; OnCall holds it now; Next holds it after.
	Outgoing, OnCall, Next []team.Person
	// Open are the team's open incidents.
	Open []OpenIncident
	// SummaryLink links the last shift's summary; "" for none.
	SummaryLink string
	// Tested are asked to accept by AcceptBy; none when nobody is.
	Tested   []team.Person
	AcceptBy time.Time
	// Backlog is the team's on-call backlog; nil lists none (the team has
	// no jira_backlog_jql, or no Jira).
	Backlog *Backlog
	// Requests are the team's open support requests, which pass to the
	// incoming person; nil lists none (a run from before handovers listed
	// them), empty says there are none.
	Requests []OpenRequest
}

// OpenRequest is an open support request as the handover lists it.
type OpenRequest struct {
	// ID is its workflow ID.
	ID string
	// Text is what was asked: text from outside.
	Text string
	// Asker is the chat user who asked; Channel where (an ID, or #name).
	Asker, Channel string
	Since          time.Time
	// TakenBy is the chat user who took it, "" while nobody has.
	TakenBy string
	// Link is its post in chat, when known.
	Link string
}

// Backlog is the team's on-call backlog as read from Jira: its first
// issues, or why it could not be read.
type Backlog struct {
	// Issues are the first of the backlog, at most BacklogListed of them
	// shown; none: the backlog is empty.
	Issues []BacklogIssue
	// Error, when set, is why Jira could not be read: text from outside.
	Error string
}

// BacklogIssue is an issue of the backlog. Its text is Jira's, written by
// people: data.
type BacklogIssue struct {
	Key, Summary, Priority string
	// URL is the issue in Jira; a key whose URL is no http(s) URL is not
	// linked.
	URL string
}

// OpenIncident is an open incident as the handover post lists it.
type OpenIncident struct {
	// ID is its workflow ID, which the CLI takes.
	ID string
	// Summary is its alert's: text from outside.
	Summary string
	Since   time.Time
}

// The handover post lists the first Listed open incidents, each summary
// cut to summaryMax characters, so that a storm's open incidents keep it
// within a Slack message.
const (
	Listed     = 25
	summaryMax = 200
)

// The handover post lists the first BacklogListed issues of the on-call
// backlog, and cuts Jira's reason for a failure to reasonMax characters.
const (
	BacklogListed = 5
	reasonMax     = 300
)

// Handover is the post in the team channel that hands the pager over.
func (t Team) Handover(h Handover) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*On-call handover for %s*: %s to %s\n", t.Name, t.When(h.Start), t.When(h.End))
	switch {
	case len(h.Outgoing) == 0:
		fmt.Fprintf(&b, "%s takes the pager.\n", t.Mentions(h.OnCall))
	case slices.Equal(team.IDs(h.Outgoing), team.IDs(h.OnCall)):
		fmt.Fprintf(&b, "%s stays on call for another shift.\n", t.Mentions(h.OnCall))
	default:
		fmt.Fprintf(&b, "%s hands the pager to %s. Thank you, %s!\n", t.Mentions(h.Outgoing), t.Mentions(h.OnCall), Labels(team.IDs(h.Outgoing), ""))
	}
	if len(h.Next) > 0 {
		fmt.Fprintf(&b, "Next: %s from %s.\n", t.Mentions(h.Next), t.When(h.End))
	}
	if len(h.Open) == 0 {
		b.WriteString("Open incidents: none.")
	} else {
		fmt.Fprintf(&b, "Open incidents (%d):", len(h.Open))
		for i, inc := range h.Open {
			if i == Listed {
				fmt.Fprintf(&b, "\n• … and %d more: %s lists them all", len(h.Open)-i, mrkdwn.Code("starter incident list"))
				break
			}
			summary := mrkdwn.Line(mrkdwn.CutPlain(mrkdwn.OneLine(inc.Summary), summaryMax, "…"))
			if summary == "" {
				summary = mrkdwn.Code(inc.ID)
			}
			fmt.Fprintf(&b, "\n• %s (since %s, %s)", summary, t.When(inc.Since), mrkdwn.Code(inc.ID))
		}
	}
	if h.Requests != nil {
		b.WriteString("\n" + t.openRequests(h.Requests, "Open support requests: none."))
	}
	if h.Backlog != nil {
		b.WriteString("\n" + backlog(*h.Backlog))
	}
	if h.SummaryLink != "" {
		fmt.Fprintf(&b, "\nThe last shift in numbers: %s", h.SummaryLink)
	}
	if len(h.Tested) > 0 {
		fmt.Fprintf(&b, "\n%s: please accept the handover by %s (reply to the test page, or press Accept in your DM).", t.Mentions(h.Tested), t.When(h.AcceptBy))
	}
	return b.String()
}

// backlog is the handover post's lines on the on-call backlog, for a
// quiet week: its first issues, that it is empty, or why Jira could not be
// read, on one line.
func backlog(bl Backlog) string {
	switch {
	case bl.Error != "":
		reason := mrkdwn.CutPlain(strings.TrimSuffix(mrkdwn.OneLine(bl.Error), "."), reasonMax, "…")
		return "The on-call backlog could not be read from Jira: " + mrkdwn.Line(reason) + "."
	case len(bl.Issues) == 0:
		return "The on-call backlog is empty."
	}
	var b strings.Builder
	b.WriteString("On-call backlog for a quiet week:")
	for i, is := range bl.Issues {
		if i == BacklogListed {
			break
		}
		fmt.Fprintf(&b, "\n• %s", mrkdwn.Link(is.URL, is.Key))
		if s := mrkdwn.Line(mrkdwn.CutPlain(mrkdwn.OneLine(is.Summary), summaryMax, "…")); s != "" {
			b.WriteString(" " + s)
		}
		if p := mrkdwn.Line(is.Priority); p != "" {
			fmt.Fprintf(&b, " (%s)", p)
		}
	}
	return b.String()
}

// Checklist is the DM to each person taking the pager until until: the
// team's checklist and runbooks.
func (t Team) Checklist(until time.Time, items []string, runbooks []team.Link) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are on call for *%s* until %s.", t.Name, t.When(until))
	for _, item := range items {
		fmt.Fprintf(&b, "\n☐ %s", mrkdwn.Line(item))
	}
	if len(runbooks) > 0 {
		b.WriteString("\nRunbooks:")
		for _, l := range runbooks {
			fmt.Fprintf(&b, "\n• %s", mrkdwn.Link(l.URL, l.Title))
		}
	}
	return b.String()
}

// RequestsLine is what the checklist adds of the team's open support
// requests: they pass to the person taking the pager; "" for none.
func (t Team) RequestsLine(reqs []OpenRequest) string {
	if len(reqs) == 0 {
		return ""
	}
	return "\n" + t.openRequests(reqs, "")
}

// openRequests lists open support requests, the first Listed of them, as
// now the incoming person's: "🔴" for one nobody took, "🟡" for one
// someone took; none says none.
func (t Team) openRequests(reqs []OpenRequest, none string) string {
	if len(reqs) == 0 {
		return none
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Open support requests (%d), now yours:", len(reqs))
	for i, r := range reqs {
		if i == Listed {
			fmt.Fprintf(&b, "\n• … and %d more: %s lists them all", len(reqs)-i, mrkdwn.Code("starter support list --team "+t.Name))
			break
		}
		label := mrkdwn.CutPlain(mrkdwn.OneLine(r.Text), summaryMax, "…")
		if label == "" {
			label = "(its text could not be read)"
		}
		// Linked to its thread when chat gave a link; Link escapes it.
		text := mrkdwn.Link(r.Link, label)
		mark, who := "🔴", ""
		if r.TakenBy != "" {
			mark, who = "🟡", ", taken by "+mrkdwn.User(r.TakenBy)
		}
		from := ""
		if r.Asker != "" {
			from = " from " + mrkdwn.User(r.Asker)
		}
		fmt.Fprintf(&b, "\n• %s %s%s%s (since %s)", mark, text, from, who, t.When(r.Since))
	}
	return b.String()
}

// AcceptLine is what the checklist adds for a person asked to accept.
func (t Team) AcceptLine(acceptBy time.Time) string {
	return fmt.Sprintf("\nPlease accept the handover by %s: reply to the test page, or press Accept.", t.When(acceptBy))
}

// Accepted tells the channel that p accepted at, through via ("" when not
// known); late is how long after the deadline, 0 when in time.
func (t Team) Accepted(p team.Person, at time.Time, via string, late time.Duration) string {
	text := fmt.Sprintf(":white_check_mark: %s accepted the handover of *%s* at %s", t.Mentions([]team.Person{p}), t.Name, t.When(at))
	if via != "" {
		text += " (via " + mrkdwn.Line(via) + ")"
	}
	if late > 0 {
		text += fmt.Sprintf(", %s after the deadline; @%s now reaches them alone", late.Round(time.Minute), t.GroupName())
	}
	return text + "."
}

// NotAccepted tells the channel that tested did not accept by deadline;
// keeping are the outgoing people who stay in the group meanwhile, and
// backup, when not nil, is paged.
func (t Team) NotAccepted(tested []team.Person, deadline time.Time, keeping []team.Person, backup *team.Person) string {
	text := fmt.Sprintf(":warning: %s has not accepted the handover of *%s* (deadline %s), so their phone is not proven to ring.",
		t.Mentions(tested), t.Name, t.When(deadline))
	if len(keeping) > 0 {
		text += fmt.Sprintf(" @%s keeps %s beside them until they do.", t.GroupName(), Labels(team.IDs(keeping), ""))
	}
	if backup != nil {
		text += " Paging " + t.Mentions([]team.Person{*backup}) + "."
	}
	return text
}
