package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
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

// IncidentWorkflowID names the incident of a team's dedup key.
func IncidentWorkflowID(team, dedupKey string) string {
	return fmt.Sprintf("incident-%s-%s", team, IncidentKey(dedupKey))
}

// IncidentKey is a dedup key made fit for IDs: keys are hashed when they
// hold characters unfit for an ID, or are long, so that any source's key
// works; readable keys stay readable in the Web UI. The result is its own
// IncidentKey, so an Opsgenie alert aliased with it maps back to the same
// incident.
func IncidentKey(dedupKey string) string {
	if len(dedupKey) <= 64 && !strings.ContainsFunc(dedupKey, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return dedupKey
	}
	sum := sha256.Sum256([]byte(dedupKey))
	return "h" + hex.EncodeToString(sum[:12])
}
