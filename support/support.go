// Package support is the rule of a support request, as pure functions on
// plain data: what each state allows (Take, Done), shows and arms; when
// the person on call is reminded of a request nobody took; and how a
// request reads in chat. Someone asks the person on call for help (a
// reaction in the support channel, the "Ask on-call" shortcut, /baton
// ask); the SupportRequest workflow keeps the request as a Request and
// hands it here, and the handover, the weekly summary and the starter
// read the same Request from the workflow's memo.
package support

import (
	"fmt"
	"slices"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/mrkdwn"
	"github.com/baton-oncall/baton/team"
)

// A request's states, its BatonState: new until someone takes it, taken
// until someone says it is done.
const (
	StateNew   = contract.SupportStateNew
	StateTaken = contract.SupportStateTaken
	StateDone  = contract.SupportStateDone
)

// How a request was opened.
const (
	// ViaReaction: the team's reaction on a message of its support
	// channel.
	ViaReaction = "reaction"
	// ViaShortcut: the message shortcut "Ask on-call" on any message.
	ViaShortcut = "shortcut"
	// ViaAsk: /baton ask, whose message Baton posts itself.
	ViaAsk = "ask"
)

// The actions on a request: its buttons, Take and Done.
const (
	ActTake = "take"
	ActDone = "done"
)

// Bounds on the asked text, in characters: kept whole up to TextMost
// (Slack's section holds 3,000), shown up to shownMost in the request's
// post, and kept to MemoTextMost in the memo, which lists and summaries
// read.
const (
	TextMost     = 3000
	shownMost    = 500
	MemoTextMost = 300
)

// Request is one support request: the message asked about, who asked,
// and who took it and finished it, when.
type Request struct {
	// ID is the request's workflow ID (contract.SupportID).
	ID   string `json:"id"`
	Team string `json:"team"`
	// Channel and TS are the message asked about; ThreadTS is the thread
	// in which the request is followed (the message's own, or its
	// thread's when it is a reply).
	Channel  string `json:"channel,omitempty"`
	TS       string `json:"ts,omitempty"`
	ThreadTS string `json:"thread_ts,omitempty"`
	// Asker wrote the message asked about; OpenedBy opened the request
	// (reacted, used the shortcut, typed /baton ask). Both are chat users.
	Asker    string `json:"asker,omitempty"`
	OpenedBy string `json:"opened_by,omitempty"`
	// Via is how it was opened: ViaReaction, ViaShortcut or ViaAsk.
	Via string `json:"via"`
	// Text is what was asked, as people wrote it: text from outside,
	// which the renderers escape. Empty when chat could not say.
	Text   string    `json:"text,omitempty"`
	Opened time.Time `json:"opened"`
	State  string    `json:"state"`
	// Taken and Finished say who took the request and who said it was
	// done, and when; nil until then.
	Taken    *Answer `json:"taken,omitempty"`
	Finished *Answer `json:"done,omitempty"`
	// Reminded is when the person on call was last reminded of it;
	// Reminders counts the reminders.
	Reminded  time.Time `json:"reminded,omitzero"`
	Reminders int       `json:"reminders,omitempty"`
	// Link is the request's post in chat, when chat gave one.
	Link string `json:"link,omitempty"`
}

// Answer is someone's action on a request: who, as a person of the team
// and as a chat user, and when.
type Answer struct {
	By     string    `json:"by"`
	ByChat string    `json:"by_chat,omitempty"`
	At     time.Time `json:"at"`
}

// Act is an action asked of a request by someone.
type Act struct {
	Action string `json:"action"`
	// By is the person of the team; ByChat their chat user.
	By     string `json:"by"`
	ByChat string `json:"by_chat,omitempty"`
}

// rule is what a state allows, how its post shows it, and whether it
// reminds the person on call: the one table of a request's states.
type rule struct {
	allows  []string
	mark    string
	word    string
	buttons []string
	reminds bool
}

