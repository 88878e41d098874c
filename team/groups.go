package team

import (
	"slices"
	"strings"
)

// maxGroupBy bounds incidents.group_by: a group's name lists its values.
const maxGroupBy = 5

// GroupKey is the group an alert goes in by the team's group_by: its
// labels' values, in group_by's order, as "label=value" joined by ", ";
// ok is false when the team groups by nothing or the alert lacks one of
// the labels. alertname and service are the alert's own fields.
func (t Team) GroupKey(service, alertName string, details map[string]string) (string, bool) {
	by := t.Incidents.GroupBy
	if len(by) == 0 {
		return "", false
	}
	parts := make([]string, 0, len(by))
	for _, label := range by {
		var v string
		switch label {
		case "alertname":
			v = alertName
		case "service":
			v = service
		default:
			v = details[label]
		}
		if v == "" {
			return "", false
		}
		parts = append(parts, label+"="+v)
	}
	return strings.Join(parts, ", "), true
}

// validateGroupBy checks incidents.group_by; bad reports a problem.
func (t Team) validateGroupBy(bad func(field, format string, args ...any)) {
	by := t.Incidents.GroupBy
	if len(by) > maxGroupBy {
		bad("incidents.group_by", "names %d labels; at most %d", len(by), maxGroupBy)
	}
	for i, label := range by {
		switch {
		case strings.TrimSpace(label) == "":
			bad("incidents.group_by", "label %d is empty", i+1)
		case slices.Index(by, label) != i:
			bad("incidents.group_by", "names %q twice", label)
		}
	}
}
