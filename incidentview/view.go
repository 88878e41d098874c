// Package incidentview renders an incident for people: the channel page in
// Slack's mrkdwn and as plain text for the console, the headline, the DM,
// the SMS and what a call says. It is pure: the incident workflow hands it
// typed facts (state, who, when) and gets text back, so presentation
// changes without touching orchestration, and each rendering is tested
// without an engine. Every field that came from outside is data: escaped
// and on its line in mrkdwn, cleaned of control characters in plain text,
// and bounded to Slack's limits (package mrkdwn).
package incidentview

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// Person is someone named on the page: by chat mention when chat knows
// them, else by name.
type Person struct {
	// Name is the plain-text name (a person ID, or what the presser was
	// called where chat was not involved).
	Name string
	// ChatID is the chat user ID; empty when chat does not know them.
	ChatID string
}

// Mention names the person so that chat notifies them: a mention built
// from their chat ID, else their name as text.
func (p Person) Mention() string {
	if p.ChatID != "" {
		return mrkdwn.User(p.ChatID)
	}
	return mrkdwn.Line(p.Name)
}

// Label names the person in plain text.
func (p Person) Label() string {
	if p.Name != "" {
		return mrkdwn.OneLine(p.Name)
	}
	return mrkdwn.OneLine(p.ChatID)
}

// View is what the page shows of an incident. Its text fields are as the
// alert's source sent them: the renderings make them safe to show.
type View struct {
	// ID is the incident's workflow ID, which every CLI command takes.
	ID          string
	Severity    string
	Summary     string
	Description string
	Service     string
	Source      string
	SourceURL   string
	RunbookURL  string
	State       string
	// Paged: the on-call group was paged (high severity), not only told.
	Paged bool
	// Drill: the incident is a drill; every rendering says so first.
	Drill bool
	// Affects is what is downstream of the incident's service, as the
	// team file lists it.
	Affects []Affected
	// Silence, when set, is the silence that holds the page back now:
	// the page says so in place of whom it pages.
	Silence *Silence
	// Group is the on-call user group: its ID ("S0123") or its handle.
	Group string
	// OnCall is empty while the pager is being asked, and when it named
	// nobody.
	OnCall       []Person
	LookingUp    bool
	AckedBy      *Person
	AckedAt      time.Time
	ResolvedBy   *Person
	ResolvedAt   time.Time
	Deliveries   int
	LastDelivery time.Time
	Loc          *time.Location
	ChannelName  string
}

// Bounds on what the page shows of the alert, in characters: together
// they keep each line of the page within a Slack section (3,000) and the
// page far within a message (40,000). The summary's matches what the
// gateway keeps of any source's.
const (
	maxSummary          = 500
	maxField            = 200
	maxDescription      = 2000
	maxDescriptionLines = 30
)

var severityMark = map[string]string{
	"critical": ":red_circle:", "high": ":large_orange_circle:",
	"medium": ":large_yellow_circle:", "low": ":white_circle:",
}

// Headline is "[CRITICAL] summary", in plain text on one line: for SMS,
// calls and tickets. A drill's is "[DRILL] [CRITICAL] summary", so that
// no one takes it for a real page, wherever it shows.
func (v View) Headline() string {
	h := fmt.Sprintf("[%s] %s", strings.ToUpper(mrkdwn.OneLine(v.Severity)), v.summary())
	if v.Drill {
		h = "[DRILL] " + h
	}
	return h
}

// SlackHeadline is the Headline in mrkdwn, its text escaped.
func (v View) SlackHeadline() string {
	return mrkdwn.Line(v.Headline())
}

func (v View) summary() string {
	return mrkdwn.CutPlain(mrkdwn.OneLine(v.Summary), maxSummary, "…")
}

// Opened tells stakeholders that the incident paged at at, and what it
// affects.
func (v View) Opened(team string, at time.Time) string {
	text := fmt.Sprintf(":red_circle: %s (team %s): under investigation since %s.", v.SlackHeadline(), team, v.When(at))
	if a := v.affects(v.slackMarkup()); a != "" {
		text += " Affects: " + a + "."
	}
	return text
}

