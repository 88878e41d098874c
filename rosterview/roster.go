package rosterview

import (
	"fmt"
	"time"
)

// Holder tells the channel who holds the pager now, until until: the
// rotation's person again, or one covering by an override with its note.
func (t Team) Holder(holder string, until time.Time, covering bool, overrideNote string) string {
	if covering {
		return fmt.Sprintf("%s covers *%s* until %s.", t.Mention(holder), t.Name, t.When(until)) + note(overrideNote)
	}
	return fmt.Sprintf("%s is on call for *%s* again until %s.", t.Mention(holder), t.Name, t.When(until))
}

// CoverAsked asks the channel to cover by's shift from from to to.
func (t Team) CoverAsked(by string, from, to time.Time, askNote string) string {
	return fmt.Sprintf(":raising_hand: %s needs cover for *%s* from %s to %s.", t.Mention(by), t.Name, t.When(from), t.When(to)) + note(askNote)
}

// SwapAsked asks a person by DM to take by's shift (from, to) and give
// theirs (withFrom, withTo).
func (t Team) SwapAsked(by string, from, to, withFrom, withTo time.Time) string {
	return fmt.Sprintf("%s asks to swap shifts with you on *%s*: you take theirs, %s to %s, and they take yours, %s to %s.",
		t.Mention(by), t.Name, t.When(from), t.When(to), t.When(withFrom), t.When(withTo))
}

// Covered says that takenBy covers by from from to to.
func (t Team) Covered(takenBy, by string, from, to time.Time) string {
	return fmt.Sprintf("%s covers %s for *%s* from %s to %s.", t.Mention(takenBy), t.Mention(by), t.Name, t.When(from), t.When(to))
}

// Swapped says that by and with swapped: with holds by's shift (from, to)
// and by holds with's (withFrom, withTo).
func (t Team) Swapped(by, with string, from, to, withFrom, withTo time.Time) string {
	return fmt.Sprintf("%s and %s swapped shifts on *%s*: %s holds %s to %s, %s holds %s to %s.", t.Mention(by), t.Mention(with), t.Name,
		with, t.When(from), t.When(to), by, t.When(withFrom), t.When(withTo))
}

// SwapDeclined says that with declined the swap.
func (t Team) SwapDeclined(with string) string {
	return fmt.Sprintf("%s declined the swap of *%s* shifts.", t.Mention(with), t.Name)
}

// Closed is a request's post once it ended with outcome: no buttons left,
// and marked done.
func Closed(outcome string) string {
	return ":white_check_mark: " + outcome
}
