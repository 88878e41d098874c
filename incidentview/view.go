// Package incidentview renders an incident for people: the channel page in
// Slack's mrkdwn and as plain text for the console, the headline, the DM,
// the SMS and what a call says. It is pure: the incident workflow hands it
// typed facts (state, who, when) and gets text back, so presentation
// changes without touching orchestration, and each rendering is tested
// without an engine.
package incidentview

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
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

// Mention names the person so that chat notifies them.
func (p Person) Mention() string {
	if p.ChatID != "" {
		return "<@" + p.ChatID + ">"
	}
	return p.Name
}

// Label names the person in plain text.
func (p Person) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ChatID
}

// View is what the page shows of an incident.
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

var severityMark = map[string]string{
	"critical": ":red_circle:", "high": ":large_orange_circle:",
	"medium": ":large_yellow_circle:", "low": ":white_circle:",
}

// Headline is "[CRITICAL] summary".
func (v View) Headline() string {
	return fmt.Sprintf("[%s] %s", strings.ToUpper(v.Severity), v.Summary)
}

// GroupMention notifies the on-call user group: by ID when the team file
// gives one, else by handle, which Slack links (link_names).
func (v View) GroupMention() string {
	g := strings.TrimPrefix(v.Group, "@")
	if len(g) > 1 && g[0] == 'S' && strings.ToUpper(g) == g {
		return "<!subteam^" + g + ">"
	}
	return "@" + g
}

// groupLabel is the group in plain text.
func (v View) groupLabel() string {
	return "@" + strings.TrimPrefix(v.Group, "@")
}

// When formats an instant in the team's zone: "Tue 24 Nov 14:05 CET".
func (v View) When(t time.Time) string {
	return t.In(v.Loc).Format("Mon 2 Jan 15:04 MST")
}

// markup is how one rendering writes mentions and links.
type markup struct {
	bold    func(string) string
	person  func(Person) string
	group   string
	link    func(url, text string) string
	literal func(string) string
}

// Slack renders the page in Slack's mrkdwn.
func (v View) Slack() string {
	return v.page(markup{
		bold:    func(s string) string { return "*" + s + "*" },
		person:  Person.Mention,
		group:   v.GroupMention(),
		link:    func(url, text string) string { return "<" + url + "|" + text + ">" },
		literal: func(s string) string { return "`" + s + "`" },
	}, severityMark[v.Severity]+" ")
}

// Plain renders the page as plain text, for a terminal.
func (v View) Plain() string {
	return v.page(markup{
		bold:    func(s string) string { return s },
		person:  Person.Label,
		group:   v.groupLabel(),
		link:    func(url, text string) string { return text + " (" + url + ")" },
		literal: func(s string) string { return s },
	}, "")
}

func (v View) page(m markup, mark string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n", mark, m.bold(v.Headline()))
	if v.Paged && v.State == "triggered" {
		fmt.Fprintf(&b, "%s: on call %s\n", m.group, v.onCall(m))
	}
	fmt.Fprintf(&b, "%s %s", m.bold("State:"), v.State)
	if v.Service != "" {
		fmt.Fprintf(&b, " · %s %s", m.bold("Service:"), v.Service)
	}
	source := v.Source
	if v.SourceURL != "" {
		source = m.link(v.SourceURL, v.Source)
	}
	fmt.Fprintf(&b, " · %s %s", m.bold("Source:"), source)
	if v.RunbookURL != "" {
		fmt.Fprintf(&b, " · %s", m.link(v.RunbookURL, "Runbook"))
	}
	if v.Description != "" {
		fmt.Fprintf(&b, "\n%s", v.Description)
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

// Link is where the page is: "Incident `id` in #channel".
func (v View) Link() string {
	return "Incident `" + v.ID + "` in #" + strings.TrimPrefix(v.ChannelName, "#")
}

// PageDM is the direct message to a person on call.
func (v View) PageDM() string {
	return fmt.Sprintf("You are paged: %s\n%s", v.Headline(), v.Link())
}

// SMS is the text of an escalation SMS; the phone activity adds how to
// answer it, which depends on how the worker is set up.
func (v View) SMS() string {
	return fmt.Sprintf("Baton: %s (%s).", v.Headline(), v.ID)
}

// Call is what an escalation call reads aloud; the phone activity adds how
// to answer it.
func (v View) Call(team string) string {
	return fmt.Sprintf("This is Baton. %s incident for team %s: %s.", v.Severity, team, v.Summary)
}

// ShortCode is the three letters an SMS reply names its incident by
// ("1 K3F"): derived from the incident's ID, so the gateway finds it among
// the person's open pages without a table. Three base-32 letters tell
// 32,768 apart, and a clash only matters between one person's open pages.
func ShortCode(incidentID string) string {
	sum := sha256.Sum256([]byte(incidentID))
	return base32.StdEncoding.EncodeToString(sum[:])[:3]
}
