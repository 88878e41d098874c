package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baton-oncall/baton/workflows"
)

// The Opsgenie webhook actions Baton acts on, spelt as Opsgenie sends them
// in the body's "action" field.
const (
	OpsgenieCreate      = "Create"
	OpsgenieAcknowledge = "Acknowledge"
	OpsgenieClose       = "Close"
	OpsgenieAddNote     = "AddNote"
)

// ErrIgnoredAction is returned, wrapped, for an Opsgenie action Baton does
// not act on (UnAcknowledge, AssignOwnership, TakeOwnership, AddTags,
// Escalate, Delete, custom actions, ...). Opsgenie sends every action the
// integration is set up for; the handler answers 202 and does nothing, so
// that Opsgenie does not report the integration as failing.
var ErrIgnoredAction = errors.New("Opsgenie action ignored")

// OpsgenieEvent is one Opsgenie webhook call: what happened to which alert.
type OpsgenieEvent struct {
	// Action is one of the Opsgenie* action constants.
	Action string
	Alert  workflows.Alert
	// By is the Opsgenie user who took the action (alert.username); for
	// Create it is whoever, or whatever integration, created the alert.
	By string
	// Note is the note's text for AddNote; Opsgenie sends it for no other
	// action.
	Note string
}

// ogWebhook is the part of Opsgenie's webhook body that Baton reads. The
// fields left out (source, integration*, alert.teams, alert.recipients,
// ...) vary in shape between Opsgenie's documentation and what it sends,
// and Baton has no use for them.
type ogWebhook struct {
	Action string   `json:"action"`
	Alert  *ogAlert `json:"alert"`
}

type ogAlert struct {
	AlertID     string                 `json:"alertId"`
	Alias       string                 `json:"alias"`
	TinyID      looseString            `json:"tinyId"`
	Message     string                 `json:"message"`
	Description string                 `json:"description"`
	Entity      string                 `json:"entity"`
	Tags        []string               `json:"tags"`
	Details     map[string]looseString `json:"details"`
	Priority    looseString            `json:"priority"`
	Username    string                 `json:"username"`
	Note        string                 `json:"note"`
	Source      string                 `json:"source"`
	CreatedAt   looseString            `json:"createdAt"`
	UpdatedAt   looseString            `json:"updatedAt"`
}

// looseString takes any JSON value as text: a string as itself, null as
// "", anything else as its compact JSON. Opsgenie documents priority as
// "P3" but has been seen sending 3, tinyId as "23" or 23, and details as
// strings; a parser that insisted on the documented types would drop real
// alerts over a detail Baton only displays.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = looseString(v)
	case string(b) == "null":
		*s = ""
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*s = looseString(buf.String())
	}
	return nil
}

// Keys in an Opsgenie alert's details, and tag prefixes, that fill an
// Alert's own fields.
const (
	ogTeamKey       = "team"
	ogServiceKey    = "service"
	ogRunbookURLKey = "runbook_url"
	ogDefaultPrio   = "P3"
)

// ParseOpsgenie parses a call from an Opsgenie Webhook integration.
//
// An action Baton does not act on returns an error wrapping
// ErrIgnoredAction, before anything else in the body is checked: Opsgenie
// shapes some actions' bodies differently (Escalate carries almost no
// alert), and they need not make sense to Baton.
//
// Opsgenie sends the alert's description and details only for Create (and
// only with "Send alert description and details" ticked); Acknowledge,
// Close and AddNote carry tags but no details. So the team comes from
// details["team"], else from a tag "team:NAME"; teams that want
// acknowledgements and closes to reach Baton should tag their alerts. The
// service likewise comes from details["service"] or a tag "service:NAME".
//
// DedupKey is the alert's alias (Opsgenie's own de-duplication key), else
// its alertId. A missing priority counts as Opsgenie's default, P3.
func ParseOpsgenie(body []byte) (OpsgenieEvent, error) {
	var head struct {
		Action string `json:"action"`
	}
	if err := decodeJSON(body, &head, false); err != nil {
		return OpsgenieEvent{}, err
	}
	switch head.Action {
	case OpsgenieCreate, OpsgenieAcknowledge, OpsgenieClose, OpsgenieAddNote:
	case "":
		return OpsgenieEvent{}, fmt.Errorf("field %q is missing; is this an Opsgenie Webhook integration?", "action")
	default:
		return OpsgenieEvent{Action: head.Action}, fmt.Errorf("%w: %q", ErrIgnoredAction, head.Action)
	}
	var w ogWebhook
	if err := decodeJSON(body, &w, false); err != nil {
		return OpsgenieEvent{}, err
	}
	if w.Alert == nil {
		return OpsgenieEvent{}, fmt.Errorf("field %q is missing", "alert")
	}
	if w.Action == OpsgenieCreate && w.Alert.Source == workflows.OpsgenieAlertSource {
		// Baton opened this alert for one of its own pages: the incident
		// exists already. Its acknowledgement and close do come through.
		return OpsgenieEvent{Action: w.Action}, fmt.Errorf("%w: Create of an alert Baton opened for its own page", ErrIgnoredAction)
	}
	a, err := ogToAlert(w.Action, *w.Alert)
	if err != nil {
		return OpsgenieEvent{}, err
	}
	return OpsgenieEvent{Action: w.Action, Alert: a,
		By:   workflows.CutText(w.Alert.Username, workflows.MaxKeywordLen),
		Note: workflows.CutText(w.Alert.Note, workflows.MaxDescriptionLen)}, nil
}

