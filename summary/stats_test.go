package summary

import (
	"testing"
	"time"
)

func secs(ss ...float64) []time.Duration {
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = time.Duration(s * float64(time.Second))
	}
	return ds
}

func TestMedianAndPercentile(t *testing.T) {
	s := time.Second
	tests := []struct {
		name   string
		sorted []time.Duration
		median time.Duration
		// p maps a percentile to its nearest-rank value.
		p map[float64]time.Duration
	}{
		{"n=0", nil, 0, map[float64]time.Duration{0.5: 0, 0.9: 0, 1: 0}},
		{"n=1", secs(5), 5 * s, map[float64]time.Duration{0: 5 * s, 0.5: 5 * s, 0.9: 5 * s, 1: 5 * s}},
		// Even n: the median is the mean of the middle two, percentiles are
		// values of the set.
		{"n=2", secs(1, 4), 2500 * time.Millisecond, map[float64]time.Duration{0.5: 1 * s, 0.9: 4 * s, 0.51: 4 * s}},
		// rank ceil(0.9*5) = 5: the outlier.
		{"n=5", secs(1, 2, 3, 4, 100), 3 * s, map[float64]time.Duration{0: 1 * s, 0.2: 1 * s, 0.5: 3 * s, 0.8: 4 * s, 0.9: 100 * s, 1: 100 * s}},
		// rank ceil(0.9*10) = 9, not 10, despite 0.9 not being exact in binary.
		{"n=10", secs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5500 * time.Millisecond,
			map[float64]time.Duration{0.1: 1 * s, 0.5: 5 * s, 0.9: 9 * s, 0.91: 10 * s, 0.99: 10 * s, 1: 10 * s}},
		{"n=10 with ties", secs(60, 60, 60, 60, 60, 120, 300, 300, 300, 3600), 90 * s,
			map[float64]time.Duration{0.5: 60 * s, 0.6: 120 * s, 0.9: 300 * s}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Median(tc.sorted); got != tc.median {
				t.Errorf("Median = %v, want %v", got, tc.median)
			}
			for p, want := range tc.p {
				if got := Percentile(tc.sorted, p); got != want {
					t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
				}
			}
		})
	}
}

func TestTimeStats(t *testing.T) {
	ts := timeStats(secs(600, 120, 240, 1200)) // unsorted on purpose
	want := TimeStats{Count: 4, MedianSeconds: 420, P90Seconds: 1200, Median: "7m00s", P90: "20m00s"}
	if ts != want {
		t.Errorf("timeStats = %+v, want %+v", ts, want)
	}
	if empty := timeStats(nil); empty != (TimeStats{Median: "0s", P90: "0s"}) {
		t.Errorf("empty timeStats = %+v", empty)
	}
}

func TestUnionLength(t *testing.T) {
	base := utc(2026, 11, 16, 8, 0)
	h := func(x float64) time.Time { return base.Add(time.Duration(x * float64(time.Hour))) }
	from, to := h(0), h(168)
	tests := []struct {
		name string
		ivs  []interval
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []interval{{h(1), h(2)}}, time.Hour},
		{"two apart", []interval{{h(5), h(6)}, {h(1), h(2)}}, 2 * time.Hour},
		{"overlapping count once", []interval{{h(1), h(3)}, {h(2), h(4)}}, 3 * time.Hour},
		{"nested", []interval{{h(1), h(10)}, {h(2), h(3)}, {h(4), h(5)}}, 9 * time.Hour},
		{"touching", []interval{{h(1), h(2)}, {h(2), h(3)}}, 2 * time.Hour},
		{"chain", []interval{{h(1), h(3)}, {h(2.5), h(4)}, {h(3.5), h(6)}, {h(7), h(8)}}, 6 * time.Hour},
		{"identical", []interval{{h(1), h(2)}, {h(1), h(2)}, {h(1), h(2)}}, time.Hour},
		{"clipped at the start", []interval{{h(-5), h(1)}}, time.Hour},
		{"clipped at the end", []interval{{h(167), h(200)}}, time.Hour},
		{"outside", []interval{{h(-5), h(-1)}, {h(170), h(171)}}, 0},
		{"backwards is empty", []interval{{h(3), h(2)}}, 0},
		{"whole shift", []interval{{h(-1), h(169)}, {h(5), h(6)}}, 168 * time.Hour},
	}
	for _, tc := range tests {
		if got := unionLength(tc.ivs, from, to); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1400 * time.Millisecond, "1s"},
		{45 * time.Second, "45s"},
		{59600 * time.Millisecond, "1m00s"},
		{4*time.Minute + 5*time.Second, "4m05s"},
		{59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h00m"},
		{3*time.Hour + 20*time.Minute + 10*time.Second, "3h20m"},
		{23*time.Hour + 59*time.Minute + 40*time.Second, "1d00h"},
		{52 * time.Hour, "2d04h"},
		{-90 * time.Second, "-1m30s"},
	}
	for _, tc := range tests {
		if got := HumanDuration(tc.d); got != tc.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
