package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/heartbeatclient"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// heartbeatTeamYAML is the incident team with one heartbeat due 8 s after
// its last ping: long enough that the test's first ping comes in time on a
// loaded machine, short enough to watch it go late.
func heartbeatTeamYAML() string {
	return incidentTeamYAML("60s", "90s") + `
    heartbeats:
      - {name: orders_etl, every: 5s, grace: 3s, service: airflow}
`
}

// pingHeartbeat pings as a job does, with the webhook token; a 5xx is
// sent again, as a job's retrying curl would.
func (s *incidentStack) pingHeartbeat(t *testing.T, name string) *http.Response {
	t.Helper()
	return s.sendAlerts(t, contract.HeartbeatID{Team: "data", Name: name}.Path(), nil)
}

// heartbeat is the state its monitor tells, once it tells one.
func (s *incidentStack) heartbeat(t *testing.T) heartbeatclient.Listed {
	t.Helper()
	list := heartbeatclient.List(context.Background(), s.client, s.teams, "data")
	if len(list) != 1 {
		t.Fatalf("heartbeats %+v, want orders_etl alone", list)
	}
	return list[0]
}

// A job pings; when it stops, the incident opens at the deadline and
// pages; its next ping resolves it; the watch goes on with a new worker;
// taken out of the team file, the heartbeat is no longer watched.
func TestAHeartbeatThatStopsPagesAndItsNextPingResolves(t *testing.T) {
	s := newIncidentStack(t, heartbeatTeamYAML())
	hbID := contract.HeartbeatID{Team: "data", Name: "orders_etl"}
	incidentID := contract.IncidentWorkflowID("data", hbID.DedupKey())

	resp := s.pingHeartbeat(t, "orders_etl")
	pinged := time.Now()
	var took map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&took); err != nil || resp.StatusCode != http.StatusAccepted || took["heartbeat"] != hbID.String() {
		t.Fatalf("ping: %s %v %v", resp.Status, took, err)
	}
	resp = s.pingHeartbeat(t, "orders")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `team \"data\" has no heartbeat \"orders\": its heartbeats are orders_etl`) {
		t.Fatalf("unknown heartbeat: %s %s", resp.Status, body)
	}
	eventually(t, "the heartbeat up", 10*time.Second, func() bool { return s.heartbeat(t).State == workflows.HeartbeatUp })

	eventually(t, "the page of the missed heartbeat", 20*time.Second, func() bool {
		p, ok := s.page()
		return ok && strings.Contains(p.Text, "No ping from orders_etl since")
	})
	notBefore(t, "the page", time.Now(), pinged.Add(8*time.Second))
	st := s.status(t, incidentID)
	if st.Alert.Source != workflows.SourceHeartbeat || st.Alert.Service != "airflow" || st.Alert.Severity != workflows.SeverityHigh {
		t.Errorf("incident alert %+v", st.Alert)
	}
	eventually(t, "the heartbeat late, naming its incident", 10*time.Second, func() bool {
		hb := s.heartbeat(t)
		return hb.State == workflows.HeartbeatLate && hb.Incident == incidentID
	})

	s.pingHeartbeat(t, "orders_etl")
	eventually(t, "the incident resolved by the ping", 15*time.Second, func() bool {
		return s.status(t, incidentID).State == workflows.StateResolved
	})
	// The ping counted (the heartbeat may be late again already: 8 s pass
	// quickly on a loaded machine, so its state is not asked here).
	if hb := s.heartbeat(t); hb.Pings != 2 || !hb.LastPing.After(pinged) {
		t.Errorf("after the ping: %+v", hb)
	}

	// A new worker takes over the watch: the monitor lives in Temporal.
	s.stop()
	s.gateway = s.startWorker(t)
	s.pingHeartbeat(t, "orders_etl")
	eventually(t, "the third ping, taken through the new worker", 15*time.Second, func() bool {
		return s.heartbeat(t).Pings == 3
	})

	// The heartbeat taken out of the team file: the sync stops its
	// monitor, and the monitor ends.
	without := *s.teams
	without.Teams = []team.Team{s.teams.Teams[0]}
	without.Teams[0].Heartbeats = nil
	synced, err := heartbeatclient.Sync(context.Background(), s.client, &without, "")
	if err != nil || len(synced) != 1 || synced[0] != (heartbeatclient.Synced{WorkflowID: hbID.String(), Action: "stopped"}) {
		t.Fatalf("sync: %+v %v", synced, err)
	}
	eventually(t, "the monitor ended", 10*time.Second, func() bool {
		d, err := s.client.DescribeWorkflowExecution(context.Background(), hbID.String(), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
}
