// Package texttest checks rendered text (a page, a summary post) for what
// it must and must not hold, for the renderers' tests.
package texttest

import (
	"strings"
	"testing"
)

// HoldsAll checks that text, the what, holds every one of want.
func HoldsAll(t testing.TB, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// HoldsNone checks that text, the what, holds none of bad.
func HoldsNone(t testing.TB, what, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Errorf("%s holds %q:\n%s", what, b, text)
		}
	}
}
