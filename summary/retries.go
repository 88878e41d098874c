package summary

import (
	"cmp"
	"slices"
)

// Retried is one retry before paging, as its memo keeps it.
type Retried struct {
	// Alert is the alert's name, else its summary.
	Alert string `json:"alert"`
	// ResolvedByRetry: the alert resolved after the retry, and nobody was
	// paged; Paged: it paged (still firing, or no retry could be made).
	// Neither while the retry waits.
	ResolvedByRetry bool `json:"resolved_by_retry,omitempty"`
	Paged           bool `json:"paged,omitempty"`
}

// RetryStats is what retrying before paging did in a shift.
type RetryStats struct {
	Retried         int `json:"retried"`
	ResolvedByRetry int `json:"resolved_by_retry"`
	Paged           int `json:"paged"`
	// Alerts are the alerts that needed a retry, most first: the jobs to
	// fix.
	Alerts []RetriedAlert `json:"alerts"`
}

// RetriedAlert is one alert's retries in a shift.
type RetriedAlert struct {
	Alert    string `json:"alert"`
	Retried  int    `json:"retried"`
	Resolved int    `json:"resolved"`
}

func retryStats(rs []Retried) RetryStats {
	st := RetryStats{Alerts: []RetriedAlert{}}
	by := map[string]*RetriedAlert{}
	for _, r := range rs {
		st.Retried++
		a := by[r.Alert]
		if a == nil {
			a = &RetriedAlert{Alert: r.Alert}
			by[r.Alert] = a
		}
		a.Retried++
		switch {
		case r.ResolvedByRetry:
			st.ResolvedByRetry++
			a.Resolved++
		case r.Paged:
			st.Paged++
		}
	}
	for _, a := range by {
		st.Alerts = append(st.Alerts, *a)
	}
	slices.SortFunc(st.Alerts, func(x, y RetriedAlert) int {
		return cmp.Or(cmp.Compare(y.Retried, x.Retried), cmp.Compare(x.Alert, y.Alert))
	})
	return st
}
