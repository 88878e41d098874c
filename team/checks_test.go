package team

import (
	"strings"
	"testing"
	"time"
)

func withChecks(list string) string { return goodFile + "    checks:\n" + list }

func TestChecksParseWithTheirDefaults(t *testing.T) {
	f, err := Parse([]byte(withChecks(`
      - {name: orders_fresh, kind: freshness, database_url_env: WAREHOUSE_URL, query: "select max(loaded_at) from orders", max_age: 1d}
      - {name: running, kind: query, every: 1m, database_url_env: WAREHOUSE_URL, query: "select count(*) from t", min: 1, fail_after: 3, timeout: 30s}
      - {name: api, kind: http, url: "https://api.example.com/healthz", expect_status: 204, expect_body: ok}
`)))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	fresh, _ := tm.Check("orders_fresh")
	if fresh.Interval() != DefaultCheckEvery || fresh.RunTimeout() != DefaultCheckTimeout || fresh.Failures() != DefaultFailAfter ||
		fresh.MaxAgeSpan() != 24*time.Hour || fresh.CheckSeverity() != "high" {
		t.Errorf("freshness defaults: %+v", fresh)
	}
	running, _ := tm.Check("running")
	if running.Interval() != time.Minute || running.RunTimeout() != 30*time.Second || running.Failures() != 3 || *running.Min != 1 || running.Max != nil {
		t.Errorf("query: %+v", running)
	}
	api, ok := tm.Check("api")
	if !ok || api.Status() != 204 {
		t.Errorf("http: %+v", api)
	}
	if (Check{}).Status() != 200 {
		t.Error("an http check expects 200 by default")
	}
}

func TestChecksAreChecked(t *testing.T) {
	_, err := Parse([]byte(withChecks(`
      - {name: a, kind: freshness, query: "select 1"}
      - {name: b, kind: query, database_url_env: "bad name", query: "select 1"}
      - {name: c, kind: query, database_url_env: X, query: "select 1", min: 5, max: 1, url: "https://x.example.com"}
      - {name: d, kind: http, url: "ftp://x.example.com", expect_status: 999, query: "select 1"}
      - {name: d, kind: ping, every: 2d, timeout: 1h, fail_after: -1}
      - {name: e, kind: freshness, database_url_env: X, query: "select 1", max_age: 1h, min: 1}
`)))
	if err == nil {
		t.Fatal("bad checks parsed")
	}
	for _, want := range []string{
		`checks[0].database_url_env: missing`,
		`checks[0].max_age: "" is not a duration`,
		`checks[1].database_url_env: "bad name" is not an environment variable name`,
		`checks[1]: a query check needs min, max or both`,
		`checks[2]: min 5 is above max 1`,
		`checks[2]: url, expect_status and expect_body are for http checks`,
		`checks[3].url: "ftp://x.example.com" is not an http or https URL`,
		`checks[3].expect_status: 999 is not an HTTP status`,
		`checks[3]: database_url_env, query, max_age, min and max are for freshness and query checks`,
		`checks[4].name: "d" is used by more than one check`,
		`checks[4].kind: "ping" is not one of freshness, query, http`,
		`checks[4].every: "2d" is not a duration between 1s and 1d`,
		`checks[4].timeout: "1h" is not a duration between 100ms and 5m`,
		`checks[4].fail_after: must be between 1 and 100`,
		`checks[5]: min and max are for query checks`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}
