package gateway

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/baton-oncall/baton/workflows"
)

// amWebhook is the part of Alertmanager's webhook body (version "4") that
// Baton reads. The group-level fields (groupKey, groupLabels,
// commonLabels, ...) are left out: every alert carries all its own labels,
// and Baton opens one incident per alert, not per notification group.
type amWebhook struct {
	Version string    `json:"version"`
	Alerts  []amAlert `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Labels and annotations that fill an Alert's own fields; the other labels
// become Details.
const (
	labelTeam              = "team"
	labelSeverity          = "severity"
	labelService           = "service"
	labelAlertName         = "alertname"
	annotationSummary      = "summary"
	annotationDescription  = "description"
	annotationRunbookURL   = "runbook_url"
	alertmanagerAPIVersion = "4"
)

// ParsedAlert is one alert of a notification: the alert when it is valid,
// else Err with everything wrong with it.
type ParsedAlert struct {
	Alert workflows.Alert
	// Name names the alert in answers and logs: its alertname, else its
	// fingerprint.
	Name string
	// Err says, one problem a line, why the alert cannot be taken; nil
	// when Alert is valid.
	Err error
}

// ParseAlertmanager turns an Alertmanager webhook notification into one
// ParsedAlert per alert in the group, in the group's order: the group is
// only Alertmanager's batching, while each alert (one fingerprint) is a
// separate problem to track.
//
// Each alert needs a fingerprint, a "team" label and a "severity" label
// that workflows.NormalizeSeverity knows. An alert failing that is refused
// alone with every problem it has, so that the others still page: a
// notification is refused as a whole (the error) only when it cannot be
// read at all. Fields are capped by workflows.CapAlert.
//
// A runbook_url annotation or generatorURL that is not an absolute
// http(s) URL is kept in Details rather than as a link, since Slack
// refuses a message with a bad link.
func ParseAlertmanager(body []byte) ([]ParsedAlert, error) {
	var w amWebhook
	if err := decodeJSON(body, &w, false); err != nil {
		return nil, err
	}
	if w.Version != alertmanagerAPIVersion {
		return nil, fmt.Errorf("field %q is %q; Baton reads Alertmanager's webhook version %q", "version", w.Version, alertmanagerAPIVersion)
	}
	if len(w.Alerts) == 0 {
		return nil, fmt.Errorf("field %q is missing or empty; a notification must hold at least one alert", "alerts")
	}
	alerts := make([]ParsedAlert, len(w.Alerts))
	for i, in := range w.Alerts {
		a, problems := amToAlert(in)
		alerts[i] = ParsedAlert{Alert: a, Name: amName(in), Err: errors.Join(problems...)}
	}
	return alerts, nil
}

// amName names an alert by its alertname, as Prometheus rules do, else by
// its fingerprint, both cut to a keyword's length.
func amName(in amAlert) string {
	name := strings.TrimSpace(in.Labels[labelAlertName])
	if name == "" {
		name = strings.TrimSpace(in.Fingerprint)
	}
	return workflows.CutText(name, workflows.MaxKeywordLen)
}

// amToAlert converts one alert, or says everything wrong with it.
func amToAlert(in amAlert) (workflows.Alert, []error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if strings.TrimSpace(in.Fingerprint) == "" {
		fail("field %q is missing; Baton tracks each alert by it", "fingerprint")
	}
	team := strings.TrimSpace(in.Labels[labelTeam])
	if team == "" {
		fail("label %q is missing; add it to the alerting rule so Baton knows whose alert this is", labelTeam)
	}
	severity, err := amSeverity(in.Labels[labelSeverity])
	if err != nil {
		errs = append(errs, err)
	}
	status, at, err := amStatusAt(in)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return workflows.Alert{}, errs
	}

	details := map[string]string{}
	for k, v := range in.Labels {
		switch k {
		case labelTeam, labelSeverity, labelService, labelAlertName:
		default:
			details[k] = v
		}
	}
	a := workflows.Alert{
		Team:        team,
		DedupKey:    strings.TrimSpace(in.Fingerprint),
		Summary:     strings.TrimSpace(in.Annotations[annotationSummary]),
		Description: in.Annotations[annotationDescription],
		Severity:    severity,
		Service:     in.Labels[labelService],
		AlertName:   in.Labels[labelAlertName],
		Source:      workflows.SourceAlertmanager,
		Status:      status,
		At:          at,
	}
	if a.Summary == "" {
		a.Summary = amFallbackSummary(a.AlertName, details, a.DedupKey)
	}
	a.RunbookURL = linkOrDetail(details, annotationRunbookURL, in.Annotations[annotationRunbookURL])
	a.SourceURL = linkOrDetail(details, "generator_url", in.GeneratorURL)
	a.Details = details
	return workflows.CapAlert(a), nil
}

func amSeverity(s string) (workflows.Severity, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("label %q is missing; set it to one of %s", labelSeverity, acceptedSeverities())
	}
	sev, ok := workflows.NormalizeSeverity(s)
	if !ok {
		return "", fmt.Errorf("label %q is %q, which Baton does not know; use one of %s", labelSeverity, s, acceptedSeverities())
	}
	return sev, nil
}

// amStatusAt reads the alert's status and when it took it: startsAt for a
// firing alert, endsAt for a resolved one. A firing alert's endsAt is
// Alertmanager's zero time or a guess at expiry, never a fact, so it is
// not parsed.
func amStatusAt(in amAlert) (status string, at time.Time, err error) {
	field, value := "startsAt", in.StartsAt
	switch in.Status {
	case workflows.AlertFiring:
	case workflows.AlertResolved:
		field, value = "endsAt", in.EndsAt
	default:
		return "", time.Time{}, fmt.Errorf("field %q is %q; Alertmanager sends %q or %q", "status", in.Status, workflows.AlertFiring, workflows.AlertResolved)
	}
	if value == "" {
		return in.Status, time.Time{}, nil
	}
	at, err = time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("field %q is %q, not an RFC 3339 time such as 2026-03-02T06:00:00Z", field, value)
	}
	if at.Year() <= 1 {
		// Alertmanager writes Go's zero time, 0001-01-01T00:00:00Z, for
		// "not known".
		at = time.Time{}
	}
	return in.Status, at, nil
}

// amFallbackSummary describes an alert that has no summary annotation the
// way Prometheus shows a series: OrdersLate{dag="orders", job="airflow"}.
func amFallbackSummary(alertName string, labels map[string]string, fingerprint string) string {
	if alertName == "" && len(labels) == 0 {
		return "Alertmanager alert " + fingerprint
	}
	var b strings.Builder
	b.WriteString(alertName)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(labels)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s=%q", k, labels[k])
		}
		b.WriteByte('}')
	}
	return b.String()
}

// linkOrDetail returns u if it is an absolute http(s) URL. Otherwise it
// keeps a non-empty u in details under key, so that nothing the sender
// wrote is lost, and returns "": Slack refuses a message with a bad link.
func linkOrDetail(details map[string]string, key, u string) string {
	u = strings.TrimSpace(u)
	if u == "" || isWebURL(u) {
		return u
	}
	details[key] = u
	return ""
}
