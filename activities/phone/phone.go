// Package phone reaches people off-screen, when nobody acknowledges a page:
// SMS first, then a voice call. Twilio does it when credentials are set, the
// console otherwise. Both speak one small interface, so the escalation
// logic is written once. The Twilio adapter is package phone/twilio, apart
// from the interface, so that the workflows link no vendor's client.
//
// Phone numbers are personal data: they never go into an error message or a
// log line in full. Mask shows enough of one to tell two apart.
package phone

import (
	"context"
	"time"
	"unicode/utf16"
)

// Twilio's documented limits, in characters.
const (
	// MaxSMS is the longest message body Twilio takes (error 21617).
	MaxSMS = 1600
	// MaxTwiML is the longest TwiML document a call may carry (error
	// 32018).
	MaxTwiML = 4000
	// MaxSMSBody is the longest body Phone.SMS takes: what Twilio takes,
	// less the reference the Twilio adapter adds (" [ref 1a2b3c]").
	MaxSMSBody = MaxSMS - refRoom
)

// refRoom is what the Twilio adapter's reference takes at the end of an
// SMS: " [ref 1a2b3c]" (see twilio.Ref).
const refRoom = len(" [ref ]") + 6

// Length counts characters as Twilio's limits do: in UTF-16 units, so
// that an emoji, which Twilio counts as more than one, counts as two.
// Never bytes: "ü" is one character.
func Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Cut bounds s to n characters (Length): a text that is longer loses its
// end, and an ellipsis says so.
func Cut(s string, n int) string {
	if Length(s) <= n {
		return s
	}
	used := Length("…")
	for i, r := range s {
		if used+utf16.RuneLen(r) > n {
			return s[:i] + "…"
		}
		used += utf16.RuneLen(r)
	}
	return s
}

// Phone sends SMS and places voice calls.
type Phone interface {
	// SMS sends body, of at most MaxSMSBody characters (a longer one is
	// cut), to the E.164 number to. key identifies this message for
	// idempotency: a second SMS call with the same key (to the same number,
	// since `since`) must not send again and returns the first message's SID.
	// A zero since says that nothing can have been sent yet (the first try
	// of a step), so no look-up is made and the SMS goes out at once.
	SMS(ctx context.Context, to, body, key string, since time.Time) (sid string, err error)
	// Call places a call to `to` that reads `say` aloud (TwiML <Say>), twice,
	// then hangs up; a say too long for Twilio's TwiML limit is cut. With an answerURL, the person may press a key while
	// it reads, and the key goes to that URL (TwiML <Gather>). Same
	// idempotency rule with key and since.
	Call(ctx context.Context, to, say, answerURL, key string, since time.Time) (sid string, err error)
}

// Mask hides the middle of a phone number: "+4915112340001" becomes
// "+49…0001", the country code and the last four digits, which is what a
// person needs to recognise their own number. Anything shorter than eight
// characters is hidden entirely, as too little of it would be left hidden.
func Mask(number string) string {
	r := []rune(number)
	if len(r) < 8 {
		return "…"
	}
	return string(r[:3]) + "…" + string(r[len(r)-4:])
}
