package summary

import (
	"cmp"
	"slices"
	"time"

	"github.com/baton-oncall/baton/support"
)

// SupportAskersShown is how many askers SupportStats.TopAskers names.
const SupportAskersShown = 3

// SupportStats are the support requests opened in a shift: how many, how
// soon someone answered and finished them, and who asked most.
type SupportStats struct {
	Requests int `json:"requests"`
	Done     int `json:"done"`
	Open     int `json:"open"`
	// TimeToFirstResponse runs from a request to its Take, or to its Done
	// when nobody took it first; TimeToDone to its Done.
	TimeToFirstResponse TimeStats `json:"time_to_first_response"`
	TimeToDone          TimeStats `json:"time_to_done"`
	// Reminders counts the reminders the person on call got of requests
	// nobody took in time.
	Reminders int `json:"reminders"`
	// TopAskers are who asked most, by chat user, most first.
	TopAskers []Asker `json:"top_askers"`
}

// Asker is someone who asked for support, by chat user, and how often.
type Asker struct {
	User     string `json:"user"`
	Requests int    `json:"requests"`
}

func supportStats(reqs []support.Request) SupportStats {
	st := SupportStats{TopAskers: []Asker{}}
	var first, done []time.Duration
	by := map[string]int{}
	for _, r := range reqs {
		st.Requests++
		st.Reminders += r.Reminders
		if at := r.FirstResponse(); !at.IsZero() {
			first = append(first, max(at.Sub(r.Opened), 0))
		}
		if at := r.DoneAt(); !at.IsZero() {
			st.Done++
			done = append(done, max(at.Sub(r.Opened), 0))
		} else {
			st.Open++
		}
		if r.Asker != "" {
			by[r.Asker]++
		}
	}
	st.TimeToFirstResponse, st.TimeToDone = timeStats(first), timeStats(done)
	for user, n := range by {
		st.TopAskers = append(st.TopAskers, Asker{User: user, Requests: n})
	}
	slices.SortFunc(st.TopAskers, func(x, y Asker) int { return cmp.Or(cmp.Compare(y.Requests, x.Requests), cmp.Compare(x.User, y.User)) })
	st.TopAskers = st.TopAskers[:min(len(st.TopAskers), SupportAskersShown)]
	return st
}
