package team

import (
	"strings"
	"testing"
	"time"
)

func withHeartbeats(list string) string { return goodFile + "    heartbeats:\n" + list }

func TestHeartbeatsParseWithTheirDefaults(t *testing.T) {
	f, err := Parse([]byte(withHeartbeats(`
      - {name: orders_etl, every: 1h, grace: 15m, severity: critical, service: airflow}
      - {name: nightly.export, every: 1d}
      - {name: ticker, every: 5m}
`)))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	if got := tm.HeartbeatNames(); strings.Join(got, ",") != "orders_etl,nightly.export,ticker" {
		t.Fatalf("heartbeats %v", got)
	}
	for _, c := range []struct {
		name         string
		every, grace time.Duration
		severity     string
	}{
		{"orders_etl", time.Hour, 15 * time.Minute, "critical"},
		{"nightly.export", 24 * time.Hour, 144 * time.Minute, DefaultHeartbeatSeverity},
		{"ticker", 5 * time.Minute, time.Minute, DefaultHeartbeatSeverity}, // a tenth would be 30s: at least a minute
	} {
		h, ok := tm.Heartbeat(c.name)
		if !ok {
			t.Fatalf("no heartbeat %q", c.name)
		}
		every, grace := h.Period()
		if every != c.every || grace != c.grace || h.HeartbeatSeverity() != c.severity {
			t.Errorf("%s: every %s grace %s severity %s, want %s %s %s", c.name, every, grace, h.HeartbeatSeverity(), c.every, c.grace, c.severity)
		}
	}
	if _, ok := tm.Heartbeat("nope"); ok {
		t.Error("found a heartbeat the file does not have")
	}
}

func TestHeartbeatsAreChecked(t *testing.T) {
	_, err := Parse([]byte(withHeartbeats(`
      - {name: "orders/etl", every: 1h}
      - {name: dup, every: 0s}
      - {name: dup, every: 40d}
      - {name: c, every: hourly, grace: soon, severity: urgent, runbook: wiki}
      - {every: 1h}
      - {name: e, every: 1h, evry: 2h}
`)))
	if err == nil {
		t.Fatal("a bad heartbeat list parsed")
	}
	for _, want := range []string{
		// Unknown keys are found before the values are checked.
		`heartbeats[5]`, `unknown field "evry"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	_, err = Parse([]byte(withHeartbeats(`
      - {name: "orders/etl", every: 1h}
      - {name: dup, every: 0s}
      - {name: dup, every: 40d}
      - {name: c, every: hourly, grace: soon, severity: urgent, runbook: wiki}
      - {every: 1h}
`)))
	if err == nil {
		t.Fatal("a bad heartbeat list parsed")
	}
	for _, want := range []string{
		`team "data": heartbeats[0].name: "orders/etl" must be letters, digits, dots, dashes or underscores`,
		`heartbeats[1].every: "0s" is not a duration`,
		`heartbeats[2].name: "dup" is used by more than one heartbeat`,
		`heartbeats[2].every: "40d" is not between 1s and 31d`,
		`heartbeats[3].every: "hourly" is not a duration`,
		`heartbeats[3].grace: "soon" is not a duration`,
		`heartbeats[3].severity: "urgent" is not one of critical, high, medium, low`,
		`heartbeats[3].runbook: "wiki" is not an absolute URL`,
		`heartbeats[4].name: missing`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
}