// Mitigated tells stakeholders that the impact is contained at at.
func (v View) Mitigated(team string, at time.Time) string {
	return fmt.Sprintf(":large_yellow_circle: %s (team %s): impact contained at %s; the fix is under way.", v.SlackHeadline(), team, v.When(at))
}

// Resolved tells stakeholders that the incident was resolved at at.
func (v View) Resolved(team string, at time.Time) string {
	return fmt.Sprintf(":large_green_circle: %s (team %s): resolved at %s.", v.SlackHeadline(), team, v.When(at))
}

// GroupMention notifies the on-call user group, built from its ID or
// handle (see mrkdwn.Group), never from text.
func (v View) GroupMention() string {
	return mrkdwn.Group(v.Group)
}

// groupLabel is the group in plain text.
func (v View) groupLabel() string {
	return "@" + mrkdwn.OneLine(strings.TrimPrefix(v.Group, "@"))
}

// When formats an instant in the team's zone: "Tue 24 Nov 14:05 CET".
func (v View) When(t time.Time) string {
	return t.In(v.Loc).Format("Mon 2 Jan 15:04 MST")
}

// markup is how one rendering writes mentions, links and outside text.
type markup struct {
	bold    func(string) string
	person  func(Person) string
	group   string
	link    func(url, text string) string
	literal func(string) string
	// text shows a field from outside on one line; quote shows the
	// description, every line of it marked as quoted.
	text  func(string) string
	quote func(string) string
	cut   func(s string, n int, tail string) string
}

// Slack renders the page in Slack's mrkdwn.
func (v View) Slack() string {
	return v.page(v.slackMarkup(), severityMark[v.Severity]+" ")
}

// slackMarkup is how Slack mrkdwn writes mentions, links and outside text.
func (v View) slackMarkup() markup {
	return markup{
		bold:    func(s string) string { return "*" + s + "*" },
		person:  Person.Mention,
		group:   v.GroupMention(),
		link:    mrkdwn.Link,
		literal: mrkdwn.Code,
		text:    mrkdwn.Line,
		quote:   mrkdwn.Quote,
		cut:     mrkdwn.Cut,
	}
}

// Plain renders the page as plain text, for a terminal.
func (v View) Plain() string {
	return v.page(markup{
		bold:   func(s string) string { return s },
		person: Person.Label,
		group:  v.groupLabel(),
		link: func(url, text string) string {
			return mrkdwn.OneLine(text) + " (" + mrkdwn.OneLine(url) + ")"
		},
		literal: mrkdwn.OneLine,
		text:    mrkdwn.OneLine,
		quote:   mrkdwn.PlainQuote,
		cut:     mrkdwn.CutPlain,
	}, "")
}

func (v View) page(m markup, mark string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n", mark, m.bold(m.text(v.Headline())))
	if v.Drill {
		b.WriteString("This is a drill: answer it as you would a real page. Nothing is filed and nobody else is told.\n")
	}
	switch {
	case v.Silence != nil && v.State == "triggered":
		fmt.Fprintf(&b, "🔕 Silenced by %s until %s%s: paging nobody\n", m.text(v.Silence.ID), v.When(v.Silence.Until), v.Silence.note(m))
	case v.Paged && v.State == "triggered":
		fmt.Fprintf(&b, "%s: on call %s\n", m.group, v.onCall(m))
	}
	fmt.Fprintf(&b, "%s %s", m.bold("State:"), m.text(v.State))
	if v.Service != "" {
		fmt.Fprintf(&b, " · %s %s", m.bold("Service:"), m.text(field(v.Service)))
	}
	source := m.text(field(v.Source))
	if v.SourceURL != "" {
		source = m.link(v.SourceURL, field(v.Source))
	}
	fmt.Fprintf(&b, " · %s %s", m.bold("Source:"), source)
	if v.RunbookURL != "" {
		fmt.Fprintf(&b, " · %s", m.link(v.RunbookURL, "Runbook"))
	}
	if a := v.affects(m); a != "" {
		fmt.Fprintf(&b, "\n%s %s", m.bold("Affects:"), a)
	}
	if d := v.description(m); d != "" {
		fmt.Fprintf(&b, "\n%s", d)
	}
	if v.AckedBy != nil {
		fmt.Fprintf(&b, "\nAcknowledged by %s at %s", m.person(*v.AckedBy), v.When(v.AckedAt))
	}
	if v.ResolvedBy != nil {
		fmt.Fprintf(&b, "\nResolved by %s at %s", m.person(*v.ResolvedBy), v.When(v.ResolvedAt))
	}
	if v.Deliveries > 1 {
		fmt.Fprintf(&b, "\nDelivered %d times, last at %s", v.Deliveries, v.When(v.LastDelivery))
	}
	fmt.Fprintf(&b, "\n%s", m.literal(v.ID))
	return b.String()
}

