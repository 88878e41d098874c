package gateway

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/workflows"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// parseFails parses body with parse, which must fail with exactly want,
// and returns what parse returned beside the error.
func parseFails[T any](t *testing.T, parse func([]byte) (T, error), body, want string) (T, error) {
	t.Helper()
	got, err := parse([]byte(body))
	if err == nil {
		t.Fatalf("no error; got %+v", got)
	}
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	return got, err
}

// sevHelp is the list of severities every severity error ends with.
var sevHelp = acceptedSeverities()

// amValid parses a notification whose every alert is valid.
func amValid(t *testing.T, body []byte) []workflows.Alert {
	t.Helper()
	parsed, err := ParseAlertmanager(body)
	if err != nil {
		t.Fatal(err)
	}
	alerts := make([]workflows.Alert, len(parsed))
	for i, p := range parsed {
		if p.Err != nil {
			t.Fatalf("alerts[%d] refused: %v", i, p.Err)
		}
		alerts[i] = p.Alert
	}
	return alerts
}

func TestParseAlertmanagerGroup(t *testing.T) {
	parsed, err := ParseAlertmanager(readTestdata(t, "alertmanager_group.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range parsed {
		if p.Name != "OrdersDailyLate" {
			t.Errorf("alerts[%d] named %q, want its alertname", i, p.Name)
		}
	}
	got := amValid(t, readTestdata(t, "alertmanager_group.json"))
	want := []workflows.Alert{{
		Team:        "data",
		DedupKey:    "7f3a9c2e1b4d6a80",
		Summary:     "orders_daily has not finished by 06:00 UTC",
		Description: "orders_daily usually finishes by 05:30 UTC; finance reads its tables at 07:00.",
		Severity:    workflows.SeverityCritical,
		Service:     "airflow",
		AlertName:   "OrdersDailyLate",
		Source:      workflows.SourceAlertmanager,
		SourceURL:   "http://prometheus.example.com:9090/graph?g0.expr=airflow_dag_last_success_age%7Bdag_id%3D%22orders_daily%22%7D+%3E+86400&g0.tab=1",
		RunbookURL:  "https://runbooks.example.com/data/orders-daily",
		Details:     map[string]string{"dag_id": "orders_daily", "instance": "airflow-scheduler-0:9102", "job": "airflow"},
		Status:      workflows.AlertFiring,
		At:          mustTime(t, "2026-03-02T06:00:12.345Z"),
	}, {
		Team:      "data",
		DedupKey:  "c1d2e3f4a5b60718",
		Summary:   `OrdersDailyLate{dag_id="orders_hourly", instance="airflow-scheduler-0:9102", job="airflow"}`,
		Severity:  workflows.SeverityMedium,
		Service:   "airflow",
		AlertName: "OrdersDailyLate",
		Source:    workflows.SourceAlertmanager,
		SourceURL: "http://prometheus.example.com:9090/graph?g0.expr=airflow_dag_last_success_age%7Bdag_id%3D%22orders_hourly%22%7D+%3E+3600&g0.tab=1",
		Details:   map[string]string{"dag_id": "orders_hourly", "instance": "airflow-scheduler-0:9102", "job": "airflow"},
		Status:    workflows.AlertResolved,
		At:        mustTime(t, "2026-03-02T06:05:30.5Z"),
	}}
	if !reflect.DeepEqual(got, want) {
		gotJSON, _ := json.MarshalIndent(got, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("got\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

// amAlertJSON is a valid firing alert, changed by edit.
func amAlertJSON(edit func(a map[string]any)) map[string]any {
	a := map[string]any{
		"status":       "firing",
		"labels":       map[string]any{"alertname": "DiskFull", "team": "data", "severity": "critical"},
		"annotations":  map[string]any{"summary": "disk full"},
		"startsAt":     "2026-03-02T06:00:00Z",
		"endsAt":       "0001-01-01T00:00:00Z",
		"generatorURL": "http://prometheus.example.com/graph",
		"fingerprint":  "abc123",
	}
	if edit != nil {
		edit(a)
	}
	return a
}

func labels(a map[string]any) map[string]any { return a["labels"].(map[string]any) }

// amBody is a version 4 notification of alerts.
func amBody(t *testing.T, alerts ...map[string]any) string {
	t.Helper()
	if alerts == nil {
		alerts = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"version": "4", "status": "firing", "receiver": "baton", "alerts": alerts})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A notification that cannot be read is refused as a whole.
func TestParseAlertmanagerRejects(t *testing.T) {
	ok := amAlertJSON(nil)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty body", ``, `the body is empty; expected a JSON object`},
		{"not JSON", `version: 4`, `invalid JSON at byte 1: invalid character 'v' looking for beginning of value`},
		{"cut short", `{"version": "4", "alerts": [`, `invalid JSON: the body ends in the middle of a value`},
		{"not an object", `[{"version": "4"}]`, `the body must be a JSON object, not an array`},
		{"two values", amBody(t, ok) + ` {}`, `invalid JSON: there is more after the JSON object`},
		{"labels of the wrong type", `{"version": "4", "alerts": [{"labels": {"team": 7}}]}`, `field "alerts.labels" holds a number where Baton expects a string`},
		{"no version", `{"alerts": []}`, `field "version" is ""; Baton reads Alertmanager's webhook version "4"`},
		{"old version", `{"version": "3", "alerts": []}`, `field "version" is "3"; Baton reads Alertmanager's webhook version "4"`},
		{"no alerts", amBody(t), `field "alerts" is missing or empty; a notification must hold at least one alert`},
		{"null alerts", `{"version": "4", "alerts": null}`, `field "alerts" is missing or empty; a notification must hold at least one alert`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := parseFails(t, ParseAlertmanager, tc.body, tc.want); got != nil {
				t.Errorf("got alerts %+v with the error", got)
			}
		})
	}
}

// An alert with problems is refused alone, with every problem it has; the
// other alerts of its notification are taken.
func TestParseAlertmanagerRefusesAlertsAlone(t *testing.T) {
	ok := amAlertJSON(nil)
	for _, tc := range []struct {
		name string
		body string
		// want is each alert's problems; "" for a valid alert.
		want []string
		// names are the alerts' names.
		names []string
	}{
		{"no fingerprint", amBody(t, ok, amAlertJSON(func(a map[string]any) { delete(a, "fingerprint") })),
			[]string{"", `field "fingerprint" is missing; Baton tracks each alert by it`}, []string{"DiskFull", "DiskFull"}},
		{"no team", amBody(t, ok, ok, amAlertJSON(func(a map[string]any) { delete(labels(a), "team") })),
			[]string{"", "", `label "team" is missing; add it to the alerting rule so Baton knows whose alert this is`}, nil},
		{"blank team, no alertname: named by its fingerprint", amBody(t, amAlertJSON(func(a map[string]any) { labels(a)["team"] = " "; delete(labels(a), "alertname") })),
			[]string{`label "team" is missing; add it to the alerting rule so Baton knows whose alert this is`}, []string{"abc123"}},
		{"no severity", amBody(t, amAlertJSON(func(a map[string]any) { delete(labels(a), "severity") })),
			[]string{`label "severity" is missing; set it to one of ` + sevHelp}, nil},
		{"unknown severity", amBody(t, amAlertJSON(func(a map[string]any) { labels(a)["severity"] = "urgent" })),
			[]string{`label "severity" is "urgent", which Baton does not know; use one of ` + sevHelp}, nil},
		{"unknown status", amBody(t, amAlertJSON(func(a map[string]any) { a["status"] = "pending" })),
			[]string{`field "status" is "pending"; Alertmanager sends "firing" or "resolved"`}, nil},
		{"bad startsAt", amBody(t, amAlertJSON(func(a map[string]any) { a["startsAt"] = "yesterday" })),
			[]string{`field "startsAt" is "yesterday", not an RFC 3339 time such as 2026-03-02T06:00:00Z`}, nil},
		{"bad endsAt when resolved", amBody(t, amAlertJSON(func(a map[string]any) { a["status"] = "resolved"; a["endsAt"] = "2026-03-02 06:00" })),
			[]string{`field "endsAt" is "2026-03-02 06:00", not an RFC 3339 time such as 2026-03-02T06:00:00Z`}, nil},
		{"every problem of every alert", amBody(t,
			amAlertJSON(func(a map[string]any) { delete(a, "fingerprint"); delete(labels(a), "team") }),
			ok,
			amAlertJSON(func(a map[string]any) { labels(a)["severity"] = "urgent" })),
			[]string{
				`field "fingerprint" is missing; Baton tracks each alert by it` + "\n" +
					`label "team" is missing; add it to the alerting rule so Baton knows whose alert this is`,
				"",
				`label "severity" is "urgent", which Baton does not know; use one of ` + sevHelp,
			}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAlertmanager([]byte(tc.body))
			if err != nil {
				t.Fatalf("the notification is refused as a whole: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d alerts, want %d", len(got), len(tc.want))
			}
			for i, p := range got {
				switch {
				case tc.want[i] == "" && p.Err != nil:
					t.Errorf("alerts[%d] refused: %v", i, p.Err)
				case tc.want[i] == "" && p.Alert.DedupKey != "abc123":
					t.Errorf("alerts[%d] is %+v", i, p.Alert)
				case tc.want[i] != "" && (p.Err == nil || p.Err.Error() != tc.want[i]):
					t.Errorf("alerts[%d]: error\n%v\nwant\n%s", i, p.Err, tc.want[i])
				}
				if tc.names != nil && p.Name != tc.names[i] {
					t.Errorf("alerts[%d] named %q, want %q", i, p.Name, tc.names[i])
				}
			}
		})
	}
}

func TestParseAlertmanagerEdges(t *testing.T) {
	t.Run("no summary, no alertname, no other labels", func(t *testing.T) {
		got := amValid(t, []byte(amBody(t, amAlertJSON(func(a map[string]any) {
			a["labels"] = map[string]any{"team": "data", "severity": "info"}
			a["annotations"] = map[string]any{}
		}))))
		if got[0].Summary != "Alertmanager alert abc123" || got[0].Details != nil || got[0].Severity != workflows.SeverityLow {
			t.Errorf("got %+v", got[0])
		}
	})
	t.Run("long summary is cut", func(t *testing.T) {
		got := amValid(t, []byte(amBody(t, amAlertJSON(func(a map[string]any) {
			a["annotations"] = map[string]any{"summary": strings.Repeat("é", 600)}
		}))))
		if want := strings.Repeat("é", workflows.MaxSummaryLen-1) + "…"; got[0].Summary != want {
			t.Errorf("summary %q", got[0].Summary)
		}
	})
	t.Run("links that are not web URLs are kept as details", func(t *testing.T) {
		got := amValid(t, []byte(amBody(t, amAlertJSON(func(a map[string]any) {
			a["annotations"] = map[string]any{"summary": "s", "runbook_url": "wiki/DiskFull"}
			a["generatorURL"] = "javascript:alert(1)"
		}))))
		a := got[0]
		if a.RunbookURL != "" || a.SourceURL != "" || a.Details["runbook_url"] != "wiki/DiskFull" || a.Details["generator_url"] != "javascript:alert(1)" {
			t.Errorf("got %+v", a)
		}
	})
	t.Run("firing alert with no startsAt, resolved with zero endsAt", func(t *testing.T) {
		got := amValid(t, []byte(amBody(t,
			amAlertJSON(func(a map[string]any) { delete(a, "startsAt") }),
			amAlertJSON(func(a map[string]any) { a["status"] = "resolved" }))))
		if !got[0].At.IsZero() || !got[1].At.IsZero() || got[1].Status != workflows.AlertResolved {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("the group's fields do not matter", func(t *testing.T) {
		body := `{"version": "4", "groupKey": 7, "truncatedAlerts": 3, "commonLabels": null, "alerts": [` +
			`{"status": "firing", "labels": {"team": "data", "severity": "P1"}, "fingerprint": "f"}]}`
		got := amValid(t, []byte(body))
		if len(got) != 1 || got[0].Severity != workflows.SeverityCritical {
			t.Errorf("got %+v", got)
		}
	})
}

// TestSeverityWordsAreAccepted keeps the list in error messages honest.
func TestSeverityWordsAreAccepted(t *testing.T) {
	for _, w := range severityWords {
		if _, ok := workflows.NormalizeSeverity(w); !ok {
			t.Errorf("error messages offer %q, which NormalizeSeverity refuses", w)
		}
	}
}
