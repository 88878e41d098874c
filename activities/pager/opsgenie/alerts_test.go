package opsgenie_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/pager/opsgenie"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
)

// pageAlert is a page of the team "data"; the alias has a space and a
// colon to check that it travels escaped in the path.
func pageAlert() pager.AlertRequest {
	return pager.AlertRequest{
		Alias:       "orders daily:late",
		Message:     "Orders export is late",
		Description: "The daily orders export has not landed.",
		Priority:    "P1",
		Team:        "data",
		Schedule:    "Data On-Call",
		UserEmails:  []string{"ignored@example.com"},
		Entity:      "orders-export",
		Source:      "not Baton",
		Details:     map[string]string{"baton_incident": "incident-data-orders"},
	}
}

func TestOpenAlert(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	in := pageAlert()
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	alerts := srv.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("fake has %d alerts, want 1: %+v", len(alerts), alerts)
	}
	a := alerts[0]
	if a.Alias != in.Alias || a.Message != in.Message || a.Description != in.Description ||
		a.Priority != "P1" || a.Entity != "orders-export" || a.Status != "open" || a.Count != 1 {
		t.Errorf("alert = %+v, want alias %q, message %q, priority P1, open, count 1", a, in.Alias, in.Message)
	}
	if want := []string{"baton", "team:data"}; !reflect.DeepEqual(a.Tags, want) {
		t.Errorf("tags = %q, want %q", a.Tags, want)
	}
	// The schedule is notified; the user list is only a fallback.
	if want := []fakeopsgenie.Responder{{Type: "schedule", Name: "Data On-Call"}}; !reflect.DeepEqual(a.Responders, want) {
		t.Errorf("responders = %+v, want %+v", a.Responders, want)
	}
	if a.Source != "Baton" {
		t.Errorf("source = %q, want Baton whatever the caller says", a.Source)
	}
	if want := map[string]string{"baton_incident": "incident-data-orders"}; !reflect.DeepEqual(a.Details, want) {
		t.Errorf("details = %v, want %v", a.Details, want)
	}

	// A lookup by alias, then the create.
	reqs := srv.AlertRequests()
	if len(reqs) != 2 {
		t.Fatalf("fake saw %d alert requests, want 2: %+v", len(reqs), reqs)
	}
	if r := reqs[0]; r.Method != http.MethodGet || r.Path != "/v2/alerts/"+in.Alias || r.Query.Get("identifierType") != "alias" {
		t.Errorf("first request = %+v, want GET /v2/alerts/%s?identifierType=alias", r, in.Alias)
	}
	if r := reqs[1]; r.Method != http.MethodPost || r.Path != "/v2/alerts" {
		t.Errorf("second request = %+v, want POST /v2/alerts", r)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("Count = %d on-calls requests, want 0", n)
	}
}

func TestOpenAlertUsers(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	in := pageAlert()
	in.Schedule = ""
	in.UserEmails = []string{"alice@example.com", " ", "bob@example.com"}
	in.Priority = "p3"
	in.Details = nil
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	a := srv.Alerts()[0]
	want := []fakeopsgenie.Responder{
		{Type: "user", Username: "alice@example.com"},
		{Type: "user", Username: "bob@example.com"},
	}
	if !reflect.DeepEqual(a.Responders, want) {
		t.Errorf("responders = %+v, want %+v", a.Responders, want)
	}
	if a.Priority != "P3" {
		t.Errorf("priority = %q, want P3", a.Priority)
	}
}

