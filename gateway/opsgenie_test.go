package gateway

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/workflows"
)

func TestParseOpsgenieSamples(t *testing.T) {
	created := time.UnixMilli(1772431212345).UTC()
	// The details and description Opsgenie sends only with Create.
	tagged := workflows.Alert{
		Team:      "data",
		DedupKey:  "orders_daily",
		Summary:   "orders_daily has not finished by 06:00 UTC",
		Severity:  workflows.SeverityMedium, // no priority sent: P3
		Service:   "airflow",
		AlertName: "orders_daily",
		Source:    workflows.SourceOpsgenie,
		Details:   map[string]string{"opsgenie_alert_id": "052652ac-5d1c-464a-812a-7dd18bbfba8c", "opsgenie_tiny_id": "23"},
		Status:    workflows.AlertFiring,
		At:        created,
	}
	with := func(edit func(a *workflows.Alert)) workflows.Alert {
		a := tagged
		a.Details = map[string]string{}
		for k, v := range tagged.Details {
			a.Details[k] = v
		}
		edit(&a)
		return a
	}
	for _, tc := range []struct {
		file string
		want OpsgenieEvent
	}{
		{"opsgenie_create.json", OpsgenieEvent{
			Action: OpsgenieCreate,
			By:     "System",
			Alert: with(func(a *workflows.Alert) {
				a.Description = "orders_daily usually finishes by 05:30 UTC; finance reads its tables at 07:00."
				a.Severity = workflows.SeverityHigh
				a.RunbookURL = "https://runbooks.example.com/data/orders-daily"
				a.Details["dag_id"] = "orders_daily"
			}),
		}},
		{"opsgenie_acknowledge.json", OpsgenieEvent{Action: OpsgenieAcknowledge, By: "alice@example.com", Alert: tagged}},
		{"opsgenie_addnote.json", OpsgenieEvent{
			Action: OpsgenieAddNote, By: "alice@example.com", Alert: tagged,
			Note: "Upstream export from billing is late; rerunning once it lands.",
		}},
		{"opsgenie_close.json", OpsgenieEvent{
			Action: OpsgenieClose, By: "alice@example.com",
			Alert: with(func(a *workflows.Alert) {
				a.Status = workflows.AlertResolved
				a.At = time.Unix(0, 1772433012669001603).UTC()
			}),
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseOpsgenie(readTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				gotJSON, _ := json.MarshalIndent(got, "", "  ")
				wantJSON, _ := json.MarshalIndent(tc.want, "", "  ")
				t.Errorf("got\n%s\nwant\n%s", gotJSON, wantJSON)
			}
		})
	}
}

func TestParseOpsgenieIgnoresOtherActions(t *testing.T) {
	bodies := map[string]string{
		"TakeOwnership": string(readTestdata(t, "opsgenie_takeownership.json")),
		// Escalate's body has almost no alert: it must not matter.
		"Escalate": string(readTestdata(t, "opsgenie_escalate.json")),
	}
	for _, action := range []string{"UnAcknowledge", "AssignOwnership", "AddTags", "RemoveTags", "AddTeam", "AddRecipient", "Delete", "UpdatePriority", "TestAction", "close"} {
		bodies[action] = `{"action": "` + action + `", "alert": "whatever"}`
	}
	for action, body := range bodies {
		t.Run(action, func(t *testing.T) {
			got, err := ParseOpsgenie([]byte(body))
			if !errors.Is(err, ErrIgnoredAction) {
				t.Fatalf("error %v, want ErrIgnoredAction", err)
			}
			if want := `Opsgenie action ignored: "` + action + `"`; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if got.Action != action {
				t.Errorf("Action %q", got.Action)
			}
		})
	}
}

