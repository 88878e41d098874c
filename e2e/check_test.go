package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/baton-oncall/baton/checkclient"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/pgtest"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

// checkTeamYAML is the incident team with three checks on Temporal
// Schedules every 2 s, on a real PostgreSQL: a table's freshness, a count
// with its minimum, and a query whose URL has a wrong password, which
// cannot run.
func checkTeamYAML() string {
	return incidentTeamYAML("60s", "90s") + `
    checks:
      - {name: orders_fresh, kind: freshness, every: 2s, database_url_env: BATON_E2E_WAREHOUSE_URL,
         query: "select max(loaded_at) from orders", max_age: 1h, fail_after: 2, service: warehouse}
      - {name: running_tasks, kind: query, every: 2s, database_url_env: BATON_E2E_WRONG_PASSWORD_URL,
         query: "select count(*) from orders", min: 1, fail_after: 1}
      - {name: orders_count, kind: query, every: 2s, database_url_env: BATON_E2E_WAREHOUSE_URL,
         query: "select count(*) from orders", min: 5, fail_after: 1, severity: critical}
`
}

// postedWith is the channel's top-level post that holds text, once there.
func (s *incidentStack) postedWith(text string) (fakeslack.Message, bool) {
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == "" && strings.Contains(m.Text, text) {
			return m, true
		}
	}
	return fakeslack.Message{}, false
}

// A stale table pages once, after two failed runs of its schedule; the
// load that makes it fresh resolves the incident; a count below its
// minimum pages; a wrong password opens the check's own low incident,
// which says so, never the check's; taken out of the team file, the
// checks' schedules are deleted.
func TestAStaleTablePagesAndTheNextLoadResolvesIt(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, `CREATE TABLE orders (id bigint, loaded_at timestamptz)`)
	pg.Exec(t, `INSERT INTO orders VALUES (1, now() - interval '2 days')`)
	t.Setenv("BATON_E2E_WAREHOUSE_URL", pg.URL)
	t.Setenv("BATON_E2E_WRONG_PASSWORD_URL", strings.Replace(pg.URL, pgtest.Password, "wrong-"+pgtest.Password, 1))
	s := newIncidentStack(t, checkTeamYAML())
	fresh := contract.CheckID{Team: "data", Name: "orders_fresh"}
	incidentID := contract.IncidentWorkflowID("data", fresh.DedupKey())

	eventually(t, "the page of the stale table", 30*time.Second, func() bool {
		_, ok := s.postedWith("orders_fresh is stale: its newest row is 48h old, more than 1h")
		return ok
	})
	st := s.status(t, incidentID)
	if st.Alert.Source != workflows.SourceCheck || st.Alert.Service != "warehouse" || st.Alert.Severity != workflows.SeverityHigh {
		t.Errorf("incident alert %+v", st.Alert)
	}
	if strings.Contains(st.Alert.Description, pgtest.Password) {
		t.Error("the incident holds the database's password")
	}
	// A low incident is posted, or held until the working morning: which
	// depends on the day, so the incident itself is what is checked.
	cannotID := contract.IncidentWorkflowID("data", contract.CheckID{Team: "data", Name: "running_tasks"}.CannotRunKey())
	eventually(t, "the cannot-run incident", 30*time.Second, func() bool {
		_, err := s.client.DescribeWorkflowExecution(context.Background(), cannotID, "")
		return err == nil
	})
	cannot := s.status(t, cannotID)
	if cannot.Alert.Severity != workflows.SeverityLow || !strings.Contains(cannot.Alert.Summary, "running_tasks could not run: connect:") ||
		!strings.Contains(cannot.Alert.Summary, "password authentication failed") || strings.Contains(cannot.Alert.Summary, pgtest.Password) {
		t.Errorf("cannot-run incident %+v: want low, saying why, without the password", cannot.Alert)
	}
	if _, err := s.client.DescribeWorkflowExecution(context.Background(), contract.IncidentWorkflowID("data", "check-running_tasks"), ""); err == nil {
		t.Error("a check that cannot run opened the check's own incident, as if what it watches failed")
	}
	eventually(t, "the page of the count below its minimum", 30*time.Second, func() bool {
		_, ok := s.postedWith("orders_count is 1, below its minimum 5")
		return ok
	})

	var listed []checkclient.Listed
	eventually(t, "the list says failing, with the incident, after more runs", 20*time.Second, func() bool {
		listed = checkclient.List(context.Background(), s.client, s.teams, "data")
		return len(listed) == 3 && listed[0].State == workflows.CheckStateFailing && listed[0].Last.Incident == incidentID &&
			listed[0].Last.Failures >= 4 && listed[1].State == workflows.CheckStateCannotRun
	})
	// Four failed runs, one page.
	stale := 0
	for _, m := range s.slack.Messages("C0DATA") {
		if m.ThreadTS == "" && strings.Contains(m.Text, "orders_fresh is stale") {
			stale++
		}
	}
	if stale != 1 {
		t.Errorf("%d pages of the stale table, want 1", stale)
	}

	pg.Exec(t, `INSERT INTO orders VALUES (2, now())`)
	eventually(t, "the incident resolved by the fresh load", 30*time.Second, func() bool {
		return s.status(t, incidentID).State == workflows.StateResolved
	})

	without := *s.teams
	without.Teams = []team.Team{s.teams.Teams[0]}
	without.Teams[0].Checks = nil
	var deleted []checkclient.Synced
	// The schedules reach the list through visibility, a moment after
	// they are made.
	eventually(t, "the three schedules deleted", 20*time.Second, func() bool {
		synced, err := checkclient.Sync(context.Background(), s.client, &without, "")
		if err != nil {
			t.Fatal(err)
		}
		deleted = append(deleted, synced...)
		return len(deleted) == 3
	})
	for _, id := range []string{fresh.String(), contract.CheckID{Team: "data", Name: "running_tasks"}.String(), contract.CheckID{Team: "data", Name: "orders_count"}.String()} {
		_, err := s.client.ScheduleClient().GetHandle(context.Background(), id).Describe(context.Background())
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("schedule %s: %v, want it deleted", id, err)
		}
	}
}