func ogToAlert(action string, in ogAlert) (workflows.Alert, error) {
	var errs []error
	dedup := strings.TrimSpace(in.Alias)
	if dedup == "" {
		dedup = strings.TrimSpace(in.AlertID)
	}
	if dedup == "" {
		errs = append(errs, errors.New(`fields "alert.alias" and "alert.alertId" are both missing; Baton tracks the alert by one of them`))
	}
	team := ogLookup(in, ogTeamKey)
	if team == "" {
		errs = append(errs, fmt.Errorf(`the alert names no team: add a tag "team:NAME" to it (Opsgenie sends tags with every action, details only with Create), or a detail %q`, ogTeamKey))
	}
	severity, err := ogSeverity(string(in.Priority))
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return workflows.Alert{}, errors.Join(errs...)
	}

	details := map[string]string{}
	for k, v := range in.Details {
		switch k {
		case ogTeamKey, ogServiceKey, ogRunbookURLKey:
		default:
			details[k] = string(v)
		}
	}
	if in.AlertID != "" {
		details["opsgenie_alert_id"] = in.AlertID
	}
	if in.TinyID != "" {
		details["opsgenie_tiny_id"] = string(in.TinyID)
	}
	a := workflows.Alert{
		Team:        team,
		DedupKey:    dedup,
		Summary:     strings.TrimSpace(in.Message),
		Description: in.Description,
		Severity:    severity,
		Service:     ogLookup(in, ogServiceKey),
		AlertName:   strings.TrimSpace(in.Entity),
		Source:      workflows.SourceOpsgenie,
		Status:      workflows.AlertFiring,
		At:          epochTime(string(in.CreatedAt)),
		Details:     details,
	}
	if a.Summary == "" {
		a.Summary = "Opsgenie alert " + dedup
	}
	if a.AlertName == "" {
		a.AlertName = a.Summary
	}
	if action == OpsgenieClose {
		// updatedAt is the close itself; createdAt is when it fired.
		a.Status, a.At = workflows.AlertResolved, epochTime(string(in.UpdatedAt))
	}
	a.RunbookURL = linkOrDetail(a.Details, ogRunbookURLKey, string(in.Details[ogRunbookURLKey]))
	return workflows.CapAlert(a), nil
}

// ogLookup finds key in the alert's details, else in a tag "key:value"
// (the key matched without regard to case); the first such tag wins.
func ogLookup(in ogAlert, key string) string {
	if v := strings.TrimSpace(string(in.Details[key])); v != "" {
		return v
	}
	for _, tag := range in.Tags {
		k, v, ok := strings.Cut(tag, ":")
		if v = strings.TrimSpace(v); ok && v != "" && strings.EqualFold(strings.TrimSpace(k), key) {
			return v
		}
	}
	return ""
}

// ogSeverity maps Opsgenie's priority, "P1".."P5" (or a bare 1..5), onto
// Baton's severities; no priority is Opsgenie's default, P3.
func ogSeverity(p string) (workflows.Severity, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		p = ogDefaultPrio
	case len(p) == 1 && p[0] >= '1' && p[0] <= '5':
		p = "P" + p
	}
	sev, ok := workflows.NormalizeSeverity(p)
	if !ok {
		return "", fmt.Errorf("field %q is %q; Opsgenie priorities are P1 to P5 (Baton also takes %s)", "alert.priority", p, acceptedSeverities())
	}
	return sev, nil
}

// epochTime reads an Opsgenie timestamp. createdAt is in milliseconds since
// the epoch, while updatedAt is in nanoseconds (1420452374669001603), so
// the unit is told by size: anything past 10^14 (the year 5138 in
// milliseconds) is nanoseconds. An unreadable value is the zero time:
// the time is informative, not worth rejecting an alert over.
func epochTime(s string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	switch {
	case err != nil || n <= 0:
		return time.Time{}
	case n > 1e14:
		return time.Unix(0, n).UTC()
	}
	return time.UnixMilli(n).UTC()
}
