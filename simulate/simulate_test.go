package simulate

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock instant in Berlin in the week of 23 November 2026.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, berlin)
}

// dataTeam is the team the week was recorded under: alice, bob and carol
// take a week each from Monday 09:00 (alice has the week of 23 November,
// bob the next), with the default policy; lead is the fallback.
func dataTeam() team.Team {
	return team.Team{
		Name: "data", TimeZone: "Europe/Berlin",
		Pager:    team.Pager{Rotation: &team.Rotation{Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-11-02T09:00"}},
		Handover: team.HandoverTime{Weekday: "monday", Time: "09:00"},
		Fallback: "lead",
		People: []team.Person{
			{ID: "alice", Name: "Alice", Phone: "+4915100000001"},
			{ID: "bob", Name: "Bob", Phone: "+4915100000002"},
			{ID: "carol", Name: "Carol", Phone: "+4915100000003"},
			{ID: "lead", Name: "Lee", Phone: "+4915100000009"},
		},
	}
}

// coverNight: carol covers alice from Wednesday 18:00 to Thursday 09:00.
var coverNight = []team.Override{{ID: "o1", Person: "carol", From: at(25, 18, 0), To: at(26, 9, 0)}}

// The shift the weekly summary sums up.
var weekStart, weekEnd = at(23, 9, 0), at(30, 9, 0)

// recordedWeek is the week as the incident workflows recorded it: each
// page when it was posted, each SMS and call when Twilio took it, a moment
// after its planned instant.
func recordedWeek() []summary.Record {
	const late = 300 * time.Millisecond
	ring := func(when time.Time, kind, person string) summary.Interruption {
		return summary.Interruption{At: when.Add(late), Kind: kind, Person: person}
	}
	page, sms, call := summary.KindPage, summary.KindSMS, summary.KindCall
	return []summary.Record{
		{WorkflowID: "incident:data:orders", Incident: summary.Incident{
			Severity: "high", Service: "orders", Summary: "orders late", Paged: true, OnCall: []string{"alice"},
			Triggered: at(24, 3, 12), Acknowledged: at(24, 3, 29), AcknowledgedBy: "Alice", Resolved: at(24, 4, 0), ResolvedBy: "Alice",
			EscalationStep: 2, Deliveries: 1,
			Interruptions: []summary.Interruption{ring(at(24, 3, 12), page, "alice"), ring(at(24, 3, 22), sms, "alice"), ring(at(24, 3, 27), call, "alice")},
		}},
		{WorkflowID: "incident:data:disk", Incident: summary.Incident{
			Severity: "critical", Service: "warehouse", Summary: "disk full", Paged: true, OnCall: []string{"alice"},
			Triggered: at(24, 14, 0), Acknowledged: at(24, 14, 4), AcknowledgedBy: "Alice", Resolved: at(24, 15, 0), ResolvedBy: "Alice",
			Deliveries: 1, Interruptions: []summary.Interruption{ring(at(24, 14, 0), page, "alice")},
		}},
		// Carol covers the night; the secondary is bob, who has the next
		// shift.
		{WorkflowID: "incident:data:dag", Incident: summary.Incident{
			Severity: "critical", Service: "airflow", Summary: "dag failed", Paged: true, OnCall: []string{"carol"},
			Triggered: at(25, 23, 40), Acknowledged: at(26, 0, 3), AcknowledgedBy: "Carol", Resolved: at(26, 1, 0), ResolvedBy: "Carol",
			EscalationStep: 4, ReachedSecondary: true, Deliveries: 3,
			Interruptions: []summary.Interruption{
				ring(at(25, 23, 40), page, "carol"), ring(at(25, 23, 50), sms, "carol"), ring(at(25, 23, 55), call, "carol"),
				ring(at(26, 0, 0), sms, "bob"), ring(at(26, 0, 0), call, "bob"),
			},
		}},
		{WorkflowID: "incident:data:drift", Incident: summary.Incident{
			Severity: "low", Summary: "row count drift", OnCall: []string{"carol"},
			Triggered: at(26, 2, 0), Resolved: at(26, 6, 0), ResolvedBy: summary.ResolvedBySource, ResolvedWhileHeld: true, Deliveries: 1,
		}},
		{WorkflowID: "incident:data:slow", Incident: summary.Incident{
			Severity: "low", Summary: "slow query", OnCall: []string{"alice"},
			Triggered: at(26, 11, 0), Resolved: at(26, 11, 30), ResolvedBy: "Alice", Deliveries: 1,
		}},
		{WorkflowID: "incident:data:late-call", Incident: summary.Incident{
			Severity: "critical", Service: "warehouse", Summary: "load stuck", Paged: true, OnCall: []string{"alice"},
			Triggered: at(26, 21, 50), Acknowledged: at(26, 22, 7), AcknowledgedBy: "Alice", Resolved: at(26, 23, 0), ResolvedBy: "Alice",
			EscalationStep: 2, Deliveries: 1,
			Interruptions: []summary.Interruption{ring(at(26, 21, 50), page, "alice"), ring(at(26, 22, 0), sms, "alice"), ring(at(26, 22, 5), call, "alice")},
		}},
		{WorkflowID: "incident:data:backup", Incident: summary.Incident{
			Severity: "high", Service: "backup", Summary: "backup late", Paged: true, OnCall: []string{"alice"},
			Triggered: at(27, 19, 0), Acknowledged: at(27, 19, 12), AcknowledgedBy: "Alice", Resolved: at(27, 19, 30), ResolvedBy: "Alice",
			EscalationStep: 1, Deliveries: 1,
			Interruptions: []summary.Interruption{ring(at(27, 19, 0), page, "alice"), ring(at(27, 19, 10), sms, "alice")},
		}},
		{WorkflowID: "incident:data:cost", Incident: summary.Incident{
			Severity: "low", Summary: "warehouse cost", OnCall: []string{"alice"}, Triggered: at(27, 23, 0), Deliveries: 4,
		}},
		// Nobody acknowledged; the source resolved it after the secondary
		// steps.
		{WorkflowID: "incident:data:api", Incident: summary.Incident{
			Severity: "high", Service: "api", Summary: "api 5xx", Paged: true, OnCall: []string{"alice"},
			Triggered: at(28, 20, 30), Resolved: at(28, 20, 52), ResolvedBy: summary.ResolvedBySource,
			EscalationStep: 4, ReachedSecondary: true, Deliveries: 2,
			Interruptions: []summary.Interruption{
				ring(at(28, 20, 30), page, "alice"), ring(at(28, 20, 40), sms, "alice"), ring(at(28, 20, 45), call, "alice"),
				ring(at(28, 20, 50), sms, "bob"), ring(at(28, 20, 50), call, "bob"),
			},
		}},
	}
}

func simulateWeek(t *testing.T, proposed team.Team) Result {
	t.Helper()
	res, err := Run(Input{Current: dataTeam(), Proposed: proposed, Overrides: coverNight, Incidents: recordedWeek(), From: weekStart, To: weekEnd})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Replaying the week against the file it ran under gives back the week's
// summary: every figure the summary reports, and no alert handled
// differently.
func TestCurrentFileReproducesTheWeeksSummary(t *testing.T) {
	res := simulateWeek(t, dataTeam())
	if !reflect.DeepEqual(res.Proposed, res.Current) {
		t.Errorf("the replayed week differs from the recorded one:\nrecorded %+v\nreplayed %+v", res.Current, res.Proposed)
	}
	if len(res.Changes) != 0 {
		t.Errorf("changes: %+v", res.Changes)
	}

	// The weekly summary of that shift, as the summary workflow computes
	// it (who held the pager from the rotation and the overrides).
	tm := dataTeam()
	segs, err := tm.Schedule(coverNight, weekStart, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	var holdings []summary.Holding
	for _, s := range segs {
		holdings = append(holdings, summary.Holding{Person: s.Person, From: s.From, To: s.To})
	}
	week := summary.Compute(summary.Input{Team: tm, Shift: summary.Shift{Start: weekStart, End: weekEnd, OnCall: []string{"Alice"}},
		Incidents: recordedWeek(), Holdings: holdings})
	for _, f := range []struct {
		name            string
		week, simulated any
	}{
		{"interruptions", week.Interruptions, res.Proposed.Interruptions},
		{"escalations", week.Escalations, res.Proposed.Escalations},
		{"on-call hours", week.OnCallHours, res.Proposed.OnCallHours},
		{"incidents", week.Incidents, res.Proposed.Incidents},
		{"time to acknowledge", week.TimeToAcknowledge, res.Proposed.TimeToAcknowledge},
		{"load", week.Load, res.Proposed.Load},
		{"held overnight", week.HeldOvernightResolved, res.Proposed.HeldOvernightResolved},
		{"heatmap", week.PagesByDayHour, res.Proposed.PagesByDayHour},
	} {
		if !reflect.DeepEqual(f.week, f.simulated) {
			t.Errorf("%s: the week's summary has %+v, the simulation %+v", f.name, f.week, f.simulated)
		}
	}

	// The figures themselves, so that the identity is not of two empty
	// weeks.
	alice := person(t, res, "alice").Proposed
	if alice.Pages != 5 || alice.SMS != 4 || alice.Calls != 3 || alice.BusinessHours != 1 || alice.OffHours != 6 || alice.SleepHours != 5 {
		t.Errorf("alice: %+v", alice.InterruptionCounts)
	}
	if bob := person(t, res, "bob").Proposed; bob.Total != 4 || bob.OffHours != 2 || bob.SleepHours != 2 {
		t.Errorf("bob: %+v", bob.InterruptionCounts)
	}
	if carol := person(t, res, "carol").Proposed; carol.SleepHours != 3 || carol.OnCallHours.Total != 15 {
		t.Errorf("carol: %+v, on call %+v", carol.InterruptionCounts, carol.OnCallHours)
	}
	if e := res.Escalations.Proposed; e != (summary.EscalationStats{Escalated: 5, BeyondFirstStep: 4, ToSecondary: 2}) || res.Proposed.HeldOvernightResolved != 1 {
		t.Errorf("escalations %+v, held overnight %d", e, res.Proposed.HeldOvernightResolved)
	}
}

// Paging only critical alerts holds the high ones outside working hours
// for the morning: alice's night and evening pages of high alerts go, and
// the api alert that resolved itself on Saturday evening never wakes
// anyone.
func TestPagingOnlyCriticalHoldsHighAlertsForTheMorning(t *testing.T) {
	proposed := dataTeam()
	proposed.Incidents.PageSeverities = []string{"critical"}
	res := simulateWeek(t, proposed)

	alice := person(t, res, "alice")
	if c, p := alice.Current, alice.Proposed; c.SleepHours != 5 || p.SleepHours != 2 || c.OffHours != 6 || p.OffHours != 1 || p.BusinessHours != 1 {
		t.Errorf("alice: current %+v, proposed %+v", c.InterruptionCounts, p.InterruptionCounts)
	}
	// bob's Saturday secondary SMS and call go; the critical night stays.
	if bob := person(t, res, "bob").Proposed; bob.OffHours != 0 || bob.SleepHours != 2 {
		t.Errorf("bob: %+v", bob.InterruptionCounts)
	}
	if got := changed(res); !slices.Equal(got, []string{"incident:data:orders", "incident:data:backup", "incident:data:api"}) {
		t.Errorf("changed alerts %v", got)
	}
	for _, c := range res.Changes {
		if c.Current.Route != RoutePaged || c.Proposed.Route != RouteHeld || len(c.Proposed.Interruptions) != 0 {
			t.Errorf("%s: %+v -> %+v", c.WorkflowID, c.Current, c.Proposed)
		}
	}
	if api := res.Changes[2]; !api.Proposed.HeldUntil.Equal(at(30, 9, 0)) {
		t.Errorf("the Saturday alert is held until %s, want Monday 09:00", api.Proposed.HeldUntil)
	}
	if res.Proposed.HeldOvernightResolved != 2 || res.Escalations.Proposed.ToSecondary != 1 {
		t.Errorf("held overnight and resolved %d, to the secondary %d", res.Proposed.HeldOvernightResolved, res.Escalations.Proposed.ToSecondary)
	}
	// The rotation is the same: so are the on-call hours.
	for _, p := range res.People {
		if p.Current.OnCallHours != p.Proposed.OnCallHours {
			t.Errorf("%s's on-call hours changed: %+v -> %+v", p.Person, p.Current.OnCallHours, p.Proposed.OnCallHours)
		}
	}
}

// A call at 5 minutes instead of an SMS at 10 and a call at 15, and the
// secondary called at 10: Thursday's 21:50 alert calls alice at 21:55, in
// her evening, instead of texting and calling her after 22:00, and bob is
// called at 22:00 before alice acknowledged at 22:07.
func TestAnEarlierCallMovesItOutOfTheNight(t *testing.T) {
	proposed := dataTeam()
	proposed.Incidents.Escalation = map[string]team.Escalation{
		"critical": {Steps: []team.EscalationStep{{After: "5m", Action: team.ActionCall}, {After: "10m", Action: team.ActionCallSecondary}}},
	}
	res := simulateWeek(t, proposed)

	var late Change
	for _, c := range res.Changes {
		if c.WorkflowID == "incident:data:late-call" {
			late = c
		}
	}
	want := []Disruption{
		{summary.Interruption{At: at(26, 21, 50), Kind: summary.KindPage, Person: "alice"}, summary.BucketOff},
		{summary.Interruption{At: at(26, 21, 55), Kind: summary.KindCall, Person: "alice"}, summary.BucketOff},
		{summary.Interruption{At: at(26, 22, 0), Kind: summary.KindCall, Person: "bob"}, summary.BucketSleep},
	}
	if !reflect.DeepEqual(late.Proposed.Interruptions, want) || late.Proposed.Steps != 2 || !late.Proposed.ReachedSecondary {
		t.Errorf("the 21:50 alert: %+v", late.Proposed)
	}
	// alice: that night's SMS and call (sleep) become one call (off);
	// carol's Wednesday night loses its SMS; the disk alert, acknowledged
	// in 4 minutes, does not change.
	alice := person(t, res, "alice")
	if c, p := alice.Current, alice.Proposed; p.SleepHours != c.SleepHours-2 || p.OffHours != c.OffHours+1 || p.SMS != c.SMS-1 || p.Calls != c.Calls {
		t.Errorf("alice: current %+v, proposed %+v", c.InterruptionCounts, p.InterruptionCounts)
	}
	if carol := person(t, res, "carol").Proposed; carol.SMS != 0 || carol.Calls != 1 || carol.SleepHours != 2 {
		t.Errorf("carol: %+v", carol.InterruptionCounts)
	}
	// bob: the dag night's SMS and call become one call; the late call
	// adds one.
	if bob := person(t, res, "bob").Proposed; bob.SleepHours != 2 || bob.SMS != 1 || bob.Calls != 3 {
		t.Errorf("bob: %+v", bob.InterruptionCounts)
	}
	if got := changed(res); !slices.Equal(got, []string{"incident:data:dag", "incident:data:late-call"}) {
		t.Errorf("changed alerts %v", got)
	}
}

// A new rotation order moves the pager, its hours and its pages: bob has
// the week of 23 November, and carol's cover still holds the Wednesday
// night.
func TestANewRotationPagesItsHolder(t *testing.T) {
	proposed := dataTeam()
	proposed.Pager.Rotation.Members = []string{"bob", "carol", "alice"}
	res := simulateWeek(t, proposed)
	alice, bob := person(t, res, "alice"), person(t, res, "bob")
	if alice.Proposed.OnCallHours.Total != 0 || bob.Proposed.OnCallHours.Total != alice.Current.OnCallHours.Total {
		t.Errorf("on-call hours: alice %+v, bob %+v", alice.Proposed.OnCallHours, bob.Proposed.OnCallHours)
	}
	if alice.Proposed.Pages != 0 || bob.Proposed.Pages != alice.Current.Pages {
		t.Errorf("pages: alice %d, bob %d (alice had %d)", alice.Proposed.Pages, bob.Proposed.Pages, alice.Current.Pages)
	}
	if carol := person(t, res, "carol").Proposed; carol.Pages != 1 {
		t.Errorf("carol's covered night: %+v", carol.InterruptionCounts)
	}
}

func person(t *testing.T, res Result, id string) Person {
	t.Helper()
	for _, p := range res.People {
		if p.Person == id {
			return p
		}
	}
	t.Fatalf("no row for %s in %+v", id, res.People)
	return Person{}
}

func changed(res Result) []string {
	var ids []string
	for _, c := range res.Changes {
		ids = append(ids, c.WorkflowID)
	}
	return ids
}

func TestText(t *testing.T) {
	proposed := dataTeam()
	proposed.Incidents.PageSeverities = []string{"critical"}
	text := simulateWeek(t, proposed).Text()
	for _, want := range []string{
		"Simulation of data from Mon 23 Nov 2026 09:00 to Mon 30 Nov 2026 09:00 (Europe/Berlin): 9 alerts replayed",
		"alice   5 -> 2  4 -> 1  3 -> 1  1         6 -> 1  5 -> 2   153.0",
		"Escalations: 5 -> 2 escalated, 4 -> 2 beyond the first step, 2 -> 1 to the secondary.",
		"Alerts whose handling changes (3):",
		"  Tue 24 Nov 2026 03:12 [high] orders late (orders)\n" +
			"    current:  paged alice, up to escalation step 2: page alice sleep, sms alice sleep, call alice sleep\n" +
			"    proposed: held for alice until Tue 24 Nov 2026 09:00\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
}

// A drill of the period is no alert: it is not replayed, whatever the
// proposed file, and the result says so.
func TestDrillsAreNotReplayed(t *testing.T) {
	proposed := dataTeam()
	proposed.Incidents.PageSeverities = []string{"critical"}
	without := simulateWeek(t, proposed)
	drill := recordedWeek()[0]
	drill.WorkflowID, drill.Severity, drill.Drill = "incident:data:drill:2026-11-24T10-00-00Z", "high", &summary.Drill{Steps: []string{"sms"}}
	res, err := Run(Input{Current: dataTeam(), Proposed: proposed, Overrides: coverNight, Incidents: append(recordedWeek(), drill), From: weekStart, To: weekEnd})
	if err != nil {
		t.Fatal(err)
	}
	if res.Alerts != without.Alerts || !reflect.DeepEqual(res.Changes, without.Changes) || !reflect.DeepEqual(res.People, without.People) {
		t.Errorf("the drill was replayed: %d alerts (%d without it), changes %+v", res.Alerts, without.Alerts, res.Changes)
	}
	if !slices.Contains(res.Notes, "1 drill is not replayed: a drill is no alert, and the summary counts it apart.") {
		t.Errorf("notes: %q", res.Notes)
	}
}