// ogBody is an Opsgenie webhook body with action and alert.
func ogBody(t *testing.T, action string, alert map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"action": action, "alert": alert, "source": map[string]any{"name": "", "type": "web"}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseOpsgenieFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alert map[string]any
		check func(t *testing.T, a workflows.Alert)
	}{
		{"priority as a number, as Opsgenie has sent it", map[string]any{"alias": "k", "tags": []string{"team:data"}, "priority": 1},
			func(t *testing.T, a workflows.Alert) { want(t, a.Severity, workflows.SeverityCritical) }},
		{"priority P5", map[string]any{"alias": "k", "tags": []string{"team:data"}, "priority": "P5"},
			func(t *testing.T, a workflows.Alert) { want(t, a.Severity, workflows.SeverityLow) }},
		{"details win over tags", map[string]any{"alias": "k", "tags": []string{"team:ops", "service:db"}, "details": map[string]any{"team": "data", "service": "airflow"}},
			func(t *testing.T, a workflows.Alert) { want(t, a.Team+"/"+a.Service, "data/airflow") }},
		{"tag keys ignore case and spaces; the first team tag wins", map[string]any{"alias": "k", "tags": []string{"urgent", "team:", "Team : data ", "team:ops"}},
			func(t *testing.T, a workflows.Alert) { want(t, a.Team, "data") }},
		{"a tag value may hold a colon", map[string]any{"alias": "k", "tags": []string{"team:data", "service:db:replica"}},
			func(t *testing.T, a workflows.Alert) { want(t, a.Service, "db:replica") }},
		{"alertId when there is no alias", map[string]any{"alertId": "id-1", "tags": []string{"team:data"}, "message": "m"},
			func(t *testing.T, a workflows.Alert) { want(t, a.DedupKey, "id-1") }},
		{"no message", map[string]any{"alias": "k", "tags": []string{"team:data"}},
			func(t *testing.T, a workflows.Alert) {
				want(t, a.Summary+"|"+a.AlertName, "Opsgenie alert k|Opsgenie alert k")
			}},
		{"message as the alert name when there is no entity", map[string]any{"alias": "k", "tags": []string{"team:data"}, "message": "disk full"},
			func(t *testing.T, a workflows.Alert) { want(t, a.AlertName, "disk full") }},
		{"non-string details and tinyId are kept as text", map[string]any{"alias": "k", "tinyId": 23, "details": map[string]any{"team": "data", "count": 3, "ok": true, "nested": map[string]any{"a": []int{1}}, "gone": nil}},
			func(t *testing.T, a workflows.Alert) {
				want(t, a.Details["count"]+" "+a.Details["ok"]+" "+a.Details["nested"]+" "+a.Details["opsgenie_tiny_id"], `3 true {"a":[1]} 23`)
			}},
		{"runbook that is not a web URL is kept as a detail", map[string]any{"alias": "k", "tags": []string{"team:data"}, "details": map[string]any{"runbook_url": "see wiki"}},
			func(t *testing.T, a workflows.Alert) { want(t, a.RunbookURL+"|"+a.Details["runbook_url"], "|see wiki") }},
		{"unreadable createdAt is no time", map[string]any{"alias": "k", "tags": []string{"team:data"}, "createdAt": "soon"},
			func(t *testing.T, a workflows.Alert) { want(t, a.At.IsZero(), true) }},
		{"long message is cut", map[string]any{"alias": "k", "tags": []string{"team:data"}, "message": string(make([]byte, 600))},
			func(t *testing.T, a workflows.Alert) { want(t, len([]rune(a.Summary)), workflows.MaxSummaryLen) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseOpsgenie([]byte(ogBody(t, OpsgenieCreate, tc.alert)))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, ev.Alert)
		})
	}
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseOpsgenieRejects(t *testing.T) {
	noTeam := `the alert names no team: add a tag "team:NAME" to it (Opsgenie sends tags with every action, details only with Create), or a detail "team"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty body", ``, `the body is empty; expected a JSON object`},
		{"not JSON", `action=Create`, `invalid JSON at byte 1: invalid character 'a' looking for beginning of value`},
		{"not an object", `"Create"`, `the body must be a JSON object, not a string`},
		{"no action", `{"alert": {"alias": "k"}}`, `field "action" is missing; is this an Opsgenie Webhook integration?`},
		{"action not a string", `{"action": 1}`, `field "action" holds a number where Baton expects a string`},
		{"no alert", `{"action": "Create"}`, `field "alert" is missing`},
		{"alert not an object", `{"action": "Close", "alert": "k"}`, `field "alert" holds a string where Baton expects an object`},
		{"tags not strings", ogBody(t, "Create", map[string]any{"alias": "k", "tags": []int{1}}), `field "alert.tags" holds a number where Baton expects a string`},
		{"no alias or alertId", ogBody(t, "Acknowledge", map[string]any{"tags": []string{"team:data"}}),
			`fields "alert.alias" and "alert.alertId" are both missing; Baton tracks the alert by one of them`},
		{"no team", ogBody(t, "Close", map[string]any{"alias": "k", "tags": []string{"data", "service:airflow"}}), noTeam},
		{"empty team tag", ogBody(t, "Close", map[string]any{"alias": "k", "tags": []string{"team:"}}), noTeam},
		{"unknown priority", ogBody(t, "Create", map[string]any{"alias": "k", "tags": []string{"team:data"}, "priority": "P9"}),
			`field "alert.priority" is "P9"; Opsgenie priorities are P1 to P5 (Baton also takes ` + sevHelp + `)`},
		{"every problem at once", ogBody(t, "Create", map[string]any{"priority": 7}),
			`fields "alert.alias" and "alert.alertId" are both missing; Baton tracks the alert by one of them` + "\n" + noTeam + "\n" +
				`field "alert.priority" is "7"; Opsgenie priorities are P1 to P5 (Baton also takes ` + sevHelp + `)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseFails(t, ParseOpsgenie, tc.body, tc.want); errors.Is(err, ErrIgnoredAction) {
				t.Errorf("a rejection must not look ignored: %v", err)
			}
		})
	}
}

func TestEpochTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1420452191104":        time.UnixMilli(1420452191104).UTC(),
		"1420452374669001603":  time.Unix(0, 1420452374669001603).UTC(),
		"":                     {},
		"-5":                   {},
		"1.5e12":               {},
		"99999999999999999999": {},
	} {
		if got := epochTime(in); !got.Equal(want) {
			t.Errorf("epochTime(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseOpsgenieLongAliasWithoutMessage(t *testing.T) {
	alias := strings.Repeat("k", 600)
	ev, err := ParseOpsgenie([]byte(ogBody(t, OpsgenieCreate, map[string]any{"alias": alias, "tags": []string{"team:data"}})))
	if err != nil {
		t.Fatal(err)
	}
	// Opsgenie's aliases stop at 512 characters; a longer key is kept as
	// its IncidentKey, which names the same incident.
	if n := len([]rune(ev.Alert.Summary)); n != workflows.MaxSummaryLen || ev.Alert.DedupKey != contract.IncidentKey(alias) {
		t.Errorf("summary of %d characters, dedup key %q", n, ev.Alert.DedupKey)
	}
	if contract.IncidentWorkflowID("data", ev.Alert.DedupKey) != contract.IncidentWorkflowID("data", alias) {
		t.Error("the kept key names another incident than the alias")
	}
}

// An alert Baton opened for its own page comes back as a Create when the
// team's Opsgenie webhook sends creates: it must not open a second
// incident. Its acknowledgement must still reach the incident.
func TestParseOpsgenieIgnoresCreateOfBatonsOwnAlert(t *testing.T) {
	alert := map[string]any{"alias": "fp-123", "message": "disk full", "source": workflows.OpsgenieAlertSource,
		"tags": []string{"baton", "team:data"}, "priority": "P1", "username": "System"}
	_, err := ParseOpsgenie([]byte(ogBody(t, OpsgenieCreate, alert)))
	if !errors.Is(err, ErrIgnoredAction) {
		t.Fatalf("Create of Baton's alert: error %v, want ErrIgnoredAction", err)
	}
	alert["username"] = "ann@example.com"
	ev, err := ParseOpsgenie([]byte(ogBody(t, OpsgenieAcknowledge, alert)))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Alert.Team != "data" || ev.Alert.DedupKey != "fp-123" || ev.By != "ann@example.com" {
		t.Errorf("acknowledgement parsed as %+v", ev)
	}
	alert["source"] = "Prometheus"
	if _, err := ParseOpsgenie([]byte(ogBody(t, OpsgenieCreate, alert))); err != nil {
		t.Errorf("Create from another source: %v", err)
	}
}
