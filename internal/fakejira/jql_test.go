package fakejira

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The fake reads the JQL it evaluates, and refuses the rest: with Jira's
// message where Jira refuses it too, and saying that it is the fake's
// limit where Jira would run it.
func TestParseJQL(t *testing.T) {
	for _, tc := range []struct {
		jql   string
		want  query
		error string
	}{
		{jql: `project = DATA AND labels = "oncall-backlog" AND statusCategory != Done`, want: query{where: []clause{
			{field: "project", value: "DATA"}, {field: "labels", value: "oncall-backlog"}, {field: "statuscategory", value: "Done", not: true},
		}}},
		{jql: `Project="DA\"TA" and PRIORITY!='High' order by Priority DESC, created`, want: query{
			where: []clause{{field: "project", value: `DA"TA`}, {field: "priority", value: "High", not: true}},
			order: []orderBy{{field: "priority", desc: true}, {field: "created"}},
		}},
		{jql: "ORDER BY key", want: query{order: []orderBy{{field: "key"}}}},
		{jql: "", want: query{}},
		{jql: "project DATA", error: "Error in the JQL Query: Expecting operator but got 'DATA'."},
		{jql: "project = ", error: "Expecting either a value, list or function but got '<EOF>'"},
		{jql: "project = DATA AND", error: "Expecting a field name but got '<EOF>'"},
		{jql: "project = DATA AND ORDER BY key", error: "Expecting a field name but got 'ORDER'"},
		{jql: "project = DATA labels = x", error: "Expecting either 'OR' or 'AND' but got 'labels'"},
		{jql: `labels = "open`, error: "The quoted string 'open' has not been completed."},
		{jql: "project = DATA ORDER created", error: "Expecting 'BY' but got 'created'"},
		{jql: "project = DATA ORDER BY priority DESC created", error: "Expecting ',' but got 'created'"},
		{jql: "universe = 42", error: "Field 'universe' does not exist or you do not have permission to view it."},
		{jql: "project = DATA ORDER BY universe", error: "Field 'universe' does not exist"},
		{jql: "project = DATA OR project = OPS", error: "the fake Jira cannot evaluate OR"},
		{jql: "(project = DATA)", error: "the fake Jira cannot evaluate parentheses"},
		{jql: "project IN (DATA, OPS)", error: "the fake Jira cannot evaluate the operator IN"},
		{jql: "summary ~ backfill", error: "the fake Jira cannot evaluate the field summary"},
		{jql: "assignee = currentUser()", error: "the fake Jira cannot evaluate the field assignee"},
		{jql: "labels = currentUser()", error: "the fake Jira cannot evaluate functions"},
		{jql: "project = DATA ORDER BY status", error: "the fake Jira cannot evaluate ORDER BY status"},
	} {
		q, err := parse(tc.jql)
		switch {
		case tc.error != "" && (err == nil || !strings.Contains(err.Error(), tc.error)):
			t.Errorf("parse(%q): error %v, want one saying %q", tc.jql, err, tc.error)
		case tc.error == "" && err != nil:
			t.Errorf("parse(%q): %v", tc.jql, err)
		case tc.error == "" && !equalQuery(q, tc.want):
			t.Errorf("parse(%q) = %+v, want %+v", tc.jql, q, tc.want)
		}
	}
}

func equalQuery(a, b query) bool {
	return slices.Equal(a.where, b.where) && slices.Equal(a.order, b.order)
}

// The POST search takes the body Atlassian documents, and refuses others
// as Jira does.
func TestSearchPostBody(t *testing.T) {
	s := New(t)
	s.AddProject("DATA")
	s.AddIssue(Issue{Project: "DATA", Summary: "Backfill", Labels: []string{"oncall-backlog"}, Priority: "High"})
	post := func(contentType, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/rest/api/3/search/jql", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(User, APIToken)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}

	status, out := post("application/json", `{"jql": "project = DATA", "maxResults": 5, "fields": ["summary", "priority", "status"]}`)
	issues, _ := out["issues"].([]any)
	if status != http.StatusOK || len(issues) != 1 || out["isLast"] != true {
		t.Fatalf("search: HTTP %d %v", status, out)
	}
	f := issues[0].(map[string]any)["fields"].(map[string]any)
	if f["summary"] != "Backfill" || f["priority"].(map[string]any)["name"] != "High" || f["status"].(map[string]any)["name"] != "To Do" {
		t.Errorf("fields %v", f)
	}

	status, out = post("application/json", `{"jql": "project = DATA", "startAt": 0}`)
	if status != http.StatusBadRequest || !strings.Contains(jsonText(out), "Invalid request payload") {
		t.Errorf("startAt, which the enhanced search does not take: HTTP %d %v", status, out)
	}
	if status, _ := post("text/plain", `{"jql": "project = DATA"}`); status != http.StatusUnsupportedMediaType {
		t.Errorf("a body that is not JSON: HTTP %d, want 415", status)
	}
	status, out = post("application/json", `{"jql": "ORDER BY created"}`)
	if status != http.StatusBadRequest || !strings.Contains(jsonText(out), "Unbounded JQL") {
		t.Errorf("unbounded JQL: HTTP %d %v", status, out)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
