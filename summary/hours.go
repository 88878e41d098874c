package summary

import (
	"cmp"
	"slices"
	"time"
)

// Holding is a stretch during which one person held the pager: from the
// rotation, the pager and the overrides. A person may have several; they
// may run past the shift's edges, and are clipped to it.
type Holding struct {
	// Person is the team file's person ID.
	Person string    `json:"person"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// OnCallHours are the hours each person held the pager in the shift, and
// what interrupted them, for on-call allowances.
type OnCallHours struct {
	// People are in the order of their first holding in the shift (the
	// holdings' order breaks ties); people who held nothing in the shift
	// are not listed.
	People []PersonOnCall `json:"people"`
}

// PersonOnCall is one person's held hours and interruptions, classified
// in their own zone exactly as the interruptions are (see Bucket), with
// weekend days told apart from weekday evenings.
type PersonOnCall struct {
	// Person is the team file's person ID.
	Person string `json:"person"`
	// Name is how the person is shown, empty when the team file does not
	// know them.
	Name     string    `json:"name"`
	TimeZone string    `json:"time_zone"`
	Hours    HeldHours `json:"hours"`
	// Interruptions are all of the person's interruptions in the shift's
	// incidents, as the interruptions report counts them, including those
	// outside their holdings: a page that still reached the person handing
	// over, or a person paged as the secondary, disturbed them all the same.
	// So Total is their total in Report.Interruptions, Business and Sleep
	// are its business and sleep hours, and OffHours+Weekend its off hours.
	Interruptions HeldInterruptions `json:"interruptions"`
}

// HeldHours are hours, to a tenth, by bucket: Business is Monday to Friday
// 08:00-18:00, OffHours weekday evenings 18:00-22:00, Sleep 22:00-08:00
// every day, Weekend Saturday and Sunday 08:00-22:00, on the person's
// local clock. They are real elapsed hours: a day across a DST change
// counts 23 or 25.
//
// The time is summed exactly. Total is that sum rounded to the nearest
// tenth; each bucket is its exact time rounded down or up to a tenth
// (largest remainders rounded up), so that the four buckets add up to
// Total exactly, in tenths, and none is more than 0.1 h off.
type HeldHours struct {
	Total    float64 `json:"total"`
	Business float64 `json:"business"`
	OffHours float64 `json:"off_hours"`
	Sleep    float64 `json:"sleep"`
	Weekend  float64 `json:"weekend"`
}

// HeldInterruptions count interruptions by the buckets of HeldHours.
// Business+OffHours+Sleep+Weekend == Total.
type HeldInterruptions struct {
	Total    int `json:"total"`
	Business int `json:"business"`
	OffHours int `json:"off_hours"`
	Sleep    int `json:"sleep"`
	Weekend  int `json:"weekend"`
}

// heldBuckets index the buckets of held time, in HeldHours' order.
var heldBuckets = [...]string{BucketBusiness, BucketOff, BucketSleep, BucketWeekend}

func heldIndex(b string) int {
	switch b {
	case BucketBusiness:
		return 0
	case BucketOff:
		return 1
	case BucketSleep:
		return 2
	default:
		return 3
	}
}

// heldTime is time by bucket, in heldBuckets' order.
type heldTime [len(heldBuckets)]time.Duration

// add adds [from, to) by bucket on loc's clock. The bucket changes only
// on a local hour, so the stretch is walked an hour at a time, and at
// each change of offset (DST): within a step the local clock runs evenly
// and the bucket of its start holds to its end.
func (h *heldTime) add(from, to time.Time, loc *time.Location) {
	for t := from; t.Before(to); {
		local := t.In(loc)
		next := t.Add(time.Hour - time.Duration(local.Minute())*time.Minute -
			time.Duration(local.Second())*time.Second - time.Duration(local.Nanosecond()))
		if _, end := local.ZoneBounds(); !end.IsZero() && end.Before(next) {
			next = end
		}
		if to.Before(next) {
			next = to
		}
		h[heldIndex(bucket(t, loc))] += next.Sub(t)
		t = next
	}
}

// tenth is the unit hours are reported in: 0.1 h.
const tenth = 6 * time.Minute

// hours rounds the buckets to tenths of an hour that add up to the
// rounded total (largest remainder rounding); see HeldHours.
func (h heldTime) hours() HeldHours {
	var sum time.Duration
	var tenths [len(heldBuckets)]int64
	var floor int64
	for i, d := range h {
		sum += d
		tenths[i] = int64(d / tenth)
		floor += tenths[i]
	}
	total := int64((sum + tenth/2) / tenth)
	// total-floor is between 0 and the number of buckets: hand the tenths
	// short to the buckets with the largest remainders, the first bucket
	// first on a tie.
	order := []int{0, 1, 2, 3}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(h[b]%tenth, h[a]%tenth) })
	for _, i := range order[:min(max(total-floor, 0), int64(len(order)))] {
		tenths[i]++
	}
	f := func(n int64) float64 { return float64(n) / 10 }
	return HeldHours{Total: f(total), Business: f(tenths[0]), OffHours: f(tenths[1]), Sleep: f(tenths[2]), Weekend: f(tenths[3])}
}

func (c *HeldInterruptions) add(b string) {
	c.Total++
	switch heldIndex(b) {
	case 0:
		c.Business++
	case 1:
		c.OffHours++
	case 2:
		c.Sleep++
	default:
		c.Weekend++
	}
}

// onCallHours computes each holder's hours and interruptions. A person's
// holdings are clipped to the shift and merged, so overlapping holdings of
// one person count once; two people holding at once (a primary and a
// secondary) both count. A holding of nobody ("") counts for "(unknown)",
// as an interruption of nobody does.
func onCallHours(in Input, teamLoc *time.Location, z *zones) OnCallHours {
	out := OnCallHours{People: []PersonOnCall{}}
	type holder struct {
		first int // index of the first holding, for ties
		from  time.Time
		held  []interval
	}
	holders := map[string]*holder{}
	var ids []string
	for i, h := range in.Holdings {
		from, to := h.From, h.To
		if from.Before(in.Shift.Start) {
			from = in.Shift.Start
		}
		if to.After(in.Shift.End) {
			to = in.Shift.End
		}
		if !to.After(from) {
			continue
		}
		id := cmp.Or(h.Person, "(unknown)")
		p := holders[id]
		if p == nil {
			p = &holder{first: i, from: from}
			holders[id] = p
			ids = append(ids, id)
		}
		if from.Before(p.from) {
			p.from = from
		}
		p.held = append(p.held, interval{from, to})
	}
	if len(ids) == 0 {
		return out
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(holders[a].from.Compare(holders[b].from), cmp.Compare(holders[a].first, holders[b].first))
	})

	out.People = make([]PersonOnCall, 0, len(ids))
	rows := make(map[string]int, len(ids)) // index in out.People
	locs := make(map[string]*time.Location, len(ids))
	for _, id := range ids {
		row := PersonOnCall{Person: id}
		loc := teamLoc
		if p, ok := in.Team.Person(id); ok {
			row.Name = p.Name
			loc = z.load(p.TimeZone, teamLoc)
		}
		row.TimeZone = loc.String()

		held := holders[id].held
		slices.SortFunc(held, func(a, b interval) int { return a.start.Compare(b.start) })
		var t heldTime
		var cur interval
		for i, iv := range held {
			switch {
			case i == 0:
				cur = iv
			case !iv.start.After(cur.end):
				if iv.end.After(cur.end) {
					cur.end = iv.end
				}
			default:
				t.add(cur.start, cur.end, loc)
				cur = iv
			}
		}
		t.add(cur.start, cur.end, loc)
		row.Hours = t.hours()

		out.People = append(out.People, row)
		rows[id], locs[id] = len(out.People)-1, loc
	}

	for i := range in.Incidents {
		for _, it := range in.Incidents[i].Interruptions {
			id := cmp.Or(it.Person, "(unknown)")
			if j, ok := rows[id]; ok {
				out.People[j].Interruptions.add(bucket(it.At, locs[id]))
			}
		}
	}
	return out
}
