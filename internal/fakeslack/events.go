package fakeslack

// The Events API, as Slack documents it (api.slack.com/apis/events-api,
// api.slack.com/events/url_verification, api.slack.com/events/
// reaction_added): Slack POSTs each event the app subscribes to, as JSON,
// to the app's Request URL, signed as every request Slack sends an app
// (Sign). The outer payload is uniform: token, team_id, api_app_id,
// event, type "event_callback", event_id, event_time, authorizations.
// When the Request URL is set, Slack first sends a url_verification with
// a challenge, which the app answers with the challenge.
//
// Slack wants a 2xx within 3 seconds. When it gets none (a timeout, a
// status other than 2xx, no connection), it delivers the event again, up
// to three times (at once, after a minute, after five minutes), each
// retry carrying X-Slack-Retry-Num (1, 2, 3) and X-Slack-Retry-Reason
// (http_timeout, http_error, connection_failed, ...). A retry is the same
// body, event_id included, signed anew.
//
// Events delivers them to an app under test, with Slack's pauses between
// retries shortened as a test wants them, and keeps every delivery.
// The fault kit of the Web API does not apply here: these are requests
// Slack sends, and the app's answers are what fail.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// EventsAnswerWithin is how long Slack waits for an event's 2xx.
const EventsAnswerWithin = 3 * time.Second

// eventRetries is how many times Slack delivers an event again.
const eventRetries = 3

// Slack's retry reasons (X-Slack-Retry-Reason).
const (
	RetryHTTPTimeout      = "http_timeout"
	RetryHTTPError        = "http_error"
	RetryConnectionFailed = "connection_failed"
)

// Delivery is one POST of an event to the Request URL, and its answer.
type Delivery struct {
	// Retry is its X-Slack-Retry-Num, 0 for the first delivery; Reason
	// its X-Slack-Retry-Reason.
	Retry  int
	Reason string
	// Status and Body are the answer; Status 0 when none came in time
	// (Err says why).
	Status int
	Body   []byte
	Err    error
	Took   time.Duration
}

// OK reports whether Slack takes the answer: a 2xx within the time.
func (d Delivery) OK() bool { return d.Err == nil && d.Status >= 200 && d.Status < 300 }

// Events is Slack delivering events to one app's Request URL.
type Events struct {
	// URL is the app's Request URL; Secret its signing secret.
	URL, Secret string
	// Pauses are the waits before the three retries: Slack's are none,
	// a minute and five minutes; a test shortens them.
	Pauses [eventRetries]time.Duration
	// AnswerWithin is how long an answer is waited for:
	// EventsAnswerWithin unless a test changes it.
	AnswerWithin time.Duration

	mu         sync.Mutex
	deliveries []Delivery
	seq        int
}

// NewEvents returns Slack's delivery of events to url, signed with
// secret, with Slack's own pauses and wait.
func NewEvents(url, secret string) *Events {
	return &Events{URL: url, Secret: secret, Pauses: [eventRetries]time.Duration{0, time.Minute, 5 * time.Minute}, AnswerWithin: EventsAnswerWithin}
}

// EventCallback wraps event as Slack delivers one from the fake's
// workspace (TeamID), with a new event_id.
func (e *Events) EventCallback(event map[string]any) []byte {
	e.mu.Lock()
	e.seq++
	id := fmt.Sprintf("Ev0FAKE%06d", e.seq)
	e.mu.Unlock()
	b, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": TeamID, "api_app_id": SocketAppID, "event": event, "type": "event_callback",
		"event_id": id, "event_time": time.Now().Unix(),
		"authorizations":        []any{map[string]any{"enterprise_id": nil, "team_id": TeamID, "user_id": botUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
	})
	return b
}

// ReactionAdded is the reaction_added event of user adding reaction to
// the message ts of channel, written by itemUser ("" for a message no
// person wrote, which Slack leaves item_user out of).
func ReactionAdded(user, reaction, itemUser, channel, ts string) map[string]any {
	ev := map[string]any{
		"type": "reaction_added", "user": user, "reaction": reaction,
		"item":     map[string]any{"type": "message", "channel": channel, "ts": ts},
		"event_ts": strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64),
	}
	if itemUser != "" {
		ev["item_user"] = itemUser
	}
	return ev
}

// Deliver delivers body as Slack does: once, then again while the answer
// is not a 2xx within AnswerWithin, up to three more times after each
// pause, with the retry's number and reason. It returns the deliveries
// it made.
func (e *Events) Deliver(body []byte) []Delivery {
	d := e.post(body, 0, "")
	out := []Delivery{d}
	for n := 1; n <= eventRetries && !d.OK(); n++ {
		time.Sleep(e.Pauses[n-1])
		d = e.post(body, n, retryReason(d))
		out = append(out, d)
	}
	return out
}

// DeliverAgain delivers body once as retry n with reason, as Slack does
// when it did not take an earlier answer: for a test that makes Slack
// deliver an event again whatever the app answered.
func (e *Events) DeliverAgain(body []byte, n int, reason string) Delivery {
	return e.post(body, n, reason)
}

// VerifyURL sends url_verification, as Slack does when the Request URL
// is set, and returns the challenge and the delivery: the URL is verified
// when the answer is a 2xx that carries the challenge, as plain text,
// application/x-www-form-urlencoded or JSON (the three answers Slack
// documents).
func (e *Events) VerifyURL() (verified bool, d Delivery) {
	challenge := randomHex(24)
	body, _ := json.Marshal(map[string]string{"token": "XXYYZZ", "challenge": challenge, "type": "url_verification"})
	d = e.post(body, 0, "")
	if !d.OK() {
		return false, d
	}
	var j struct {
		Challenge string `json:"challenge"`
	}
	form, _ := url.ParseQuery(string(d.Body))
	switch {
	case json.Unmarshal(d.Body, &j) == nil && j.Challenge != "":
		return j.Challenge == challenge, d
	case form.Get("challenge") != "":
		return form.Get("challenge") == challenge, d
	}
	return string(bytes.TrimSpace(d.Body)) == challenge, d
}

// Deliveries are every delivery so far, in order.
func (e *Events) Deliveries() []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Delivery(nil), e.deliveries...)
}

// post makes one delivery, signed now.
func (e *Events) post(body []byte, retry int, reason string) Delivery {
	d := Delivery{Retry: retry, Reason: reason}
	req, err := http.NewRequest(http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		d.Err = err
		return e.keep(d)
	}
	req.Header = Sign(e.Secret, body, time.Now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", reason)
	}
	start := time.Now()
	// Slack follows no more than two redirects.
	client := &http.Client{Timeout: e.AnswerWithin, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) > 2 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	resp, err := client.Do(req)
	d.Took = time.Since(start)
	if err != nil {
		d.Err = err
		return e.keep(d)
	}
	defer resp.Body.Close()
	d.Status = resp.StatusCode
	d.Body, d.Err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return e.keep(d)
}

func (e *Events) keep(d Delivery) Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.deliveries = append(e.deliveries, d)
	return d
}

// retryReason is the reason Slack gives for delivering again after d.
func retryReason(d Delivery) string {
	var timeout interface{ Timeout() bool }
	switch {
	case errors.As(d.Err, &timeout) && timeout.Timeout():
		return RetryHTTPTimeout
	case d.Err != nil && d.Status == 0:
		return RetryConnectionFailed
	}
	return RetryHTTPError
}
