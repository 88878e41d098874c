package silence

import (
	"fmt"
	"time"

	"github.com/baton-oncall/baton/internal/mrkdwn"
)

// What the channel reads of a silence. Its matchers and note were typed by
// someone: they are shown as data, escaped, never as markup.

func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

// who is whoever set or removed it: their chat user, else their name.
func who(chatID, name string) string {
	switch {
	case chatID != "":
		return mrkdwn.User(chatID)
	case name != "":
		return mrkdwn.Line(name)
	}
	return "someone"
}

func (s Silence) noted() string {
	if s.Note == "" {
		return ""
	}
	return ": " + mrkdwn.Line(mrkdwn.OneLine(s.Note))
}

// SetText tells the channel a silence was set.
func (s Silence) SetText(loc *time.Location) string {
	return fmt.Sprintf("🔕 Silence %s set by %s until %s%s. Alerts matching %s open their incidents and show here, but page nobody and ring no phone until it ends.",
		s.ID, who(s.ByChat, s.By), when(s.Until, loc), s.noted(), mrkdwn.Code(s.Describe()))
}

// EndedText tells the channel a silence ended, by its time or removed.
func (s Silence) EndedText(loc *time.Location) string {
	how := "ran out"
	if !s.Ended.IsZero() && s.Ended.Before(s.Until) {
		how = "was removed by " + who(s.RemovedByChat, s.RemovedBy)
	}
	return fmt.Sprintf("🔔 Silence %s %s at %s%s. Alerts matching %s page again; those it held back and still firing are paged now.",
		s.ID, how, when(s.End(), loc), s.noted(), mrkdwn.Code(s.Describe()))
}

// PageLine is the line a held page shows in place of whom it pages.
func (s Silence) PageLine(loc *time.Location) string {
	return fmt.Sprintf("🔕 Silenced by %s until %s%s: paging nobody", s.ID, when(s.End(), loc), s.noted())
}
