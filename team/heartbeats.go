package team

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baton-oncall/baton/contract"
)

// Heartbeat is a dead man's switch: a job pings Baton at least every
// Every; when no ping came for Every plus Grace, Baton opens an incident,
// which resolves itself when the pings resume. It pages on the symptom a
// person cares about (the job did not run) whatever the cause: a crashed
// scheduler raises no alert of its own.
type Heartbeat struct {
	// Name is unique within the team: it is part of the heartbeat's URL
	// (POST /heartbeat/<team>/<name>) and of its workflow ID.
	Name string `yaml:"name" json:"name"`
	// Every is the longest expected gap between two pings, as a duration
	// ("1h", "15m") or in days ("1d").
	Every string `yaml:"every" json:"every"`
	// Grace is how much later than Every a ping may still come before the
	// incident opens; empty means a tenth of Every, at least a minute.
	Grace string `yaml:"grace,omitempty" json:"grace,omitempty"`
	// Severity of the incident; empty means high, which pages.
	Severity string `yaml:"severity,omitempty" json:"severity,omitempty"`
	// Service is the incident's service (its BatonService).
	Service string `yaml:"service,omitempty" json:"service,omitempty"`
	// Runbook is shown on the incident's page.
	Runbook string `yaml:"runbook,omitempty" json:"runbook,omitempty"`
}

// DefaultHeartbeatSeverity is the severity of a missed heartbeat when the
// team file gives none: a job that stopped is worth waking for.
const DefaultHeartbeatSeverity = "high"

// minGrace is the least grace given by default: a ping a few seconds late
// (a slow job, a clock apart) must not page.
const minGrace = time.Minute

// Period returns how often the heartbeat expects a ping and how much
// later one may come, for a heartbeat that passed Validate.
func (h Heartbeat) Period() (every, grace time.Duration) {
	every, _ = ParseSpan(h.Every)
	if g, err := ParseSpan(h.Grace); err == nil {
		return every, g
	}
	return every, max(every/10, minGrace)
}

// HeartbeatSeverity is the severity of the heartbeat's incident.
func (h Heartbeat) HeartbeatSeverity() string {
	if h.Severity == "" {
		return DefaultHeartbeatSeverity
	}
	return h.Severity
}

// Heartbeat returns the team's heartbeat of that name.
func (t Team) Heartbeat(name string) (Heartbeat, bool) {
	for _, h := range t.Heartbeats {
		if h.Name == name {
			return h, true
		}
	}
	return Heartbeat{}, false
}

// HeartbeatNames lists the team's heartbeats' names, in file order.
func (t Team) HeartbeatNames() []string {
	names := make([]string, len(t.Heartbeats))
	for i, h := range t.Heartbeats {
		names[i] = h.Name
	}
	return names
}

// ParseSpan reads a span of time as a Go duration ("90m", "1h30m") or in
// whole days ("1d", "7d"), which a daily job's heartbeat reads best in.
func ParseSpan(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a duration such as 1h, 15m or 1d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration such as 1h, 15m or 1d", s)
	}
	return d, nil
}

// Bounds of a heartbeat's period. A second is the least Temporal's timers
// keep to; more than 31 days between pings is no heartbeat.
const (
	minHeartbeatEvery = time.Second
	maxHeartbeatEvery = 31 * 24 * time.Hour
)

// validateHeartbeats checks the team's heartbeats; bad reports a problem
// with a field.
func (t Team) validateHeartbeats(bad func(field, format string, args ...any)) {
	seen := map[string]bool{}
	for i, h := range t.Heartbeats {
		field := fmt.Sprintf("heartbeats[%d]", i)
		switch {
		case h.Name == "":
			bad(field+".name", "missing")
		case !contract.ValidProbeName(h.Name):
			bad(field+".name", "%q must be letters, digits, dots, dashes or underscores (it is part of a URL)", h.Name)
		case seen[h.Name]:
			bad(field+".name", "%q is used by more than one heartbeat", h.Name)
		}
		seen[h.Name] = true
		if every, err := ParseSpan(h.Every); err != nil {
			bad(field+".every", "%v", err)
		} else if every < minHeartbeatEvery || every > maxHeartbeatEvery {
			bad(field+".every", "%q is not between 1s and 31d", h.Every)
		}
		if h.Grace != "" {
			if _, err := ParseSpan(h.Grace); err != nil {
				bad(field+".grace", "%v", err)
			}
		}
		if h.Severity != "" && !severities[h.Severity] {
			bad(field+".severity", "%q is not one of critical, high, medium, low", h.Severity)
		}
		if h.Runbook != "" && !absoluteURL(h.Runbook) {
			bad(field+".runbook", "%q is not an absolute URL", h.Runbook)
		}
	}
}
