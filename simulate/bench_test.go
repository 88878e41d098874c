package simulate

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

// ninetyDays is 5,000 alerts over 90 days of dataTeam's rotation, as the
// current file handled them: each arrives at a random instant with a
// random severity and is acknowledged after up to 40 minutes (one in ten
// never is, and the source resolves it after an hour).
func ninetyDays(b *testing.B) Input {
	b.Helper()
	from := time.Date(2026, 11, 2, 9, 0, 0, 0, berlin)
	to := from.AddDate(0, 0, 90)
	rng := rand.New(rand.NewPCG(1, 2))
	sevs := []string{"critical", "high", "high", "medium", "low", "low"}
	current, err := newReplayer(dataTeam(), coverNight, nil, from, to)
	if err != nil {
		b.Fatal(err)
	}
	incidents := make([]summary.Record, 5000)
	for i := range incidents {
		rec := summary.Record{WorkflowID: "incident:data:a" + strconv.Itoa(i), Incident: summary.Incident{
			Team: "data", Severity: sevs[rng.IntN(len(sevs))], Summary: "alert", Deliveries: 1,
			Triggered: from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))),
		}}
		if rng.IntN(10) == 0 {
			rec.Resolved, rec.ResolvedBy = rec.Triggered.Add(time.Hour), summary.ResolvedBySource
		} else {
			rec.Acknowledged = rec.Triggered.Add(time.Duration(rng.Int64N(int64(40 * time.Minute))))
			rec.Resolved, rec.ResolvedBy = rec.Acknowledged.Add(30*time.Minute), "Alice"
		}
		if incidents[i], err = current.replay(rec, to); err != nil {
			b.Fatal(err)
		}
	}
	proposed := dataTeam()
	proposed.Incidents.PageSeverities = []string{"critical"}
	proposed.Incidents.Escalation = map[string]team.Escalation{
		"critical": {Steps: []team.EscalationStep{{After: "5m", Action: team.ActionCall}, {After: "10m", Action: team.ActionCallSecondary}}},
	}
	return Input{Current: dataTeam(), Proposed: proposed, Overrides: coverNight, Incidents: incidents, From: from, To: to}
}

// BenchmarkSimulate90Days5000Alerts replays 90 days of 5,000 alerts
// against a file that pages only critical alerts and calls at 5 minutes.
func BenchmarkSimulate90Days5000Alerts(b *testing.B) {
	in := ninetyDays(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(in)
		if err != nil || len(res.Changes) == 0 {
			b.Fatalf("%d changes, %v", len(res.Changes), err)
		}
	}
}

// BenchmarkSimulateFloor is the summary alone over the same records: a
// simulation computes it twice (current and proposed) around its replay.
func BenchmarkSimulateFloor(b *testing.B) {
	in := ninetyDays(b)
	shift := summary.Shift{Start: in.From, End: in.To}
	b.ReportAllocs()
	for b.Loop() {
		summary.Compute(summary.Input{Team: in.Current, Shift: shift, Incidents: in.Incidents})
	}
}
