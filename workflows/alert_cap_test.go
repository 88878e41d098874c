package workflows

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baton-oncall/baton/contract"
)

func TestCapAlertKeepsWhatFits(t *testing.T) {
	a := Alert{Team: "data", DedupKey: "k", Summary: strings.Repeat("é", MaxSummaryLen), Service: "airflow",
		Description: strings.Repeat("d", MaxDescriptionLen), Details: map[string]string{"dag": "orders"},
		SourceURL: "https://example.com/x", Severity: SeverityHigh, Status: AlertFiring}
	got := CapAlert(a)
	if got.Summary != a.Summary || got.Description != a.Description || got.Service != a.Service ||
		len(got.Details) != 1 || got.Details["dag"] != "orders" || got.SourceURL != a.SourceURL || got.DedupKey != "k" {
		t.Errorf("an alert within every limit changed:\n%+v", got)
	}
}

func TestCapAlertCutsByCharactersAndSaysSo(t *testing.T) {
	details := map[string]string{}
	for i := range 100 {
		details[fmt.Sprintf("k%03d", i)] = strings.Repeat("€", 2000)
	}
	details[strings.Repeat("K", 300)] = "v"
	longKey := strings.Repeat("f", 600)
	a := CapAlert(Alert{
		DedupKey:    longKey,
		Summary:     strings.Repeat("ü", 600),
		Service:     strings.Repeat("🚀", 1000), // 4 bytes each: 4,000 bytes
		AlertName:   strings.Repeat("n", 3000),
		Description: strings.Repeat("ß", 20000),
		Details:     details,
		RunbookURL:  "https://example.com/" + strings.Repeat("p", 4000),
	})
	for name, s := range map[string]string{"summary": a.Summary, "service": a.Service, "alert name": a.AlertName, "description": a.Description} {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8", name)
		}
	}
	if n := utf8.RuneCountInString(a.Summary); n != MaxSummaryLen || !strings.HasSuffix(a.Summary, "…") {
		t.Errorf("summary of %d characters ending %q", n, a.Summary[len(a.Summary)-3:])
	}
	// Temporal's default limit of a keyword search attribute is 2 KB.
	for name, s := range map[string]string{"service": a.Service, "alert name": a.AlertName} {
		if utf8.RuneCountInString(s) != MaxKeywordLen || len(s) > 2048 || !strings.HasSuffix(s, "…") {
			t.Errorf("%s of %d characters, %d bytes", name, utf8.RuneCountInString(s), len(s))
		}
	}
	if n := utf8.RuneCountInString(a.Description); n > MaxDescriptionLen || n < MaxDescriptionLen-100 ||
		!strings.HasSuffix(a.Description, "of 20000 characters kept)") {
		t.Errorf("description of %d characters ending %q", n, a.Description[len(a.Description)-60:])
	}
	if len(a.Details) != MaxDetails || !strings.Contains(a.Details["…"], "63 more details left out") {
		t.Errorf("%d details, note %q", len(a.Details), a.Details["…"])
	}
	for k, v := range a.Details {
		if utf8.RuneCountInString(k) > MaxDetailKeyLen || utf8.RuneCountInString(v) > MaxDetailValueLen {
			t.Errorf("detail %.20q… of %d characters", k, utf8.RuneCountInString(v))
		}
	}
	if a.RunbookURL != "" || !strings.Contains(a.Details["runbook_url"], "left out") {
		t.Errorf("runbook URL %.40q, detail %q: a cut link leads nowhere and must be left out visibly", a.RunbookURL, a.Details["runbook_url"])
	}
	if a.DedupKey != contract.IncidentKey(longKey) || contract.IncidentWorkflowID("d", a.DedupKey) != contract.IncidentWorkflowID("d", longKey) {
		t.Errorf("dedup key %q names another incident than the key it replaces", a.DedupKey)
	}
}

func TestCutTextRepairsUTF8(t *testing.T) {
	if got := CutText("a\xffb", 10); got != "a\uFFFDb" {
		t.Errorf("CutText kept invalid UTF-8: %q", got)
	}
	if got := CutText("abcdef", 4); got != "abc…" {
		t.Errorf("CutText = %q, want abc…", got)
	}
}
