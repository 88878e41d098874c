package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
)

// An incident escalated to an SMS and a call records why it paged, who
// was on call and from where, each step's planned and actual instant with
// what its SMS or call became, and who acknowledged through what.
func TestTheTrailRecordsEachDecision(t *testing.T) {
	env, _ := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 16*time.Minute, act(t, env, ActionAck, "UALICE"))
	var why *Why
	at(env, 17*time.Minute, func() {
		v, err := env.QueryWorkflow(contract.IncidentStatusQuery)
		require.NoError(t, err)
		var st IncidentStatus
		require.NoError(t, v.Get(&st))
		why = st.Why
	})
	resolveAndFinish(t, env, 30*time.Minute)
	runIncident(t, env, alertOf(SeverityCritical, AlertFiring))

	require.NotNil(t, why)
	require.Equal(t, "Europe/Berlin", why.TimeZone)
	require.Equal(t, "severity critical pages: it is one of the team's page_severities (critical, high)", why.Trail.Paging)
	require.Equal(t, []string{"alice"}, why.OnCall)
	require.Equal(t, "the pager", why.Source)
	require.Equal(t, "the pager: the team's rotation: alice's shift, Mon 23 Nov 09:00 CET to Mon 30 Nov 09:00 CET", why.Trail.OnCall)
	require.Equal(t, []string{"bob"}, why.Secondary)
	require.Equal(t, "on call next, at the shift's end: the team's rotation: bob's shift, Mon 30 Nov 09:00 CET to Mon 7 Dec 09:00 CET", why.Trail.Secondary)
	require.Equal(t, "Baton's default policy: sms after 10m, call after 15m, sms_secondary after 20m, call_secondary after 20m, repeated 2 more time(s)", why.Trail.Policy)

	// Two steps ran, each on time, each ringing alice once.
	require.Len(t, why.Trail.Steps, 2)
	for i, want := range []struct {
		action string
		after  time.Duration
	}{{"sms", 10 * time.Minute}, {"call", 15 * time.Minute}} {
		s := why.Trail.Steps[i]
		require.Equal(t, i+1, s.Step)
		require.Equal(t, want.action, s.Action)
		require.True(t, s.Planned.Equal(incidentStart.Add(want.after)), "step %d planned %s", i+1, s.Planned)
		require.True(t, s.At.Equal(incidentStart.Add(want.after)), "step %d ran %s", i+1, s.At)
		var rings []Ring
		for _, r := range why.Trail.Rings {
			if r.Step == s.Key {
				rings = append(rings, r)
			}
		}
		require.Len(t, rings, 1, "step %d", i+1)
		require.Equal(t, Ring{Step: s.Key, Kind: want.action, Person: "alice", Planned: s.Planned, At: rings[0].At, Outcome: RingSent}, rings[0])
	}
	// The plan holds the steps not reached, at their instants.
	require.Equal(t, 2, why.Next)
	require.Len(t, why.Plan, 12)
	require.Equal(t, PlannedStep{Step: 3, Action: "sms_secondary", At: incidentStart.Add(20 * time.Minute)}, PlannedStep{Step: why.Plan[2].Step, Action: why.Plan[2].Action, At: why.Plan[2].At.In(berlin)})

	require.Len(t, why.Trail.Acts, 1)
	ack := why.Trail.Acts[0]
	require.Equal(t, ActionAck, ack.Action)
	require.Equal(t, "alice", ack.By)
	require.Equal(t, ViaChat, ack.Via)
	require.True(t, ack.At.Equal(incidentStart.Add(16*time.Minute)))
}

// A low severity at night records why it was held, by whose working
// hours, until when.
func TestTheTrailSaysWhyALowSeverityWasHeld(t *testing.T) {
	night := time.Date(2026, 11, 24, 2, 0, 0, 0, berlin)
	env, _ := newIncidentEnv(t, night, activities.PreviousIncidentResult{})
	var why *Why
	at(env, time.Minute, func() {
		v, err := env.QueryWorkflow(contract.IncidentStatusQuery)
		require.NoError(t, err)
		var st IncidentStatus
		require.NoError(t, v.Get(&st))
		why = st.Why
	})
	at(env, 90*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityLow, AlertResolved)) })
	runIncident(t, env, alertOf(SeverityLow, AlertFiring))

	require.NotNil(t, why)
	require.Equal(t, "severity low does not page (page_severities: critical, high), and it came outside the working hours of alice (09:00-17:00 Mon Tue Wed Thu Fri, Europe/Berlin): held until Tue 24 Nov 09:00 CET",
		why.Trail.Paging)
	require.Empty(t, why.Trail.Policy)
	require.Empty(t, why.Plan)
}
