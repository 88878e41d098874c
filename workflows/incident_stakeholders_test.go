package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// An incident of a service with stakeholders downstream tells each of
// their channels, and the team's own, once when it pages and once when it
// resolves; its page names what it affects and borrows the service's
// runbook.
func TestStakeholdersDownstreamHearOnceWhenItOpensAndWhenItResolves(t *testing.T) {
	tm := incidentTeam()
	tm.Services = []team.Service{{Name: "airflow", Runbook: "https://wiki.example.com/airflow", Downstream: []team.Downstream{
		{Name: "Revenue dashboard", URL: "https://bi.example.com/d/revenue"},
		{Name: "finance", StakeholderChannel: "C0FINANCE"},
		{Name: "ops", StakeholderChannel: "C0STAKE"},
	}}}
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 2*time.Minute, act(t, env, ActionAck, "UALICE"))
	at(env, 20*time.Minute, act(t, env, ActionMitigate, "UALICE"))
	resolveAndFinish(t, env, 30*time.Minute)
	alert := alertOf(SeverityCritical, AlertFiring)
	runTeamIncident(t, env, tm, alert)

	told := map[string][]string{}
	for _, p := range s.posts {
		if p.In.Channel == "C0STAKE" || p.In.Channel == "C0FINANCE" {
			told[p.In.Channel] = append(told[p.In.Channel], p.In.Text)
		}
	}
	for _, ch := range []string{"C0STAKE", "C0FINANCE"} {
		require.Len(t, told[ch], 3, "%s hears of the page, the mitigation and the resolution, once each: %q", ch, told[ch])
		require.Contains(t, told[ch][0], "under investigation since Tue 24 Nov 14:00 CET. Affects: <https://bi.example.com/d/revenue|Revenue dashboard>, finance, ops.")
		require.Contains(t, told[ch][1], "impact contained")
		require.Contains(t, told[ch][2], "resolved at Tue 24 Nov 14:30 CET")
	}
	page := s.postsWith("*[CRITICAL] orders_daily DAG failed*")
	require.Len(t, page, 1)
	require.Contains(t, page[0].In.Text, "<https://wiki.example.com/airflow|Runbook>", "the service's runbook, as the alert named none")
	require.Contains(t, page[0].In.Text, "*Affects:* <https://bi.example.com/d/revenue|Revenue dashboard>, finance, ops")
}

// A low-severity alert pages nobody and tells no stakeholder.
func TestALowAlertTellsNoStakeholder(t *testing.T) {
	env, s := newIncidentEnv(t, incidentStart, activities.PreviousIncidentResult{})
	at(env, 10*time.Minute, func() { env.SignalWorkflow(contract.IncidentAlertSignal, alertOf(SeverityLow, AlertResolved)) })
	runIncident(t, env, alertOf(SeverityLow, AlertFiring))
	for _, p := range s.posts {
		require.NotEqual(t, "C0STAKE", p.In.Channel, "told stakeholders %q", p.In.Text)
	}
}
