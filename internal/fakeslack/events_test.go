package fakeslack_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakeslack"
)

// eventsApp is an app's Request URL that checks each delivery's
// signature and answers with the next of answers (the last one again once
// they run out): a status, after a wait.
type eventsApp struct {
	t       *testing.T
	mu      sync.Mutex
	answers []eventsAnswer
	got     []http.Header
	bodies  []string
}

type eventsAnswer struct {
	wait   time.Duration
	status int
	body   string
	ctype  string
}

func (a *eventsApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte("events-secret"))
	mac.Write([]byte("v0:" + r.Header.Get("X-Slack-Request-Timestamp") + ":"))
	mac.Write(body)
	if r.Header.Get("X-Slack-Signature") != "v0="+hex.EncodeToString(mac.Sum(nil)) || r.Header.Get("Content-Type") != "application/json" {
		a.t.Errorf("a delivery not signed as Slack signs, or not JSON: %v", r.Header)
	}
	a.mu.Lock()
	a.got, a.bodies = append(a.got, r.Header.Clone()), append(a.bodies, string(body))
	ans := a.answers[min(len(a.got), len(a.answers))-1]
	a.mu.Unlock()
	time.Sleep(ans.wait)
	if ans.ctype != "" {
		w.Header().Set("Content-Type", ans.ctype)
	}
	w.WriteHeader(ans.status)
	io.WriteString(w, ans.body)
}

func newEvents(t *testing.T, answers ...eventsAnswer) (*fakeslack.Events, *eventsApp) {
	app := &eventsApp{t: t, answers: answers}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	ev := fakeslack.NewEvents(srv.URL+"/slack/events", "events-secret")
	ev.Pauses = [3]time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond}
	ev.AnswerWithin = 200 * time.Millisecond
	return ev, app
}

// An event not taken with a 2xx in time is delivered again, the same
// body, with its retry's number and reason, up to three times.
func TestEventsAreDeliveredAgainUntilTaken(t *testing.T) {
	ev, app := newEvents(t,
		eventsAnswer{wait: 400 * time.Millisecond, status: 200}, // too late
		eventsAnswer{status: 503},
		eventsAnswer{status: 200, body: `{"ok":true}`})
	body := ev.EventCallback(fakeslack.ReactionAdded("U0BOB", "ticket", "U0ALICE", "C0HELP", "1796630400.000100"))
	ds := ev.Deliver(body)
	if len(ds) != 3 || ds[2].Status != 200 || !ds[2].OK() || ds[0].OK() || ds[1].Status != 503 {
		t.Fatalf("deliveries %+v", ds)
	}
	for i, want := range []struct{ num, reason string }{{"", ""}, {"1", fakeslack.RetryHTTPTimeout}, {"2", fakeslack.RetryHTTPError}} {
		if got := app.got[i]; got.Get("X-Slack-Retry-Num") != want.num || got.Get("X-Slack-Retry-Reason") != want.reason {
			t.Errorf("delivery %d: retry %q reason %q, want %q %q", i, got.Get("X-Slack-Retry-Num"), got.Get("X-Slack-Retry-Reason"), want.num, want.reason)
		}
		if app.bodies[i] != string(body) {
			t.Errorf("delivery %d has another body", i)
		}
	}
	var p struct {
		Type, EventID string
		Event         struct {
			Type, User, Reaction string
			ItemUser             string `json:"item_user"`
			Item                 struct{ Type, Channel, TS string }
		}
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Type != "event_callback" || p.Event.Type != "reaction_added" || p.Event.Item.Channel != "C0HELP" || p.Event.ItemUser != "U0ALICE" {
		t.Errorf("event_callback %s: %v", body, err)
	}

	// Three retries at most.
	ev, app = newEvents(t, eventsAnswer{status: 500})
	if ds := ev.Deliver(body); len(ds) != 4 || ds[3].Retry != 3 || len(app.got) != 4 {
		t.Errorf("an app that always fails got %d deliveries, want 4", len(ds))
	}
	// And on demand, whatever the app answered.
	ev, app = newEvents(t, eventsAnswer{status: 200})
	if d := ev.DeliverAgain(body, 1, fakeslack.RetryHTTPTimeout); !d.OK() || app.got[0].Get("X-Slack-Retry-Num") != "1" {
		t.Errorf("delivered again: %+v", d)
	}
}

// url_verification is answered by its challenge, in any of the three
// forms Slack documents.
func TestEventsURLVerification(t *testing.T) {
	echo := func(ctype string, form func(string) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var p struct{ Type, Challenge string }
			_ = json.NewDecoder(r.Body).Decode(&p)
			if p.Type != "url_verification" {
				t.Errorf("type %q", p.Type)
			}
			w.Header().Set("Content-Type", ctype)
			io.WriteString(w, form(p.Challenge))
		}
	}
	for name, h := range map[string]http.HandlerFunc{
		"text": echo("text/plain", func(c string) string { return c }),
		"form": echo("application/x-www-form-urlencoded", func(c string) string { return "challenge=" + c }),
		"json": echo("application/json", func(c string) string { return `{"challenge":"` + c + `"}` }),
	} {
		srv := httptest.NewServer(h)
		if ok, d := fakeslack.NewEvents(srv.URL, "s").VerifyURL(); !ok {
			t.Errorf("%s: not verified: %+v", name, d)
		}
		srv.Close()
	}
	srv := httptest.NewServer(echo("application/json", func(string) string { return `{"challenge":"wrong"}` }))
	defer srv.Close()
	if ok, _ := fakeslack.NewEvents(srv.URL, "s").VerifyURL(); ok {
		t.Error("a wrong challenge verified the URL")
	}
}
