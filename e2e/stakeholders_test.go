package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/workflows"
)

// An incident of a service tells the stakeholders downstream of it, in
// their own channel named as people write it, once when it pages and once
// when it resolves; its page names what it affects.
func TestStakeholdersDownstreamOfAServiceHearOfItsIncident(t *testing.T) {
	teams := badNightTeam(`{steps: [{after: 10m, action: sms}]}`) + `    services:
      - name: airflow
        runbook: https://wiki.example.com/airflow
        downstream:
          - {name: Revenue dashboard, url: "https://bi.example.com/d/revenue"}
          - {name: finance, stakeholder_channel: "#finance-data"}
`
	s := newIncidentStack(t, teams, func(s *incidentStack) { s.slack.AddChannel("C0FIN", "finance-data", "") })
	id := s.fireAlertmanager(t, "fp-downstream")
	told := func(text string) func() bool {
		return func() bool {
			for _, m := range s.slack.Messages("C0FIN") {
				if strings.Contains(m.Text, text) {
					return true
				}
			}
			return false
		}
	}
	eventually(t, "finance told of the incident", 30*time.Second,
		told("orders_daily DAG failed (team data): under investigation since"))
	eventually(t, "the page naming what it affects", 15*time.Second, func() bool {
		return s.channelHas("*Affects:* <https://bi.example.com/d/revenue|Revenue dashboard>, finance")
	})
	if _, err := incidentclient.Act(context.Background(), s.client, id, workflows.ActionRequest{Action: workflows.ActionResolve, By: "alice", Via: "cli"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "finance told of the resolution", 30*time.Second, told("orders_daily DAG failed (team data): resolved at"))
	if n := len(s.slack.Messages("C0FIN")); n != 2 {
		t.Errorf("finance got %d posts, want 2: one when it paged, one when it resolved", n)
	}
}
