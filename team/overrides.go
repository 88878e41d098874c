package team

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// An Override gives a team's pager to Person from From to To, instead of
// whoever the rotation says: someone sick on Tuesday, a swapped week, two
// evenings covered. Overrides live in Temporal (the team's roster
// workflow), not in the team file, so that nobody edits the file for a
// sick day and everyone's future stays as it was.
type Override struct {
	ID     string    `json:"id"`
	Person string    `json:"person"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Note says why ("dentist", "swap with bob"); By who asked.
	Note string `json:"note,omitempty"`
	By   string `json:"by,omitempty"`
}

// Covers reports whether the override holds the pager at the instant.
func (o Override) Covers(at time.Time) bool { return !at.Before(o.From) && at.Before(o.To) }

// CheckOverride refuses an override the team cannot take, with a reason a
// person can act on: a person not in the team, an end not after its
// start, or an overlap with another override. Overrides are for teams on
// their own rotation; an external pager keeps its overrides itself.
func (t Team) CheckOverride(o Override, existing []Override) error {
	if t.Pager.Rotation == nil {
		return fmt.Errorf("team %q takes its on-call from its pager: add the override there, and Baton reads it", t.Name)
	}
	if _, ok := t.Person(o.Person); !ok {
		return fmt.Errorf("%q is not a person of team %q", o.Person, t.Name)
	}
	if !o.To.After(o.From) {
		return errors.New("the override ends before it starts")
	}
	for _, e := range existing {
		if e.ID != o.ID && o.From.Before(e.To) && e.From.Before(o.To) {
			return fmt.Errorf("it overlaps override %s (%s from %s to %s)", e.ID, e.Person, e.From.Format(time.RFC3339), e.To.Format(time.RFC3339))
		}
	}
	return nil
}

// OverrideAt is the override holding the pager at the instant, if any.
func OverrideAt(overrides []Override, at time.Time) (Override, bool) {
	for _, o := range overrides {
		if o.Covers(at) {
			return o, true
		}
	}
	return Override{}, false
}

// Segment is a stretch during which one person holds the pager: from the
// rotation, or from an override (its ID).
type Segment struct {
	Person   string    `json:"person"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Override string    `json:"override,omitempty"`
}

// Schedule is who holds the pager of a team on its own rotation from
// `from` to `to`, overrides included: the rotation's shifts, cut where an
// override begins and ends. Stretches before the rotation's first shift
// have nobody and are left out.
func (t Team) Schedule(overrides []Override, from, to time.Time) ([]Segment, error) {
	if t.Pager.Rotation == nil {
		return nil, fmt.Errorf("team %q takes its on-call from its pager, which Baton asks instant by instant", t.Name)
	}
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	// The instants at which the holder may change: shift ends and override
	// edges.
	cuts := []time.Time{from, to}
	for at := from; at.Before(to); {
		s, ok, err := t.Pager.Rotation.ShiftAt(loc, at)
		if err != nil {
			return nil, err
		}
		if !ok {
			first, err := time.ParseInLocation(localTimeLayout, t.Pager.Rotation.Start, loc)
			if err != nil || !first.After(at) {
				return nil, fmt.Errorf("team %q: pager.rotation.start: %v", t.Name, err)
			}
			at = first
		} else {
			at = s.End
		}
		if at.Before(to) {
			cuts = append(cuts, at)
		}
	}
	for _, o := range overrides {
		for _, edge := range []time.Time{o.From, o.To} {
			if edge.After(from) && edge.Before(to) {
				cuts = append(cuts, edge)
			}
		}
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	cuts = slices.CompactFunc(cuts, func(a, b time.Time) bool { return a.Equal(b) })

	var out []Segment
	for i := 0; i+1 < len(cuts); i++ {
		seg := Segment{From: cuts[i], To: cuts[i+1]}
		if o, ok := OverrideAt(overrides, seg.From); ok {
			seg.Person, seg.Override = o.Person, o.ID
		} else {
			s, ok, err := t.Pager.Rotation.ShiftAt(loc, seg.From)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			seg.Person = s.Member
		}
		// Neighbours with the same holder and source are one stretch.
		if n := len(out); n > 0 && out[n-1].Person == seg.Person && out[n-1].Override == seg.Override && out[n-1].To.Equal(seg.From) {
			out[n-1].To = seg.To
			continue
		}
		out = append(out, seg)
	}
	return out, nil
}