// field is a short field from outside (service, source), bounded.
func field(s string) string {
	return mrkdwn.CutPlain(mrkdwn.OneLine(s), maxField, "…")
}

// description is the alert's description as a quote, its first
// maxDescriptionLines lines and maxDescription characters (as shown,
// escapes counted); a cut says so and where to read the whole text.
func (v View) description(m markup) string {
	q := m.quote(v.Description)
	lines := strings.SplitAfter(q, "\n")
	cut := len(lines) > maxDescriptionLines
	if cut {
		q = strings.TrimSuffix(strings.Join(lines[:maxDescriptionLines], ""), "\n")
	}
	if utf8.RuneCountInString(q) > maxDescription {
		q, cut = strings.TrimRight(m.cut(q, maxDescription, ""), "\n> "), true
	}
	if cut {
		q += "\n> … (cut: " + m.literal("starter incident show "+v.ID+" --json") + " has the whole text)"
	}
	return q
}

func (v View) onCall(m markup) string {
	switch {
	case len(v.OnCall) > 0:
		names := make([]string, len(v.OnCall))
		for i, p := range v.OnCall {
			names[i] = m.person(p)
		}
		return strings.Join(names, ", ")
	case v.LookingUp:
		return "(asking the pager)"
	}
	return "nobody"
}

// Link is where the page is: "Incident `id` in #channel", in mrkdwn.
func (v View) Link() string {
	return "Incident " + mrkdwn.Code(v.ID) + " in #" + mrkdwn.Line(strings.TrimPrefix(v.ChannelName, "#"))
}

// PageDM is the direct message to a person on call, in mrkdwn.
func (v View) PageDM() string {
	return fmt.Sprintf("You are paged: %s\n%s", v.SlackHeadline(), v.Link())
}

// SMS is the text of an escalation SMS, plain text on one line; the
// phone activity adds how to answer it, which depends on how the worker
// is set up.
func (v View) SMS() string {
	return fmt.Sprintf("Baton: %s (%s).", v.Headline(), mrkdwn.OneLine(v.ID))
}

// Call is what an escalation call reads aloud, plain text on one line;
// the phone activity adds how to answer it.
func (v View) Call(team string) string {
	drill := ""
	if v.Drill {
		drill = " This is a drill."
	}
	return fmt.Sprintf("This is Baton.%s %s incident for team %s: %s.", drill, mrkdwn.OneLine(v.Severity), mrkdwn.OneLine(team), v.summary())
}

// ShortCode is the three letters an SMS reply names its incident by
// ("1 K3F"): derived from the incident's ID, so the gateway finds it among
// the person's open pages without a table. Three base-32 letters tell
// 32,768 apart, and a clash only matters between one person's open pages.
func ShortCode(incidentID string) string {
	sum := sha256.Sum256([]byte(incidentID))
	return base32.StdEncoding.EncodeToString(sum[:])[:3]
}

// Silence is a silence holding a page back, as the page shows it.
type Silence struct {
	ID    string
	Until time.Time
	Note  string
}

func (s Silence) note(m markup) string {
	if s.Note == "" {
		return ""
	}
	return " (" + m.cut(m.text(s.Note), 200, "…") + ")"
}

// Affected is one thing downstream of the incident's service: a
// dashboard, a data asset, a team.
type Affected struct {
	Name string
	URL  string
}

// affects lists what the incident affects, each linked where it has a URL.
func (v View) affects(m markup) string {
	var parts []string
	for _, a := range v.Affects {
		if a.URL != "" {
			parts = append(parts, m.link(a.URL, field(a.Name)))
		} else {
			parts = append(parts, m.text(field(a.Name)))
		}
	}
	return strings.Join(parts, ", ")
}
