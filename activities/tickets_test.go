package activities

import (
	"io"
	"testing"

	"github.com/baton-oncall/baton/activities/tickets"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakejira"
)

// The backlog comes from Jira as the tracker finds it; with the console
// for tracker there is none to read, which is not an error.
func TestBacklog(t *testing.T) {
	srv := fakejira.New(t)
	srv.AddProject("DATA")
	srv.AddIssue(fakejira.Issue{Project: "DATA", Summary: "Tidy the dbt models", Labels: []string{"oncall-backlog"}})
	srv.AddIssue(fakejira.Issue{Project: "DATA", Summary: "Alert on late loads", Labels: []string{"oncall-backlog"}, Priority: "High"})
	a := &Activities{Tickets: tickets.NewJira(srv.URL(), fakejira.User, fakejira.APIToken, nil)}
	env := activityEnv(a)

	res, err := execute[BacklogResult](env, a.Backlog, BacklogInput{JQL: "project = DATA AND labels = oncall-backlog", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.NoJira || len(res.Issues) != 2 || res.Issues[0].Key != "DATA-2" || res.Issues[0].Priority != "High" {
		t.Errorf("backlog %+v, want DATA-2 (High) first of 2", res)
	}
	_, err = execute[BacklogResult](env, a.Backlog, BacklogInput{JQL: "project = DATA AND", Limit: 5})
	activitytest.RequireNonRetryable(t, err, "Expecting a field name", "jira_backlog_jql")

	c := &Activities{Tickets: tickets.NewConsole(io.Discard)}
	res, err = execute[BacklogResult](activityEnv(c), c.Backlog, BacklogInput{JQL: "project = DATA", Limit: 5})
	if err != nil || !res.NoJira || len(res.Issues) != 0 {
		t.Errorf("console: %+v, %v; want NoJira and nothing", res, err)
	}
}
