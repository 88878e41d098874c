// Package rosterview renders the rotation for people: the handover's
// post, checklist and warnings, its acceptance, the roster's "who holds
// the pager now", cover requests and swaps. The handover and roster
// workflows hand it typed facts (people, instants, notes) and post what it
// returns, so that mentions, emphasis and emoji are written here, once,
// and workflow code holds no chat syntax. It is pure, so every post is
// tested without an engine. Text that came from outside (notes typed in
// Slack or the CLI, alert summaries) is data: escaped and kept on its
// line (package mrkdwn).
package rosterview

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/team"
)

// Team is what every post is about: the team, the zone its instants are
// shown in, its on-call user group, and the chat users of its people.
type Team struct {
	Name string
	Loc  *time.Location
	// Group is the user group's ID or handle, as the team file gives it.
	Group string
	// ChatIDs maps a person ID to their chat user, for those chat knows.
	ChatIDs map[string]string
}

// When is an instant in the team's zone: "Mon 30 Nov 09:00 CET".
func (t Team) When(at time.Time) string {
	return When(at, t.Loc)
}

// When is an instant in loc, as Baton shows instants to people: "Mon 30
// Nov 09:00 CET".
func When(at time.Time, loc *time.Location) string {
	return at.In(loc).Format("Mon 2 Jan 15:04 MST")
}

// GroupName is the user group's name as people read it, without its "@".
func (t Team) GroupName() string {
	return strings.TrimPrefix(t.Group, "@")
}

// Mention names a person so that chat notifies them, from their chat user;
// a person chat does not know is named by ID, as text.
func (t Team) Mention(personID string) string {
	if chatID, ok := t.ChatIDs[personID]; ok {
		return mrkdwn.User(chatID)
	}
	return mrkdwn.Line(personID)
}

// Mentions names people so that chat notifies them; people chat does not
// know are named in text, by their name.
func (t Team) Mentions(people []team.Person) string {
	parts := make([]string, len(people))
	for i, p := range people {
		if chatID, ok := t.ChatIDs[p.ID]; ok {
			parts[i] = mrkdwn.User(chatID)
		} else {
			parts[i] = mrkdwn.Line(p.Label())
		}
	}
	return strings.Join(parts, ", ")
}

// Topic is the channel's topic, in plain text (topics render no
// mentions): "On call: @alice until Mon 7 Dec 09:00 CET".
func (t Team) Topic(onCall []string, until time.Time) string {
	return fmt.Sprintf("On call: %s until %s", Labels(onCall, "@"), t.When(until))
}

// Labels names people by ID in plain text, each after prefix.
func Labels(ids []string, prefix string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = prefix + id
	}
	return strings.Join(parts, ", ")
}

// note is a note typed in Slack or the CLI, cut to maxNote characters, as
// text on the post's line: " (note)", or "" for none.
func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + mrkdwn.Line(mrkdwn.CutPlain(mrkdwn.OneLine(s), maxNote, "…")) + ")"
}

// maxNote bounds a note in a post, in characters.
const maxNote = 300
