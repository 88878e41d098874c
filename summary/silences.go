package summary

import (
	"cmp"
	"slices"
)

// SilenceHeld is what one silence held back in a shift: planned work's
// alerts, which paged nobody while it held.
type SilenceHeld struct {
	Silence string `json:"silence"`
	Note    string `json:"note,omitempty"`
	// Alerts it held; PagedAfter those still firing when it ended, which
	// paged then.
	Alerts     int `json:"alerts"`
	PagedAfter int `json:"paged_after"`
}

func silencesHeld(incs []Record) []SilenceHeld {
	by := map[string]*SilenceHeld{}
	for _, inc := range incs {
		if inc.Silenced == "" {
			continue
		}
		h := by[inc.Silenced]
		if h == nil {
			h = &SilenceHeld{Silence: inc.Silenced, Note: inc.SilenceNote}
			by[inc.Silenced] = h
		}
		h.Alerts++
		if inc.Paged {
			h.PagedAfter++
		}
	}
	out := []SilenceHeld{}
	for _, h := range by {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b SilenceHeld) int {
		return cmp.Or(b.Alerts-a.Alerts, cmp.Compare(a.Silence, b.Silence))
	})
	return out
}
