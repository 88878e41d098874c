package phone_test

import (
	"testing"

	"github.com/baton-oncall/baton/activities/phone"
)

func TestLengthCountsCharactersNotBytes(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "üöä": 3, "€": 1, "🔥": 2} {
		if got := phone.Length(s); got != want {
			t.Errorf("Length(%q) = %d, want %d", s, got, want)
		}
	}
	if got := phone.Cut("üüüüü", 3); got != "üü…" {
		t.Errorf("Cut = %q", got)
	}
	if got := phone.Cut("a🔥b", 3); got != "a…" {
		t.Errorf("Cut through an emoji = %q", got)
	}
	if got := phone.Cut("short", 5); got != "short" {
		t.Errorf("Cut of what fits = %q", got)
	}
}