func TestOpenAlertTwice(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	in := pageAlert()
	for range 2 {
		if err := og.OpenAlert(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	alerts := srv.Alerts()
	if len(alerts) != 1 || alerts[0].Count != 1 {
		t.Fatalf("alerts = %+v, want one with count 1", alerts)
	}
	// The second open looked the alias up, found it open and stopped.
	var posts int
	for _, r := range srv.AlertRequests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("fake saw %d creates, want 1", posts)
	}
}

func TestOpenAlertAcknowledged(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	in := pageAlert()
	srv.AddAlert(fakeopsgenie.Alert{Alias: in.Alias, Message: "someone else's", Acknowledged: true})
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	alerts := srv.Alerts()
	if len(alerts) != 1 || alerts[0].Message != "someone else's" || alerts[0].Count != 1 {
		t.Errorf("alerts = %+v, want the acknowledged alert untouched", alerts)
	}
}

func TestCloseAlert(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	ctx := context.Background()
	in := pageAlert()
	if err := og.OpenAlert(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := og.CloseAlert(ctx, in.Alias, "resolved in Baton"); err != nil {
		t.Fatal(err)
	}
	a := srv.Alerts()[0]
	if a.Status != "closed" || a.CloseNote != "resolved in Baton" || a.ClosedBy != "Baton" {
		t.Errorf("alert = %+v, want closed by Baton with the note", a)
	}
	reqs := srv.AlertRequests()
	if r := reqs[len(reqs)-1]; r.Method != http.MethodPost || r.Path != "/v2/alerts/"+in.Alias+"/close" || r.Query.Get("identifierType") != "alias" {
		t.Errorf("close request = %+v, want POST /v2/alerts/%s/close?identifierType=alias", r, in.Alias)
	}

	// Closing again is fine, and changes nothing.
	if err := og.CloseAlert(ctx, in.Alias, "again"); err != nil {
		t.Errorf("second close: %v", err)
	}
	if a := srv.Alerts()[0]; a.CloseNote != "resolved in Baton" {
		t.Errorf("second close changed the alert: %+v", a)
	}

	// A new page with the same key rings again: a new alert.
	if err := og.OpenAlert(ctx, in); err != nil {
		t.Fatal(err)
	}
	alerts := srv.Alerts()
	if len(alerts) != 2 || alerts[0].Status != "closed" || alerts[1].Status != "open" || alerts[1].Alias != in.Alias {
		t.Errorf("alerts = %+v, want the closed one and a new open one", alerts)
	}
}

func TestCloseAlertUnknown(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	if err := og.CloseAlert(context.Background(), "never-paged", ""); err != nil {
		t.Errorf("close of an unknown alias: %v", err)
	}
	// Opsgenie may also answer 404 for an alert that is gone.
	srv.FailNext(1, http.StatusNotFound)
	if err := og.CloseAlert(context.Background(), "never-paged", ""); err != nil {
		t.Errorf("close answered 404: %v", err)
	}
	if n := srv.AlertCount(); n != 2 {
		t.Errorf("fake saw %d alert requests, want 2", n)
	}
}

func TestAlertErrors(t *testing.T) {
	const wrongKey = "wrong-key-0123"
	tests := []struct {
		name         string
		key          string
		fail         int // HTTP status of an injected failure
		close        bool
		retryable    bool
		wantType     string
		wantMessages []string
	}{
		{name: "open, wrong key", key: wrongKey,
			wantType: "OpsgenieUnauthorized", wantMessages: []string{"OPSGENIE_API_KEY", "create-and-update", "HTTP 401"}},
		{name: "close, wrong key", key: wrongKey, close: true,
			wantType: "OpsgenieUnauthorized", wantMessages: []string{"OPSGENIE_API_KEY", "close"}},
		{name: "open, HTTP 403", fail: http.StatusForbidden,
			wantType: "OpsgenieUnauthorized", wantMessages: []string{"OPSGENIE_API_KEY", "HTTP 403"}},
		{name: "open, HTTP 429", fail: http.StatusTooManyRequests, retryable: true, wantMessages: []string{"HTTP 429"}},
		{name: "close, HTTP 429", fail: http.StatusTooManyRequests, close: true, retryable: true, wantMessages: []string{"HTTP 429"}},
		{name: "open, HTTP 500", fail: http.StatusInternalServerError, retryable: true, wantMessages: []string{"HTTP 500"}},
		{name: "close, HTTP 503", fail: http.StatusServiceUnavailable, close: true, retryable: true, wantMessages: []string{"HTTP 503"}},
		{name: "open, HTTP 422", fail: http.StatusUnprocessableEntity,
			wantType: "OpsgenieInvalidAlert", wantMessages: []string{"HTTP 422", "Unprocessable Entity"}},
		{name: "close, HTTP 400", fail: http.StatusBadRequest, close: true,
			wantType: "OpsgenieInvalidAlert", wantMessages: []string{"HTTP 400", "Bad Request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			if key == "" {
				key = fakeopsgenie.APIKey
			}
			srv, og := newOpsgenie(t, key)
			if tt.fail != 0 {
				srv.FailNext(1, tt.fail)
			}
			in := pageAlert()
			var err error
			if tt.close {
				err = og.CloseAlert(context.Background(), in.Alias, "")
			} else {
				err = og.OpenAlert(context.Background(), in)
			}
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			activitytest.RequireOutcome(t, err, tt.retryable, tt.wantType)
			for _, w := range append(tt.wantMessages, `"`+in.Alias+`"`) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error %q contains the API key", err)
			}
			// Temporal owns retries: the SDK must not have retried, and a
			// failed lookup must not go on to create.
			if n := srv.AlertCount(); n != 1 {
				t.Errorf("fake saw %d alert requests, want exactly 1", n)
			}
			if n := len(srv.Alerts()); n != 0 {
				t.Errorf("fake has %d alerts, want none", n)
			}
		})
	}
}

