package gateway

import (
	"reflect"
	"strings"
	"testing"

	"github.com/baton-oncall/baton/workflows"
)

func TestParseGenericExample(t *testing.T) {
	got, err := ParseGeneric([]byte(GenericExample))
	if err != nil {
		t.Fatal(err)
	}
	want := workflows.Alert{
		Team:        "data",
		DedupKey:    "orders_daily",
		Summary:     "orders_daily has not finished by 06:00 UTC",
		Description: "The DAG usually finishes by 05:30; finance reads its tables at 07:00.",
		Severity:    workflows.SeverityHigh,
		Service:     "airflow",
		Source:      workflows.SourceGeneric,
		SourceURL:   "https://airflow.example.com/dags/orders_daily/grid",
		RunbookURL:  "https://runbooks.example.com/data/orders-daily",
		Details: map[string]string{
			"dag_id": "orders_daily",
			"run_id": "scheduled__2026-03-02T00:00:00+00:00",
			"source": "airflow",
		},
		Status: workflows.AlertFiring,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseGenericDefaults(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       workflows.Alert
	}{
		{"the least", `{"team": "data", "dedup_key": "k", "summary": "s", "severity": "critical"}`,
			workflows.Alert{Team: "data", DedupKey: "k", Summary: "s", Severity: workflows.SeverityCritical, Source: workflows.SourceGeneric, Status: workflows.AlertFiring}},
		{"resolved, severity in another word, spaces trimmed", `{"team": " data ", "dedup_key": " k ", "summary": " s ", "severity": "Warning", "status": "Resolved"}`,
			workflows.Alert{Team: "data", DedupKey: "k", Summary: "s", Severity: workflows.SeverityMedium, Source: workflows.SourceGeneric, Status: workflows.AlertResolved}},
		{"source overrides details.source", `{"team": "d", "dedup_key": "k", "summary": "s", "severity": "low", "source": "cron", "details": {"source": "x", "a": "b"}}`,
			workflows.Alert{Team: "d", DedupKey: "k", Summary: "s", Severity: workflows.SeverityLow, Source: workflows.SourceGeneric, Status: workflows.AlertFiring,
				Details: map[string]string{"source": "cron", "a": "b"}}},
		{"nulls are absent", `{"team": "d", "dedup_key": "k", "summary": "s", "severity": "low", "status": null, "details": null, "source_url": null}`,
			workflows.Alert{Team: "d", DedupKey: "k", Summary: "s", Severity: workflows.SeverityLow, Source: workflows.SourceGeneric, Status: workflows.AlertFiring}},
		{"long summary is cut", `{"team": "d", "dedup_key": "k", "summary": "` + strings.Repeat("ab", 300) + `", "severity": "low"}`,
			workflows.Alert{Team: "d", DedupKey: "k", Summary: strings.Repeat("ab", 300)[:workflows.MaxSummaryLen-1] + "…", Severity: workflows.SeverityLow, Source: workflows.SourceGeneric, Status: workflows.AlertFiring}},
		{"a summary of exactly the limit is kept", `{"team": "d", "dedup_key": "k", "summary": "` + strings.Repeat("€", workflows.MaxSummaryLen) + `", "severity": "low"}`,
			workflows.Alert{Team: "d", DedupKey: "k", Summary: strings.Repeat("€", workflows.MaxSummaryLen), Severity: workflows.SeverityLow, Source: workflows.SourceGeneric, Status: workflows.AlertFiring}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseGeneric([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestParseGenericRejects(t *testing.T) {
	// base is a valid body missing its last field, so a case appends one.
	const base = `{"team": "data", "dedup_key": "k", "summary": "s", "severity": "high"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty body", ``, `the body is empty; expected a JSON object`},
		{"only spaces", " \n", `the body is empty; expected a JSON object`},
		{"not JSON", `team=data`, `invalid JSON at byte 2: invalid character 'e' in literal true (expecting 'r')`},
		{"trailing comma", base + `,}`, `invalid JSON at byte 71: invalid character '}' looking for beginning of object key string`},
		{"cut short", base, `invalid JSON: the body ends in the middle of a value`},
		{"two objects", base + `} {}`, `invalid JSON: there is more after the JSON object`},
		{"an array", `[` + base + `}]`, `the body must be a JSON object, not an array`},
		{"null", `null`, `field "team" is missing or empty` + "\n" + `field "dedup_key" is missing or empty` + "\n" +
			`field "summary" is missing or empty` + "\n" + `field "severity" is missing; use one of ` + sevHelp},
		{"unknown field", base + `, "dedupe_key": "k"}`, `unknown field "dedupe_key"; the fields are: ` + genericFields},
		{"team not a string", `{"team": 1}`, `field "team" holds a number where Baton expects a string`},
		{"details not strings", base + `, "details": {"n": 1}}`, `field "details" holds a number where Baton expects a string`},
		{"details not an object", base + `, "details": ["a"]}`, `field "details" holds an array where Baton expects an object`},
		{"no team", `{"dedup_key": "k", "summary": "s", "severity": "high"}`, `field "team" is missing or empty`},
		{"blank dedup_key", `{"team": "data", "dedup_key": "  ", "summary": "s", "severity": "high"}`, `field "dedup_key" is missing or empty`},
		{"no summary", `{"team": "data", "dedup_key": "k", "severity": "high"}`, `field "summary" is missing or empty`},
		{"no severity", `{"team": "data", "dedup_key": "k", "summary": "s"}`, `field "severity" is missing; use one of ` + sevHelp},
		{"unknown severity", `{"team": "data", "dedup_key": "k", "summary": "s", "severity": "sev0"}`,
			`field "severity" is "sev0", which Baton does not know; use one of ` + sevHelp},
		{"unknown status", base + `, "status": "open"}`, `field "status" is "open"; use "firing" or "resolved" (or leave it out for "firing")`},
		{"relative source_url", base + `, "source_url": "/dags/x"}`, `field "source_url" is "/dags/x"; it must be an absolute http:// or https:// URL`},
		{"ftp runbook_url", base + `, "runbook_url": "ftp://example.com/runbook"}`, `field "runbook_url" is "ftp://example.com/runbook"; it must be an absolute http:// or https:// URL`},
		{"javascript runbook_url", base + `, "runbook_url": "javascript:alert(1)"}`, `field "runbook_url" is "javascript:alert(1)"; it must be an absolute http:// or https:// URL`},
		{"URL without host", base + `, "runbook_url": "https:///x"}`, `field "runbook_url" is "https:///x"; it must be an absolute http:// or https:// URL`},
		{"unparsable URL", base + `, "source_url": "http://exa mple.com:x/"}`, `field "source_url" is "http://exa mple.com:x/"; it must be an absolute http:// or https:// URL`},
		{"every problem at once", `{"team": "", "severity": "urgent", "status": "done", "source_url": "x"}`,
			`field "team" is missing or empty` + "\n" + `field "dedup_key" is missing or empty` + "\n" + `field "summary" is missing or empty` + "\n" +
				`field "severity" is "urgent", which Baton does not know; use one of ` + sevHelp + "\n" +
				`field "status" is "done"; use "firing" or "resolved" (or leave it out for "firing")` + "\n" +
				`field "source_url" is "x"; it must be an absolute http:// or https:// URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parseFails(t, ParseGeneric, tc.body, tc.want)
		})
	}
}
