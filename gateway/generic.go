package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"

	"github.com/baton-oncall/baton/workflows"
)

// GenericExample is a valid body for Baton's generic alert webhook. The
// docs show it and the tests parse it, so the documented example can never
// drift from what the parser accepts.
const GenericExample = `{
  "team": "data",
  "dedup_key": "orders_daily",
  "summary": "orders_daily has not finished by 06:00 UTC",
  "description": "The DAG usually finishes by 05:30; finance reads its tables at 07:00.",
  "severity": "high",
  "service": "airflow",
  "source": "airflow",
  "source_url": "https://airflow.example.com/dags/orders_daily/grid",
  "runbook_url": "https://runbooks.example.com/data/orders-daily",
  "details": {"dag_id": "orders_daily", "run_id": "scheduled__2026-03-02T00:00:00+00:00"},
  "status": "firing"
}`

// genericBody is Baton's own alert body. Every field is documented; any
// other field is rejected, so that a typo ("dedupe_key") fails loudly
// instead of silently opening a new incident for every alert.
type genericBody struct {
	Team        string            `json:"team"`
	DedupKey    string            `json:"dedup_key"`
	Summary     string            `json:"summary"`
	Description string            `json:"description"`
	Severity    string            `json:"severity"`
	Service     string            `json:"service"`
	Source      string            `json:"source"`
	SourceURL   string            `json:"source_url"`
	RunbookURL  string            `json:"runbook_url"`
	Details     map[string]string `json:"details"`
	Status      string            `json:"status"`
}

// genericFields lists genericBody's JSON names, for the unknown-field error.
const genericFields = "team, dedup_key, summary, description, severity, service, source, source_url, runbook_url, details, status"

// ParseGeneric parses Baton's generic alert webhook body (see
// GenericExample). team, dedup_key, summary and severity are required;
// status defaults to "firing".
//
// Source is always workflows.SourceGeneric, because the incident workflow
// treats every generic caller alike; the caller's own name ("source":
// "airflow") is kept in Details["source"], where it is shown, and
// overrides a "source" key inside details.
//
// All problems are reported at once, one per line, so that whoever wires a
// new caller fixes the body in one round.
func ParseGeneric(body []byte) (workflows.Alert, error) {
	var b genericBody
	if err := decodeJSON(body, &b, true); err != nil {
		if strings.HasPrefix(err.Error(), "unknown field") {
			err = fmt.Errorf("%w; the fields are: %s", err, genericFields)
		}
		return workflows.Alert{}, err
	}
	var errs []error
	a := workflows.Alert{
		Team:        strings.TrimSpace(b.Team),
		DedupKey:    strings.TrimSpace(b.DedupKey),
		Summary:     strings.TrimSpace(b.Summary),
		Description: b.Description,
		Service:     strings.TrimSpace(b.Service),
		Source:      workflows.SourceGeneric,
		Details:     b.Details,
	}
	for _, req := range []struct{ name, value string }{
		{"team", a.Team}, {"dedup_key", a.DedupKey}, {"summary", a.Summary},
	} {
		if req.value == "" {
			errs = append(errs, fmt.Errorf("field %q is missing or empty", req.name))
		}
	}
	var err error
	if a.Severity, err = genericSeverity(b.Severity); err != nil {
		errs = append(errs, err)
	}
	if a.Status, err = genericStatus(b.Status); err != nil {
		errs = append(errs, err)
	}
	if a.SourceURL, err = checkURL("source_url", b.SourceURL); err != nil {
		errs = append(errs, err)
	}
	if a.RunbookURL, err = checkURL("runbook_url", b.RunbookURL); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return workflows.Alert{}, errors.Join(errs...)
	}
	if src := strings.TrimSpace(b.Source); src != "" {
		if a.Details == nil {
			a.Details = map[string]string{}
		}
		a.Details["source"] = src
	}
	return workflows.CapAlert(a), nil
}

func genericSeverity(s string) (workflows.Severity, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("field %q is missing; use one of %s", "severity", acceptedSeverities())
	}
	sev, ok := workflows.NormalizeSeverity(s)
	if !ok {
		return "", fmt.Errorf("field %q is %q, which Baton does not know; use one of %s", "severity", s, acceptedSeverities())
	}
	return sev, nil
}

func genericStatus(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", workflows.AlertFiring:
		return workflows.AlertFiring, nil
	case workflows.AlertResolved:
		return workflows.AlertResolved, nil
	}
	return "", fmt.Errorf("field %q is %q; use %q or %q (or leave it out for %q)",
		"status", s, workflows.AlertFiring, workflows.AlertResolved, workflows.AlertFiring)
}

// checkURL accepts "" or an absolute http(s) URL: the URLs become Slack
// link buttons, and Slack refuses a whole message over one bad link.
func checkURL(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !isWebURL(s) {
		return "", fmt.Errorf("field %q is %q; it must be an absolute http:// or https:// URL", field, s)
	}
	return s, nil
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// severityWords are the words workflows.NormalizeSeverity accepts, Baton's
// four first; error messages list them so that a sender can pick one
// without reading Baton's source. A test keeps the list honest.
var severityWords = []string{
	string(workflows.SeverityCritical), string(workflows.SeverityHigh), string(workflows.SeverityMedium), string(workflows.SeverityLow),
	"crit", "fatal", "emergency", "error", "major", "page", "warning", "warn", "moderate",
	"info", "minor", "none", "P1", "P2", "P3", "P4", "P5", "sev1", "sev2", "sev3", "sev4", "sev5",
}

func acceptedSeverities() string {
	return strings.Join(severityWords[:4], ", ") + " (or " + strings.Join(severityWords[4:], ", ") + ")"
}

// decodeJSON decodes a whole body into v, rewriting encoding/json's errors
// into sentences for a 400 response: where the JSON breaks, which field has
// the wrong type. strict rejects fields v does not have.
func decodeJSON(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: there is more after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("the body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: the body ends in the middle of a value")
	case errors.As(err, &syn):
		// Offset counts the bytes read, so it is the 1-based position of
		// the offending byte.
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("the body must be a JSON object, not %s", jsonKind(typ.Value))
		}
		// Field names the field, not the element of an array or map
		// within it, so the sentence fits both.
		return fmt.Errorf("field %q holds %s where Baton expects %s", typ.Field, jsonKind(typ.Value), goKind(typ.Type))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", name)
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names the JSON value encoding/json found ("number 5" → a number).
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "object", "array":
		return "an " + kind
	case "":
		return "this value"
	}
	return "a " + kind
}

// goKind names, in JSON's words, the JSON value a Go type takes.
func goKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return "another type"
}