func TestAlertNetworkError(t *testing.T) {
	// Nothing listens on port 1.
	og, err := opsgenie.NewOpsgenie(fakeopsgenie.APIKey, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"open":  func() error { return og.OpenAlert(context.Background(), pageAlert()) },
		"close": func() error { return og.CloseAlert(context.Background(), "k", "") },
	} {
		err := call()
		if err == nil {
			t.Fatalf("%s: want an error, got nil", name)
		}
		activitytest.RequireOutcome(t, err, true, "")
		if strings.Contains(err.Error(), fakeopsgenie.APIKey) {
			t.Errorf("%s: error %q contains the API key", name, err)
		}
	}
}

func TestOpenAlertInvalid(t *testing.T) {
	tests := []struct {
		name string
		edit func(*pager.AlertRequest)
		want string
	}{
		{name: "no alias", edit: func(r *pager.AlertRequest) { r.Alias = " " }, want: "alias"},
		{name: "slash in alias", edit: func(r *pager.AlertRequest) { r.Alias = "a/b" }, want: `"/"`},
		{name: "long alias", edit: func(r *pager.AlertRequest) { r.Alias = strings.Repeat("k", 513) }, want: "512"},
		{name: "bad priority", edit: func(r *pager.AlertRequest) { r.Priority = "urgent" }, want: `"urgent"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
			in := pageAlert()
			tt.edit(&in)
			err := og.OpenAlert(context.Background(), in)
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			activitytest.RequireOutcome(t, err, false, "OpsgenieInvalidAlert")
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %s", err, tt.want)
			}
			if n := srv.AlertCount(); n != 0 {
				t.Errorf("fake saw %d alert requests, want none", n)
			}
		})
	}
}

func TestOpenAlertTruncates(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	in := pageAlert()
	// Two-byte characters: the limits are in characters, not bytes.
	in.Message = strings.Repeat("é", 200)
	in.Description = strings.Repeat("d", 20000)
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	a := srv.Alerts()[0]
	if want := strings.Repeat("é", 129) + "…"; a.Message != want {
		t.Errorf("message = %q (%d characters), want 129 é and an ellipsis", a.Message, utf8.RuneCountInString(a.Message))
	}
	if n := utf8.RuneCountInString(a.Description); n != 15000 || !strings.HasSuffix(a.Description, "d…") {
		t.Errorf("description has %d characters ending %q, want 15000 ending in an ellipsis", n, a.Description[len(a.Description)-8:])
	}

	// A message that fits is sent as is; an empty one names the alias.
	in.Alias, in.Message = "k2", strings.Repeat("m", 130)
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	in.Alias, in.Message = "k3", ""
	if err := og.OpenAlert(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	alerts := srv.Alerts()
	if got := alerts[1].Message; got != strings.Repeat("m", 130) {
		t.Errorf("130-character message = %q, want it unchanged", got)
	}
	if got := alerts[2].Message; got != "Baton incident k3" {
		t.Errorf("empty message sent as %q, want %q", got, "Baton incident k3")
	}
}
