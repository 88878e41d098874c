package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// rosterAnswer is the roster's query answer, as the SDK hands it over.
type rosterAnswer struct{ overrides []team.Override }

func (r rosterAnswer) HasValue() bool { return true }
func (r rosterAnswer) Get(ptr any) error {
	b, err := json.Marshal(r.overrides)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, ptr)
}

// dstChanges are the instants of 2026 at which the zone's offset
// changes, found by looking every quarter hour.
func dstChanges(loc *time.Location) []time.Time {
	var out []time.Time
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	_, last := at.Zone()
	for ; at.Year() == 2026; at = at.Add(15 * time.Minute) {
		if _, off := at.Zone(); off != last {
			out, last = append(out, at), off
		}
	}
	return out
}

// Every answer to "who is on call" agrees at every instant of a year, in
// zones far apart, across both DST changes, with overrides that span each
// change: the page's (the WhoIsOnCall activity: the rotation's pager and
// the roster's overrides), explain's (its words name the same person and
// why), starter oncall's (team.Schedule) and the simulator's. Handovers at
// 02:30 on Sundays fall in the spring gap and the autumn overlap.
func TestEveryAnswerOfWhoIsOnCallAgreesAcrossDST(t *testing.T) {
	for _, zone := range []string{"Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, clock := range []string{"09:00", "02:30"} {
			t.Run(zone+" "+clock, func(t *testing.T) {
				tm := team.Team{
					Name: "data", TimeZone: zone,
					Pager:  team.Pager{Rotation: &team.Rotation{Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-01-04T" + clock}},
					People: []team.Person{{ID: "alice"}, {ID: "bob"}, {ID: "carol"}, {ID: "dana"}},
				}
				var overrides []team.Override
				changes := dstChanges(loc)
				if zone == "Asia/Kolkata" != (len(changes) == 0) {
					t.Fatalf("%s changes its clocks at %v", zone, changes)
				}
				for i, c := range changes {
					overrides = append(overrides, team.Override{ID: fmt.Sprintf("o%d", i+1), Person: "dana", From: c.Add(-3 * time.Hour), To: c.Add(90 * time.Minute), By: "carol"})
				}
				from := time.Date(2026, 1, 5, 0, 0, 0, 0, loc)
				to := from.AddDate(1, 0, 0)
				var at []time.Time
				for a := from; a.Before(to); a = a.Add(37 * time.Minute) {
					at = append(at, a)
				}
				// The overrides' edges and the changes themselves, to the
				// nanosecond either side.
				for _, o := range overrides {
					for _, edge := range []time.Time{o.From, o.To, o.From.Add(3 * time.Hour)} {
						at = append(at, edge.Add(-time.Nanosecond), edge)
					}
				}

				roster := &mocks.Client{}
				roster.On("QueryWorkflow", mock.Anything, contract.RosterWorkflowID("data"), "", contract.RosterQuery).Return(rosterAnswer{overrides}, nil)
				page, err := (&activities.Activities{Temporal: roster}).WhoIsOnCall(context.Background(), activities.WhoIsOnCallInput{Team: tm, At: at})
				if err != nil {
					t.Fatal(err)
				}
				oncall, err := tm.Schedule(overrides, from, to.Add(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				sim, err := newReplayer(tm, overrides, nil, from, to)
				if err != nil {
					t.Fatal(err)
				}
				for i, a := range at {
					paged := team.IDs(page.OnCall[i])
					if len(paged) != 1 {
						t.Fatalf("at %s: the page names %v", a, paged)
					}
					who := paged[0]
					j := slices.IndexFunc(oncall, func(s team.Segment) bool { return !a.Before(s.From) && a.Before(s.To) })
					if j < 0 || oncall[j].Person != who {
						t.Fatalf("at %s: the page names %s, starter oncall %+v", a.In(loc), who, oncall[max(j, 0)])
					}
					if simulated := team.IDs(sim.onCallAt(a)); !slices.Equal(simulated, paged) {
						t.Fatalf("at %s: the page names %s, the simulator %v", a.In(loc), who, simulated)
					}
					overridden := slices.ContainsFunc(overrides, func(o team.Override) bool { return o.Covers(a) })
					why := page.Why[i]
					if overridden && !strings.HasPrefix(why, "override o") || overridden && !strings.Contains(why, " for dana, ") ||
						!overridden && !strings.HasPrefix(why, "the team's rotation: "+who+"'s shift, ") {
						t.Fatalf("at %s: %s is on call, explained as %q", a.In(loc), who, why)
					}
				}
			})
		}
	}
}
