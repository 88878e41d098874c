package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/contract"
)

// Alert is an alert from any source, in one shape: the gateway turns
// Alertmanager, Opsgenie and generic webhooks into it, and the incident
// workflow reads nothing else.
type Alert struct {
	Team string `json:"team"`
	// DedupKey identifies the incident within the team: Alertmanager's
	// fingerprint, Opsgenie's alias, the generic body's dedup_key.
	DedupKey    string `json:"dedup_key"`
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	// Severity is one of the Severity constants.
	Severity   Severity          `json:"severity"`
	Service    string            `json:"service,omitempty"`
	AlertName  string            `json:"alert_name,omitempty"`
	Source     string            `json:"source"`
	SourceURL  string            `json:"source_url,omitempty"`
	RunbookURL string            `json:"runbook_url,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
	// Status is AlertFiring or AlertResolved.
	Status string `json:"status"`
	// At is when the source says the alert started or resolved; zero if it
	// does not say.
	At time.Time `json:"at,omitzero"`
	// Drill, set only by `starter drill` and a team's drill schedule
	// (never by a webhook, whose body has no such field), makes the
	// incident a drill (incident_drill.go).
	Drill *Drill `json:"drill,omitempty"`
}

// Drill is what a drill asks beyond its alert.
type Drill struct {
	// Via limits the drill's escalation to one channel: team.DrillViaSMS
	// or team.DrillViaCall; empty: the policy's first cycle as it is.
	Via string `json:"via,omitempty"`
}

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Severity is how urgent an alert is: one of Baton's four.
type Severity string

// Severities, highest first. Sources' own words are mapped onto these by
// NormalizeSeverity.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Sources of alerts.
const (
	SourceAlertmanager = "alertmanager"
	SourceOpsgenie     = "opsgenie"
	SourceGeneric      = "generic"
	SourceManual       = "manual"
	// SourceHeartbeat: a heartbeat's deadline passed without a ping.
	SourceHeartbeat = "heartbeat"
	// SourceCheck: a check Baton runs failed, or could not run.
	SourceCheck = "check"
	// SourceDrill: a drill, started by hand or by the team's schedule.
	SourceDrill = "drill"
)

// OpsgenieAlertSource is the source of the Opsgenie alerts Baton opens for
// its pages; the gateway ignores their creation when Opsgenie echoes it.
const OpsgenieAlertSource = "Baton"

// NormalizeSeverity maps a source's severity or priority onto Baton's four:
// Alertmanager's critical/warning/info, Opsgenie's P1-P5, and common words.
// ok is false for a word it does not know.
func NormalizeSeverity(s string) (severity Severity, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "p1", "sev1", "fatal", "emergency":
		return SeverityCritical, true
	case "high", "error", "major", "page", "p2", "sev2":
		return SeverityHigh, true
	case "medium", "warning", "warn", "moderate", "p3", "sev3":
		return SeverityMedium, true
	case "low", "info", "minor", "none", "p4", "p5", "sev4", "sev5":
		return SeverityLow, true
	}
	return "", false
}

// Limits on an alert's fields, in characters, that CapAlert applies at
// intake: what Temporal takes (a keyword search attribute is at most 2 KB
// by default, a payload at most 2 MB) with room to spare, and what a
// reader can use. Characters, not bytes, so that no cut splits one.
const (
	// MaxKeywordLen bounds Service and AlertName, which are keyword search
	// attributes: 500 characters of at most 4 bytes each stay under 2 KB.
	MaxKeywordLen = 500
	// MaxSummaryLen bounds the summary, the incident's one-line title.
	MaxSummaryLen = 500
	// MaxDescriptionLen bounds the description, note of the cut included.
	MaxDescriptionLen = 8000
	// MaxDetails is how many details an alert keeps (the first, by key),
	// and MaxDetailKeyLen and MaxDetailValueLen bound each one.
	MaxDetails        = 40
	MaxDetailKeyLen   = 100
	MaxDetailValueLen = 500
	// MaxDedupKeyLen bounds the dedup key kept in the alert; a longer one
	// is replaced by its contract.IncidentKey, which names the same
	// incident (the key's own IncidentKey is itself).
	MaxDedupKeyLen = 512
	// MaxURLLen bounds a link; a longer one is left out (a cut link leads
	// nowhere) and a detail says so. Slack takes links of up to 3,000.
	MaxURLLen = 3000
)

// CapAlert bounds every field of an alert from outside to the limits
// above, keeping valid UTF-8, so that Temporal never refuses an alert for
// its size and one runaway template cannot bloat every signal and post.
// A cut is visible: the text ends in "…", the description says how much
// was left out, and a detail counts the details left out.
func CapAlert(a Alert) Alert {
	if len(a.DedupKey) > MaxDedupKeyLen || !utf8.ValidString(a.DedupKey) {
		a.DedupKey = contract.IncidentKey(a.DedupKey)
	}
	a.Summary = CutText(a.Summary, MaxSummaryLen)
	a.Service = CutText(a.Service, MaxKeywordLen)
	a.AlertName = CutText(a.AlertName, MaxKeywordLen)
	a.Description = cutDescription(a.Description)
	details := map[string]string{}
	for _, link := range []struct {
		key string
		url *string
	}{{"source_url", &a.SourceURL}, {"runbook_url", &a.RunbookURL}} {
		if n := utf8.RuneCountInString(*link.url); n > MaxURLLen || !utf8.ValidString(*link.url) {
			details[link.key] = fmt.Sprintf("a link of %d characters, left out at intake", n)
			*link.url = ""
		}
	}
	keys := slices.DeleteFunc(slices.Sorted(maps.Keys(a.Details)), func(k string) bool { _, taken := details[k]; return taken })
	room := MaxDetails - len(details)
	for i, k := range keys {
		if i == room-1 && len(keys) > room {
			details["…"] = fmt.Sprintf("%d more details left out at intake", len(keys)-i)
			break
		}
		details[CutText(k, MaxDetailKeyLen)] = CutText(a.Details[k], MaxDetailValueLen)
	}
	a.Details = nil
	if len(details) > 0 {
		a.Details = details
	}
	return a
}

// CutText keeps s within max characters of valid UTF-8; a cut s ends in
// "…", so that a reader sees it was cut.
func CutText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// cutDescription keeps a description within MaxDescriptionLen characters,
// ending a cut one with a note of how much was left out.
func cutDescription(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	n := utf8.RuneCountInString(s)
	if n <= MaxDescriptionLen {
		return s
	}
	note := func(kept int) string {
		return fmt.Sprintf("\n\n… (cut at intake: %d of %d characters kept)", kept, n)
	}
	// The note for MaxDescriptionLen is at least as long as the one for
	// fewer characters kept, so the result fits.
	kept := MaxDescriptionLen - utf8.RuneCountInString(note(MaxDescriptionLen))
	return string([]rune(s)[:kept]) + note(kept)
}