var rules = map[string]rule{
	StateNew:   {allows: []string{ActTake, ActDone}, mark: "🔴", word: "New", buttons: []string{ActTake, ActDone}, reminds: true},
	StateTaken: {allows: []string{ActDone}, mark: "🟡", word: "Taken", buttons: []string{ActDone}},
	StateDone:  {mark: "🟢", word: "Done"},
}

// Open reports whether the request waits for someone: new or taken.
func (r Request) Open() bool { return r.State != StateDone }

// FirstResponse is when someone first answered the request: took it, or
// said it was done without taking it; zero while nobody has.
func (r Request) FirstResponse() time.Time {
	switch {
	case r.Taken != nil:
		return r.Taken.At
	case r.Finished != nil:
		return r.Finished.At
	}
	return time.Time{}
}

// DoneAt is when the request was done; zero while it is open.
func (r Request) DoneAt() time.Time {
	if r.Finished == nil {
		return time.Time{}
	}
	return r.Finished.At
}

// Memo is the request as its memo keeps it: its text cut to MemoTextMost,
// so that lists of many requests stay small.
func (r Request) Memo() Request {
	r.Text = mrkdwn.CutPlain(r.Text, MemoTextMost, "…")
	return r
}

// Refusal is why an action does not fit a request, for the person who
// asked it.
type Refusal string

func (r Refusal) Error() string { return string(r) }

func refuse(format string, args ...any) error { return Refusal(fmt.Sprintf(format, args...)) }

// Check says why act does not fit the request now, for the person who
// asked it; nil when it does. A request is taken once: a second Take, by
// anyone, is refused with who took it (it is theirs until they, or anyone
// of the team, press Done), and nothing follows Done. Done without Take
// is fine: it answers the request as well.
func (r Request) Check(act Act) error {
	rl, ok := rules[r.State]
	switch {
	case act.Action != ActTake && act.Action != ActDone:
		return refuse("%q is not an action on a support request (take, done)", act.Action)
	case !ok:
		return refuse("the request is in no state Baton knows (%q)", r.State)
	case slices.Contains(rl.allows, act.Action):
		return nil
	case r.State == StateDone:
		return refuse("already done by %s: nothing changed", r.Finished.mention())
	case r.Taken != nil && act.By != "" && act.By == r.Taken.By:
		return refuse("you took it already; press Done when it is answered")
	case r.Taken != nil:
		return refuse("already taken by %s: a request is taken once, and it is theirs; they (or anyone of the team) press Done when it is answered", r.Taken.mention())
	}
	return refuse("%s does not fit a request that is %s", act.Action, r.State)
}

// Apply is the request after act, which Check took, at at, and what to
// tell whoever asked it.
func (r Request) Apply(act Act, at time.Time) (Request, string) {
	a := &Answer{By: act.By, ByChat: act.ByChat, At: at}
	switch act.Action {
	case ActTake:
		r.Taken, r.State = a, StateTaken
		return r, "Taken: the request is yours. Press Done when it is answered."
	default:
		r.Finished, r.State = a, StateDone
		return r, "Done: the request is closed. Thank you."
	}
}

// ReminderDue is when the request next calls for a reminder to the person
// on call: within after it opened, then within after each reminder; zero
// for a request that reminds nobody (one someone took, or done).
func (r Request) ReminderDue(within time.Duration) time.Time {
	if !rules[r.State].reminds {
		return time.Time{}
	}
	from := r.Opened
	if r.Reminded.After(from) {
		from = r.Reminded
	}
	return from.Add(within)
}

// RemindAt is when a reminder due at due may reach p: then, in their
// working hours, else when their next working hours start, in their own
// zone (the team's, teamLoc, when they give none). A support request
// never wakes anyone.
func RemindAt(p team.Person, teamLoc *time.Location, due time.Time) time.Time {
	if p.InWorkingHours(teamLoc, due) {
		return due
	}
	return p.NextWorkingStart(teamLoc, due)
}

// mention names who answered, by their chat user when known.
func (a *Answer) mention() string {
	if a == nil {
		return "someone"
	}
	if a.ByChat != "" {
		return mrkdwn.User(a.ByChat)
	}
	return mrkdwn.Line(a.By)
}
