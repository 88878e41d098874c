package fakeslack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakeslack"
)

// answer is what the fake answered a call.
type answer struct {
	status int
	header http.Header
	body   string
}

// ok reads the {"ok": ...} envelope of a JSON answer: ok, and the error
// code when not.
func (a answer) ok(t *testing.T) (bool, string) {
	t.Helper()
	var env struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(a.body), &env); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", a.status, a.body, err)
	}
	return env.OK, env.Error
}

// call makes a Web API call as slack-go does: a form post with the token in
// the body. An empty token leaves it out.
func call(t *testing.T, srv *fakeslack.Server, method, token string, params url.Values) answer {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	if token != "" {
		form.Set("token", token)
	}
	resp, err := http.PostForm(srv.URL()+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func post(t *testing.T, srv *fakeslack.Server, channel string) answer {
	t.Helper()
	return call(t, srv, "chat.postMessage", fakeslack.Token, url.Values{"channel": {channel}, "text": {"page"}})
}

// requireOK fails the test unless the call succeeded.
func requireOK(t *testing.T, a answer) {
	t.Helper()
	if ok, code := a.ok(t); a.status != http.StatusOK || !ok {
		t.Fatalf("answer %d ok=%v error=%q, want a success", a.status, ok, code)
	}
}

// requireSlackError fails the test unless the call answered HTTP 200 with
// {"ok": false} and the error code.
func requireSlackError(t *testing.T, a answer, want string) {
	t.Helper()
	if ok, code := a.ok(t); a.status != http.StatusOK || ok || code != want {
		t.Fatalf("answer %d ok=%v error=%q, want 200 and error %q", a.status, ok, code, want)
	}
}

func TestDownAndUp(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddUser("U0ALICE", "alice@example.com")
	// Queued before the outage, it waits for the end of it.
	srv.ErrorNext("chat.postMessage", "internal_error")
	srv.Down(http.StatusServiceUnavailable)

	// The edge answers whatever the call: a good one, one without a token,
	// one of a method Slack does not have, and again.
	for _, c := range []struct{ method, token string }{
		{"chat.postMessage", fakeslack.Token},
		{"users.lookupByEmail", ""},
		{"no.such.method", fakeslack.Token},
		{"chat.postMessage", fakeslack.Token},
	} {
		a := call(t, srv, c.method, c.token, url.Values{"channel": {"C0DATA"}, "text": {"page"}, "email": {"alice@example.com"}})
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("%s while down: HTTP %d, want 503", c.method, a.status)
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(a.body, "<html>") {
			t.Errorf("%s while down: %s body %q, want HTML", c.method, ct, a.body)
		}
	}
	if n := len(srv.Calls("chat.postMessage")); n != 2 {
		t.Errorf("%d chat.postMessage calls recorded, want 2", n)
	}
	if n := len(srv.Calls("no.such.method")); n != 1 {
		t.Errorf("%d no.such.method calls recorded, want 1", n)
	}
	if msgs := srv.Messages("C0DATA"); len(msgs) != 0 {
		t.Errorf("posted while down: %+v", msgs)
	}

	srv.Up()
	requireSlackError(t, post(t, srv, "C0DATA"), "internal_error")
	requireOK(t, post(t, srv, "C0DATA"))
	requireOK(t, call(t, srv, "users.lookupByEmail", fakeslack.Token, url.Values{"email": {"alice@example.com"}}))
	if msgs := srv.Messages("C0DATA"); len(msgs) != 1 {
		t.Errorf("%d messages after Up, want 1", len(msgs))
	}
}

func TestBreak(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddUser("U0ALICE", "alice@example.com")
	srv.Break("chat.postMessage", "not_in_channel")
	srv.Break("conversations.info", "missing_scope")

	for range 3 {
		requireSlackError(t, post(t, srv, "C0DATA"), "not_in_channel")
	}
	info := call(t, srv, "conversations.info", fakeslack.Token, url.Values{"channel": {"C0DATA"}})
	requireSlackError(t, info, "missing_scope")
	var scope struct {
		Needed string `json:"needed"`
	}
	if err := json.Unmarshal([]byte(info.body), &scope); err != nil || scope.Needed != "channels:read" {
		t.Errorf("missing_scope answer %s, want needed channels:read", info.body)
	}
	// Other methods work.
	requireOK(t, call(t, srv, "users.lookupByEmail", fakeslack.Token, url.Values{"email": {"alice@example.com"}}))
	// A queued fault comes first, then the break again.
	srv.On("chat.postMessage").FailNext(1, http.StatusBadGateway)
	if a := post(t, srv, "C0DATA"); a.status != http.StatusBadGateway {
		t.Errorf("queued fault: HTTP %d, want 502", a.status)
	}
	requireSlackError(t, post(t, srv, "C0DATA"), "not_in_channel")
	if msgs := srv.Messages("C0DATA"); len(msgs) != 0 {
		t.Errorf("posted while broken: %+v", msgs)
	}

	srv.Up()
	requireOK(t, post(t, srv, "C0DATA"))
	requireOK(t, call(t, srv, "conversations.info", fakeslack.Token, url.Values{"channel": {"C0DATA"}}))
}

func TestEnforceRateLimits(t *testing.T) {
	srv := fakeslack.New(t)
	srv.AddChannel("C0DATA", "data", "")
	srv.AddChannel("C0OTHER", "other", "")

	// Off by default.
	for range 5 {
		requireOK(t, post(t, srv, "C0OTHER"))
	}

	srv.EnforceRateLimits()
	start := time.Now()
	var burst []answer
	for range 4 {
		burst = append(burst, post(t, srv, "C0DATA"))
	}
	if time.Since(start) >= time.Second {
		t.Skip("four posts took over a second: the bucket refilled meanwhile, so the limit cannot be told from this")
	}
	for _, a := range burst[:3] {
		requireOK(t, a)
	}
	limited := burst[3]
	if limited.status != http.StatusTooManyRequests || limited.header.Get("Retry-After") != "1" {
		t.Errorf("fourth post in the second: HTTP %d, Retry-After %q; want 429 and 1", limited.status, limited.header.Get("Retry-After"))
	}
	if ok, code := limited.ok(t); ok || code != "ratelimited" {
		t.Errorf("fourth post in the second: ok=%v error=%q, want ratelimited", ok, code)
	}
	if n := len(srv.Messages("C0DATA")); n != 3 {
		t.Errorf("%d messages in C0DATA, want 3: a rate-limited post posts nothing", n)
	}
	if n := srv.RateLimited("chat.postMessage"); n != 1 {
		t.Errorf("RateLimited = %d, want 1", n)
	}

	// Each channel has its own limit; an injected 429 is not counted.
	srv.On("chat.postMessage").RateLimitNext(1, time.Second)
	if a := post(t, srv, "C0OTHER"); a.status != http.StatusTooManyRequests {
		t.Fatalf("injected 429: HTTP %d", a.status)
	}
	requireOK(t, post(t, srv, "C0OTHER"))
	if n := srv.RateLimited("chat.postMessage"); n != 1 {
		t.Errorf("RateLimited = %d after an injected 429, want 1", n)
	}

	// A second on, the channel has room for one more.
	time.Sleep(1100 * time.Millisecond)
	requireOK(t, post(t, srv, "C0DATA"))
	if n := len(srv.Messages("C0DATA")); n != 4 {
		t.Errorf("%d messages in C0DATA, want 4", n)
	}
}

// Sign gives the signature of Slack's own example.
func TestSign(t *testing.T) {
	// https://docs.slack.dev/authentication/verifying-requests-from-slack
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	h := fakeslack.Sign("8f742231b10e8888abcd99yyyzzz85a5", body, time.Unix(1531420618, 0))
	if ts := h.Get("X-Slack-Request-Timestamp"); ts != "1531420618" {
		t.Errorf("X-Slack-Request-Timestamp %q", ts)
	}
	if sig := h.Get("X-Slack-Signature"); sig != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Errorf("X-Slack-Signature %q", sig)
	}
}
