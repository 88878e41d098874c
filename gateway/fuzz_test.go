package gateway

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baton-oncall/baton/workflows"
)

// The fuzz targets feed the parsers arbitrary bodies, as anyone who can
// reach the gateway may. Besides not panicking, whatever a parser accepts
// must be an alert the incident workflow can use.

// checkAlert asserts the invariants of every alert a parser returns.
func checkAlert(t *testing.T, a workflows.Alert) {
	t.Helper()
	if strings.TrimSpace(a.Team) == "" {
		t.Errorf("empty team: %+v", a)
	}
	if strings.TrimSpace(a.DedupKey) == "" {
		t.Errorf("empty dedup key: %+v", a)
	}
	if a.Summary == "" {
		t.Errorf("empty summary: %+v", a)
	}
	if n := utf8.RuneCountInString(a.Summary); n > workflows.MaxSummaryLen {
		t.Errorf("summary of %d characters", n)
	}
	// What Temporal and a reader take (workflows.CapAlert).
	for _, kw := range []string{a.Service, a.AlertName} {
		if n := utf8.RuneCountInString(kw); n > workflows.MaxKeywordLen || len(kw) > 2048 {
			t.Errorf("keyword of %d characters, %d bytes", n, len(kw))
		}
	}
	if n := utf8.RuneCountInString(a.Description); n > workflows.MaxDescriptionLen {
		t.Errorf("description of %d characters", n)
	}
	if len(a.Details) > workflows.MaxDetails {
		t.Errorf("%d details", len(a.Details))
	}
	for k, v := range a.Details {
		if utf8.RuneCountInString(k) > workflows.MaxDetailKeyLen || utf8.RuneCountInString(v) > workflows.MaxDetailValueLen {
			t.Errorf("detail %q of %d characters", k, utf8.RuneCountInString(v))
		}
	}
	switch a.Severity {
	case workflows.SeverityCritical, workflows.SeverityHigh, workflows.SeverityMedium, workflows.SeverityLow:
	default:
		t.Errorf("severity %q", a.Severity)
	}
	switch a.Status {
	case workflows.AlertFiring, workflows.AlertResolved:
	default:
		t.Errorf("status %q", a.Status)
	}
	for _, u := range []string{a.SourceURL, a.RunbookURL} {
		if u != "" && !isWebURL(u) {
			t.Errorf("link %q is not a web URL", u)
		}
	}
}

// checkError asserts an error is there to be read: one a 400 response can
// carry to a person.
func checkError(t *testing.T, err error) {
	t.Helper()
	if err.Error() == "" {
		t.Error("empty error message")
	}
}

var malformedJSON = []string{
	``, ` `, `null`, `{}`, `[]`, `"x"`, `0`, `{`, `}`, `{"a":}`, `{"a":1,}`, `{} {}`,
	"\x00", "\xff\xfe{}", `{"alerts": {"0": 1}}`, `{"alert": []}`,
}

// seed adds seeds, then malformedJSON, to f's corpus.
func seed(f *testing.F, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	for _, s := range malformedJSON {
		f.Add([]byte(s))
	}
}

