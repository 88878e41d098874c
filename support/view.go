package support

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-oncall/baton/activities/chat"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// View renders a team's requests: the team, its on-call user group, and
// the zone its instants are shown in. Text from outside (the asked
// message) is data: escaped and bounded.
type View struct {
	Team  string
	Group string
	Loc   *time.Location
}

// when is an instant in the team's zone.
func (v View) when(t time.Time) string {
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

// Asked is the post by which /baton ask puts a request in the channel:
// who asks, and what, quoted.
func (v View) Asked(r Request) string {
	return fmt.Sprintf("*Support request for %s* from %s:\n%s", mrkdwn.Line(v.Team), who(r.Asker), quote(r.Text, TextMost))
}

// Post is the request's post in its thread, updated in place as it
// changes: it tags the on-call group while the request is new, quotes
// what was asked, and says its state.
func (v View) Post(r Request) string {
	var b strings.Builder
	if r.State == StateNew {
		b.WriteString(mrkdwn.Group(v.Group) + " ")
	}
	fmt.Fprintf(&b, "*Support request* from %s%s:\n", who(r.Asker), via(r))
	if q := quote(r.Text, shownMost); q != "" {
		b.WriteString(q + "\n")
	}
	b.WriteString(v.StateLine(r))
	return b.String()
}

// StateLine is the request's state in one line: "🔴 *New*: …",
// "🟡 *Taken* by @bob at …", "🟢 *Done* by @bob at …".
func (v View) StateLine(r Request) string {
	rl := rules[r.State]
	switch r.State {
	case StateTaken:
		return fmt.Sprintf("%s *%s* by %s at %s: Done when it is answered.", rl.mark, rl.word, r.Taken.mention(), v.when(r.Taken.At))
	case StateDone:
		line := fmt.Sprintf("%s *%s* by %s at %s", rl.mark, rl.word, r.Finished.mention(), v.when(r.Finished.At))
		if r.Taken != nil && r.Taken.By != r.Finished.By {
			line += fmt.Sprintf(" (taken by %s at %s)", r.Taken.mention(), v.when(r.Taken.At))
		}
		return line + "."
	}
	return fmt.Sprintf("%s *%s*: nobody has taken it yet. Take it to answer it, or say Done.", rl.mark, rl.word)
}

// Buttons are the post's buttons in the request's state: Take and Done
// while it is new, Done once taken, none once done. Each carries the
// request's ID; the console shows the starter command that does the same.
func (v View) Buttons(r Request) []chat.Button {
	var out []chat.Button
	for _, act := range rules[r.State].buttons {
		b := chat.Button{ActionID: contract.SupportTakeAction, Text: "Take", Value: r.ID, Style: "primary",
			Command: "starter support take --as PERSON " + r.ID}
		if act == ActDone {
			b = chat.Button{ActionID: contract.SupportDoneAction, Text: "Done", Value: r.ID,
				Command: "starter support done --as PERSON " + r.ID}
		}
		out = append(out, b)
	}
	return out
}

// Reminder is the DM to the person on call about a request nobody took
// within waited.
func (v View) Reminder(r Request, waited time.Duration) string {
	where := "its thread"
	if r.Link != "" {
		where = mrkdwn.Link(r.Link, "its thread")
	}
	return fmt.Sprintf("A support request of *%s* from %s in %s has waited %s for someone to take it (since %s):\n%s\nTake it in %s, or say Done.",
		mrkdwn.Line(v.Team), who(r.Asker), channel(r.Channel), waitedFor(waited), v.when(r.Opened), quote(r.Text, shownMost), where)
}

// who names a chat user who asked, or says nobody is known.
func who(user string) string {
	if user == "" {
		return "someone"
	}
	return mrkdwn.User(user)
}

// via says how a request was opened, after who asked.
func via(r Request) string {
	switch r.Via {
	case ViaReaction:
		return ""
	case ViaShortcut:
		if r.OpenedBy != "" && r.OpenedBy != r.Asker {
			return " (sent by " + mrkdwn.User(r.OpenedBy) + " with Ask on-call)"
		}
		return " (with Ask on-call)"
	case ViaAsk:
		return " (with /baton ask)"
	}
	return ""
}

// quote shows the asked text as a block quote, cut to most characters;
// "" for none.
func quote(text string, most int) string {
	return mrkdwn.Quote(mrkdwn.CutPlain(strings.TrimSpace(text), most, "…"))
}

// channel names a channel for mrkdwn: an ID as a link Slack shows by
// name, a #name as text.
func channel(ch string) string {
	if contract.ValidSlackChannelID(ch) {
		return "<#" + ch + ">"
	}
	if ch == "" {
		return "the support channel"
	}
	return mrkdwn.Line(ch)
}

// waitedFor is a wait in words: "2h", "90m", "1d 2h".
func waitedFor(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
