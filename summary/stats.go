package summary

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Median of sorted durations: the middle one, or for an even count the
// mean of the two middle ones. Zero for none.
func Median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	default:
		a, b := sorted[n/2-1], sorted[n/2]
		return a + (b-a)/2
	}
}

// Percentile of sorted durations by the nearest-rank method: the value at
// rank ceil(p*n), counting from 1, with p a fraction (0.9 for p90) and the
// rank kept within 1..n. Zero for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// The small epsilon keeps 0.9*10 at rank 9 despite binary fractions.
	rank := int(math.Ceil(p*float64(n) - 1e-9))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// TimeStats are the median and p90 of a time to acknowledge or resolve.
type TimeStats struct {
	Count         int    `json:"count"`
	MedianSeconds int64  `json:"median_seconds"`
	P90Seconds    int64  `json:"p90_seconds"`
	Median        string `json:"median"`
	P90           string `json:"p90"`
}

// timeStats sorts ds in place and summarises it.
func timeStats(ds []time.Duration) TimeStats {
	slices.Sort(ds)
	med, p90 := Median(ds), Percentile(ds, 0.9)
	return TimeStats{
		Count:         len(ds),
		MedianSeconds: seconds(med),
		P90Seconds:    seconds(p90),
		Median:        HumanDuration(med),
		P90:           HumanDuration(p90),
	}
}

// interval is a half-open stretch of time.
type interval struct{ start, end time.Time }

// unionLength is the length of the union of intervals clipped to
// [from, to): overlapping stretches count once. It sorts ivs in place.
func unionLength(ivs []interval, from, to time.Time) time.Duration {
	slices.SortFunc(ivs, func(a, b interval) int { return a.start.Compare(b.start) })
	var total time.Duration
	var cur interval
	open := false
	for _, iv := range ivs {
		if iv.start.Before(from) {
			iv.start = from
		}
		if iv.end.After(to) {
			iv.end = to
		}
		if !iv.end.After(iv.start) {
			continue
		}
		switch {
		case !open:
			cur, open = iv, true
		case !iv.start.After(cur.end):
			if iv.end.After(cur.end) {
				cur.end = iv.end
			}
		default:
			total += cur.end.Sub(cur.start)
			cur = iv
		}
	}
	if open {
		total += cur.end.Sub(cur.start)
	}
	return total
}

// seconds rounds a duration to whole seconds.
func seconds(d time.Duration) int64 {
	return int64(d.Round(time.Second) / time.Second)
}

// HumanDuration shows a duration short and rounded: seconds under a
// minute ("45s"), minutes and seconds under an hour ("12m05s"), hours and
// minutes under a day ("3h20m"), then days and hours ("2d04h").
func HumanDuration(d time.Duration) string {
	if d < 0 {
		return "-" + HumanDuration(-d)
	}
	if s := seconds(d); s < 60 {
		return strconv.FormatInt(s, 10) + "s"
	} else if s < 3600 {
		return strconv.FormatInt(s/60, 10) + "m" + pad2(s%60) + "s"
	}
	if m := int64(d.Round(time.Minute) / time.Minute); m < 24*60 {
		return strconv.FormatInt(m/60, 10) + "h" + pad2(m%60) + "m"
	}
	h := int64(d.Round(time.Hour) / time.Hour)
	return strconv.FormatInt(h/24, 10) + "d" + pad2(h%24) + "h"
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