func FuzzParseAlertmanager(f *testing.F) {
	seed(f, readTestdata(f, "alertmanager_group.json"),
		[]byte(`{"version": "4", "alerts": [{"status": "firing", "labels": {"team": "d", "severity": "P1"}, "fingerprint": "f"}]}`),
		[]byte(`{"version": "4", "alerts": [{"status": "resolved", "labels": {"team": "d", "severity": "warning"}, "annotations": {"runbook_url": "x"}, "endsAt": "2026-03-02T06:00:00+01:00", "fingerprint": "f"}]}`),
		[]byte(`{"version": "4", "alerts": [null, {}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ParseAlertmanager(body)
		if err != nil {
			checkError(t, err)
			if alerts != nil {
				t.Errorf("alerts with an error: %+v", alerts)
			}
			return
		}
		if len(alerts) == 0 {
			t.Error("no alerts and no error")
		}
		for _, p := range alerts {
			if p.Err != nil {
				checkError(t, p.Err)
				continue
			}
			checkAlert(t, p.Alert)
			if p.Alert.Source != workflows.SourceAlertmanager {
				t.Errorf("source %q", p.Alert.Source)
			}
		}
	})
}

func FuzzParseOpsgenie(f *testing.F) {
	var samples [][]byte
	for _, name := range []string{"create", "acknowledge", "addnote", "close", "takeownership", "escalate"} {
		samples = append(samples, readTestdata(f, "opsgenie_"+name+".json"))
	}
	seed(f, append(samples,
		[]byte(`{"action": "Create", "alert": {"alertId": "i", "tags": ["team:d"], "priority": 3, "details": {"n": [1]}, "createdAt": "x"}}`),
		[]byte(`{"action": "Close", "alert": {"alias": "a", "details": {"team": "d", "runbook_url": "wiki"}, "updatedAt": 99999999999999999999}}`),
		[]byte(`{"action": "AddNote", "alert": null}`))...)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseOpsgenie(body)
		if errors.Is(err, ErrIgnoredAction) {
			switch ev.Action {
			case OpsgenieCreate, OpsgenieAcknowledge, OpsgenieClose, OpsgenieAddNote, "":
				t.Errorf("action %q ignored", ev.Action)
			}
			return
		}
		if err != nil {
			checkError(t, err)
			return
		}
		checkAlert(t, ev.Alert)
		if ev.Alert.Source != workflows.SourceOpsgenie {
			t.Errorf("source %q", ev.Alert.Source)
		}
		switch ev.Action {
		case OpsgenieClose:
			if ev.Alert.Status != workflows.AlertResolved {
				t.Errorf("Close is %q", ev.Alert.Status)
			}
		case OpsgenieCreate, OpsgenieAcknowledge, OpsgenieAddNote:
			if ev.Alert.Status != workflows.AlertFiring {
				t.Errorf("%s is %q", ev.Action, ev.Alert.Status)
			}
		default:
			t.Errorf("action %q accepted", ev.Action)
		}
	})
}

func FuzzParseGeneric(f *testing.F) {
	seed(f, []byte(GenericExample),
		[]byte(`{"team": "d", "dedup_key": "k", "summary": "s", "severity": "sev1", "status": "resolved", "runbook_url": "HTTPS://x"}`),
		[]byte(`{"team": "d", "dedup_key": "k", "summary": "s", "severity": "low", "source": "cron", "details": null}`),
		[]byte(`{"team": "d", "dedup_key": "k", "summary": "s", "severity": "low", "nope": 1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseGeneric(body)
		if err != nil {
			checkError(t, err)
			return
		}
		checkAlert(t, a)
		if a.Source != workflows.SourceGeneric {
			t.Errorf("source %q", a.Source)
		}
	})
}

func FuzzParseInteraction(f *testing.F) {
	f.Add(interactionBody(string(readTestdata(f, "slack_block_actions.json"))))
	f.Add(interactionBody(`{"type": "block_actions", "team": null, "user": {"id": "U1", "name": "n"}, "actions": [{"action_id": "a", "selected_option": {"value": "v"}}]}`))
	f.Add(interactionBody(`{"type": "view_submission"}`))
	f.Add([]byte(`payload=%7B%7D&payload=x`))
	f.Add([]byte(`payload=%zz`))
	for _, s := range malformedJSON {
		f.Add(interactionBody(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseInteraction(body)
		if err != nil {
			checkError(t, err)
			return
		}
		if a.ActionID == "" {
			t.Errorf("no action ID: %+v", a)
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	f.Add([]byte(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"reaction_added","user":"U123ABC456","reaction":"thumbsup",` +
		`"item_user":"U222222222","item":{"type":"message","channel":"C123ABC456","ts":"1360782400.498405","channel_type":"channel"},"event_ts":"1360782804.083113"},` +
		`"type":"event_callback","authorizations":[{"team_id":"T123ABC456","user_id":"U123ABC456","is_bot":false,"is_enterprise_install":false}],"event_id":"Ev123ABC456","event_time":123456789}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"reaction_added","user":"U1","reaction":"x","item":{"type":"file","file":"F1"}}}`))
	f.Add([]byte(`{"type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820}`))
	for _, s := range malformedJSON {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err != nil {
			checkError(t, err)
			return
		}
		switch {
		case ev.Type == "":
			t.Errorf("no type: %+v", ev)
		case ev.Type == "url_verification" && ev.Challenge == "":
			t.Errorf("url_verification without its challenge: %+v", ev)
		case ev.Event.Type == "reaction_added" && ev.Event.ItemType == "message" && (ev.Event.ItemChannel == "" || ev.Event.ItemTS == ""):
			t.Errorf("a reaction on a message that names none: %+v", ev)
		}
	})
}
