package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/baton-oncall/baton/activities/phone/twilio"
	"github.com/baton-oncall/baton/team"
)

const testPublicURL = "https://baton.example.com"

func smsGateway(t *testing.T) *Gateway {
	t.Helper()
	teams, err := team.Parse([]byte(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: data-oncall}
    pager:
      rotation: {members: [alice], shift: 1w, start: "2026-01-05T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, email: alice@example.com, phone: "+4915100000001"}
`))
	if err != nil {
		t.Fatal(err)
	}
	// No Temporal client: every case here is answered before one is needed.
	return New(Options{Teams: teams, TwilioAuthToken: "tw-token", PublicURL: testPublicURL})
}

func postSMS(g *Gateway, form url.Values, signature string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestTwilioSMSIsVerified(t *testing.T) {
	g := smsGateway(t)
	form := url.Values{"From": {"+4915100000001"}, "To": {"+15005550006"}, "Body": {"1"}, "MessageSid": {"SM1"}, "AccountSid": {"AC1"}}
	for name, sig := range map[string]string{
		"missing":              "",
		"wrong":                "bm90IGEgc2lnbmF0dXJl",
		"over another URL":     twilio.Signature("tw-token", "https://evil.example.com/twilio/sms", form),
		"with another token":   twilio.Signature("other", testPublicURL+"/twilio/sms", form),
		"of another parameter": twilio.Signature("tw-token", testPublicURL+"/twilio/sms", url.Values{"From": {"+4915100000001"}, "Body": {"2"}}),
	} {
		rec := postSMS(g, form, sig)
		if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "+49") {
			t.Errorf("%s signature: %d %q, want 403 without the number", name, rec.Code, rec.Body.String())
		}
	}
}

func TestTwilioSMSAnswersWithoutTouchingAnIncident(t *testing.T) {
	g := smsGateway(t)
	for _, tc := range []struct{ from, body, want string }{
		{"+4915100000001", "hello?", "reply 1 to acknowledge your newest page, 2 to escalate it"},
		{"+4915199999999", "1", "this number is not on call for any team, so nothing was changed"},
	} {
		form := url.Values{"From": {tc.from}, "To": {"+15005550006"}, "Body": {tc.body}}
		rec := postSMS(g, form, twilio.Signature("tw-token", testPublicURL+"/twilio/sms", form))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") ||
			!strings.Contains(rec.Body.String(), "<Response><Message>Baton: "+tc.want) {
			t.Errorf("%q from %s: %d %q", tc.body, tc.from, rec.Code, rec.Body.String())
		}
	}
}

func TestTwilioSMSIsOffWithoutAPublicURL(t *testing.T) {
	g := New(Options{TwilioAuthToken: "tw-token"})
	if rec := postSMS(g, url.Values{"Body": {"1"}}, "x"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "BATON_PUBLIC_URL") {
		t.Errorf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestTwilioVoiceIsVerifiedAndTakesOnlyItsKeys(t *testing.T) {
	g := smsGateway(t)
	path := "/twilio/voice?incident=incident:data:fp1&person=alice&round=0&run=R1"
	press := func(form url.Values, sig string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return rec
	}
	form := url.Values{"CallSid": {"CA1"}, "Digits": {"1"}}
	// Signed over the URL without its query: the incident could be swapped.
	if rec := press(form, twilio.Signature("tw-token", testPublicURL+"/twilio/voice", form)); rec.Code != http.StatusForbidden {
		t.Errorf("a signature without the query: %d", rec.Code)
	}
	form.Set("Digits", "7")
	rec := press(form, twilio.Signature("tw-token", testPublicURL+path, form))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Say>That key does nothing.") {
		t.Errorf("key 7: %d %q", rec.Code, rec.Body.String())
	}
	// A call whose URL names no run and round (placed before they were
	// named) takes no key: it could act on a later incident of the key.
	path = "/twilio/voice?incident=incident:data:fp1&person=alice"
	form.Set("Digits", "1")
	rec = press(form, twilio.Signature("tw-token", testPublicURL+path, form))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Say>This call&#39;s keys no longer work.") {
		t.Errorf("a press without run and round: %d %q", rec.Code, rec.Body.String())
	}
}

func TestTwilioVoiceForAHandoverTakesOnlyKeyOne(t *testing.T) {
	g := smsGateway(t)
	post := func(path string, form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twilio.Signature("tw-token", testPublicURL+path, form))
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return rec
	}
	form := url.Values{"CallSid": {"CA1"}, "Digits": {"2"}}
	rec := post("/twilio/voice?handover=handover-data-2026-11-30T08:00:00Z&person=alice", form)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<Say>That key does nothing. Press 1 during the call") {
		t.Errorf("key 2 on a test call: %d %q", rec.Code, rec.Body.String())
	}
	form.Set("Digits", "1")
	for _, path := range []string{
		"/twilio/voice?handover=incident-data-fp1&person=alice",
		"/twilio/voice?handover=handover-data-2026-11-30T08:00:00Z",
	} {
		if rec := post(path, form); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "names no handover and person") {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body.String())
		}
	}
}
