package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/summary"
)

func drillOf(via string) AlertSignal {
	return AlertSignal{Alert: Alert{
		Team: "data", DedupKey: "20261124T130000Z", Summary: "Drill: is the phone on?", Severity: SeverityCritical,
		Source: SourceDrill, Status: AlertFiring, Drill: &Drill{Via: via},
	}}
}

// A drill pages as a real page does, marked DRILL, and escalates by the
// policy; an SMS reply ends it at once, and nothing follows: no call, no
// ticket, no stakeholder, no actionable question, no RCA.
func TestADrillAnsweredBySMSEndsThereAndFilesNothing(t *testing.T) {
	tm := incidentTeam()
	tm.Incidents.JiraProject = "DATA"
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	var filed []timed[tickets.Issue]
	env.OnActivity(a.FileTicket, mock.Anything, mock.Anything).Return(recording(s, nil, &filed, tickets.Ticket{Key: "DATA-1"})).Maybe()
	reply := ActionRequest{Action: ActionAck, By: "alice", Via: "phone", Phone: summary.AckViaSMS}
	at(env, 12*time.Minute+10*time.Second, func() {
		env.UpdateWorkflow(contract.IncidentActionUpdate, "", &updateCallback{t: t}, reply)
	})
	sum := runTeamIncident(t, env, tm, drillOf(""))

	require.Len(t, s.sms, 1, "the SMS at +10m, before the answer")
	require.Contains(t, s.sms[0].In.Body, "Baton: [DRILL] [CRITICAL] Drill: is the phone on?")
	require.Empty(t, s.calls, "the call at +15m was not needed")
	require.NotEmpty(t, s.postsWith("*[DRILL] [CRITICAL] Drill: is the phone on?*"))
	require.NotEmpty(t, s.dmsWith("You are paged: [DRILL]"))
	require.Empty(t, filed)
	for _, p := range s.posts {
		require.NotEqual(t, "C0STAKE", p.In.Channel, "told stakeholders %q", p.In.Text)
		require.NotContains(t, p.In.Text, "Was this alert actionable?")
	}
	require.NotEmpty(t, s.postsWith("Drill over: answered by alice after 12m10s"))

	require.Equal(t, &summary.Drill{Steps: []string{"sms", "call", "sms_secondary", "call_secondary"}}, sum.Drill)
	require.Equal(t, 1, sum.EscalationStep)
	require.Equal(t, summary.AckViaSMS, sum.AcknowledgedVia)
	require.Equal(t, incidentStart.Add(12*time.Minute+10*time.Second), sum.Acknowledged.In(berlin))
	require.Equal(t, sum.Acknowledged, sum.Resolved)
	require.Empty(t, sum.RCATicket)
}

// A drill via call keeps only the policy's call to the person on call;
// unanswered, it ends once the answer window after that call is over.
func TestAnUnansweredDrillViaCallRingsOnceAndEnds(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	sum := runIncident(t, env, drillOf("call"))

	require.Empty(t, s.sms)
	require.Len(t, s.calls, 1)
	require.Equal(t, incidentStart.Add(15*time.Minute), s.calls[0].At.In(berlin))
	require.Contains(t, s.calls[0].In.Say, "This is Baton. This is a drill.")
	require.Equal(t, &summary.Drill{Steps: []string{"call"}}, sum.Drill)
	require.True(t, sum.Acknowledged.IsZero())
	require.Equal(t, incidentStart.Add(15*time.Minute+drillAnswerWindow), sum.Resolved.In(berlin))
	require.NotEmpty(t, s.postsWith("Drill over: nobody answered within 10m0s of its last step"))
}
