package testclock

import (
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	berlin := MustLoad("Europe/Berlin")
	monday9 := Weekly{Loc: berlin, Weekday: time.Monday, Hour: 9}
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"midweek", time.Date(2026, 12, 2, 10, 0, 0, 0, berlin), time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)},
		{"at the handover", time.Date(2026, 11, 30, 9, 0, 0, 0, berlin), time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)},
		{"a minute before it", time.Date(2026, 11, 30, 8, 59, 0, 0, berlin), time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)},
		{"across the end of summer time", time.Date(2026, 10, 25, 12, 0, 0, 0, berlin), time.Date(2026, 10, 19, 9, 0, 0, 0, berlin)},
		{"asked in another zone", time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC), time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)},
	}
	for _, tc := range tests {
		if got := monday9.Start(tc.now); !got.Equal(tc.want) {
			t.Errorf("%s: Start(%s) = %s, want %s", tc.name, tc.now, got, tc.want)
		}
	}
}

func TestNowIsClearOfTheNextHandover(t *testing.T) {
	// A shift whose handover is always more than Margin away: Now does not wait.
	w := Weekly{Loc: time.UTC, Weekday: time.Now().UTC().Add(-48 * time.Hour).Weekday(), Hour: 12}
	before := time.Now()
	now := Now(w)
	if next := w.Start(now).AddDate(0, 0, 7); next.Sub(now) < Margin {
		t.Errorf("now %s is within %s of the handover at %s", now, Margin, next)
	}
	if now.Sub(before) > Margin+2*time.Second {
		t.Errorf("Now waited %s", now.Sub(before))
	}
}
