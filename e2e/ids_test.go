package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/incidentclient"
	"github.com/baton-oncall/baton/workflows"
)

// twoTeamsYAML: teams "data" and "data-eng", whose incidents of keys
// "eng-x" and "x" shared one workflow ID under the dash scheme.
const twoTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: S0DATA}
    pager:
      rotation: {members: [alice], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}}
    people:
      - {id: alice, email: alice@example.com}
  - name: data-eng
    timezone: Europe/Berlin
    slack: {channel: C0ENG, user_group: S0ENG}
    pager:
      rotation: {members: [erin], shift: 1w, start: "${data_rotation_start}"}
    handover: {${data_handover}}
    people:
      - {id: erin, email: erin@example.com}
`

func withEngTeam(s *incidentStack) {
	s.slack.AddChannel("C0ENG", "data-eng", "")
	s.slack.AddUser("UERIN", "erin@example.com")
	s.slack.AddUserGroup("S0ENG", "data-eng-oncall", "UERIN")
}

// fireGeneric sends one firing alert through the generic webhook and
// returns the incident it went to.
func (s *incidentStack) fireGeneric(t *testing.T, teamName, key, summary string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"team": teamName, "dedup_key": key, "summary": summary, "severity": "critical"})
	resp := s.sendAlerts(t, "/webhooks/generic", body)
	var res struct{ Incidents []string }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusAccepted || len(res.Incidents) != 1 {
		t.Fatalf("webhook: %s %+v %v", resp.Status, res, err)
	}
	return res.Incidents[0]
}

func (s *incidentStack) pagedIn(channel, text string) bool {
	for _, m := range s.slack.Messages(channel) {
		if m.ThreadTS == "" && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// Under the dash scheme the second alert was signalled into the first
// team's incident: data-eng was never paged and data was paged for it.
func TestTeamsWhoseIDsCollidedEachPageTheirOwnChannel(t *testing.T) {
	s := newIncidentStack(t, twoTeamsYAML, withEngTeam)
	a := s.fireGeneric(t, "data", "eng-x", "orders late")
	b := s.fireGeneric(t, "data-eng", "x", "events stale")
	if a == b {
		t.Fatalf("both alerts went to %s", a)
	}
	eventually(t, "data's page in #data", 15*time.Second, func() bool { return s.pagedIn("C0DATA", "orders late") })
	eventually(t, "data-eng's page in #data-eng", 15*time.Second, func() bool { return s.pagedIn("C0ENG", "events stale") })
	if s.pagedIn("C0DATA", "events stale") || s.pagedIn("C0ENG", "orders late") {
		t.Error("a team was paged for the other's alert")
	}
	for _, c := range []struct{ id, team string }{{a, "data"}, {b, "data-eng"}} {
		if got, err := incidentclient.TeamOf(context.Background(), s.client, c.id); err != nil || got != c.team {
			t.Errorf("TeamOf(%s) = %q, %v; want %q", c.id, got, err, c.team)
		}
	}
}

// An incident opened before the colon scheme keeps its ID: a repeat of its
// alert lands in it, not in a second incident that would page again, and
// it is still found by its team. Another team whose colon ID would have
// collided with it gets its own incident.
func TestAnIncidentOfTheOldIDSchemeKeepsReceivingItsAlerts(t *testing.T) {
	s := newIncidentStack(t, twoTeamsYAML, withEngTeam)
	data, _ := s.teams.Team("data")
	legacy := contract.LegacyIncidentWorkflowID("data", "eng-x")
	alert := workflows.Alert{Team: "data", DedupKey: "eng-x", Summary: "orders late", Severity: workflows.SeverityCritical,
		Source: workflows.SourceGeneric, Status: workflows.AlertFiring}
	ctx := context.Background()
	// Started the way the gateway started incidents before the change.
	if _, err := s.client.SignalWithStartWorkflow(ctx, legacy, contract.IncidentAlertSignal, workflows.AlertSignal{Alert: alert},
		client.StartWorkflowOptions{
			ID: legacy, TaskQueue: contract.TaskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(contract.TeamKey.ValueSet("data"),
				contract.StateKey.ValueSet(string(workflows.StateTriggered))),
		}, contract.IncidentWorkflowName, workflows.IncidentInput{Team: data}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the old incident's page", 15*time.Second, func() bool { return s.pagedIn("C0DATA", "orders late") })

	if got := s.fireGeneric(t, "data", "eng-x", "orders late"); got != legacy {
		t.Fatalf("the repeat went to %s, not the open incident %s", got, legacy)
	}
	eventually(t, "the repeat counted on the old incident", 15*time.Second, func() bool {
		st, err := incidentclient.Status(ctx, s.client, legacy)
		return err == nil && st.Summary.Deliveries == 2
	})
	if got, err := incidentclient.TeamOf(ctx, s.client, legacy); err != nil || got != "data" {
		t.Errorf("TeamOf(%s) = %q, %v", legacy, got, err)
	}
	// Visibility may lag the start by a moment.
	eventually(t, "the old incident listed as open", 10*time.Second, func() bool {
		open, err := incidentclient.OpenLegacy(ctx, s.client)
		// Started by this build, it runs v2 all the same.
		return err == nil && len(open) == 1 && open[0] == incidentclient.LegacyRun{WorkflowID: legacy}
	})

	// data-eng's "x" had the same dash ID: it must not land in data's run.
	if got := s.fireGeneric(t, "data-eng", "x", "events stale"); got != contract.IncidentWorkflowID("data-eng", "x") {
		t.Fatalf("data-eng's alert went to %s", got)
	}
	eventually(t, "data-eng's page in #data-eng", 15*time.Second, func() bool { return s.pagedIn("C0ENG", "events stale") })
}
