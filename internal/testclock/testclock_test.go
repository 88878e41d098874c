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

func TestMidWeekIsHalfAWeekFromNow(t *testing.T) {
	berlin := MustLoad("Europe/Berlin")
	for _, now := range []time.Time{
		time.Date(2026, 12, 6, 5, 53, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC), // half an hour before a Monday 09:00
		time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), // the night summer time ends
	} {
		w := MidWeek(berlin, now)
		last := w.Start(now)
		next := last.AddDate(0, 0, 7)
		if d := now.Sub(last); d < 3*24*time.Hour || d > 4*24*time.Hour {
			t.Errorf("%s: the last handover %s is %s before", now, last, d)
		}
		if d := next.Sub(now); d < 3*24*time.Hour || d > 4*24*time.Hour {
			t.Errorf("%s: the next handover %s is %s after", now, next, d)
		}
	}
	w := Weekly{Loc: berlin, Weekday: time.Thursday, Hour: 7}
	if got := w.YAML(); got != `weekday: thursday, time: "07:00"` {
		t.Errorf("YAML: %s", got)
	}
}
