// Package faults is the fault-injection kit that every fake vendor API
// under internal/ shares. The kit decides when a request fails; the fake
// answers the failure as its vendor would (Slack's HTML page or
// {"ok": false}, Twilio's {"code", "message", ...}, Jira's
// errorMessages, ...).
//
// A fake embeds a Kit, so every fake has the same fault API: FailNext,
// RateLimitNext, Down, Up, and On for the faults of one route. The fake
// calls Take for each request, with the request's route, once it has
// recorded the request and before it checks credentials, as a vendor's
// edge answers 429 and 5xx whatever the request holds. Each fake says what
// its routes are: Slack's Web API method, Jira's endpoint, ...
package faults

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Fault is a failure that a fake answers.
type Fault struct {
	// Status is the answer's HTTP status.
	Status int
	// RetryAfter is how long a 429 asks the client to wait, in the
	// vendor's header (see RetryAfterSeconds).
	RetryAfter time.Duration
	// Error is the vendor's error in the answer's body: Slack's error
	// code, or the message of Twilio's, Jira's, Opsgenie's and
	// PagerDuty's error bodies. Empty means the fake's usual error for
	// Status. An HTML page from in front of an API carries none.
	Error string
}

// RetryAfterSeconds is RetryAfter in whole seconds, as Retry-After carries
// it: rounded up, so that a client never retries early, and at least 1,
// since 0 would tell it to retry at once.
func (f Fault) RetryAfterSeconds() string {
	secs := max(1, int64((f.RetryAfter+time.Second-1)/time.Second))
	return strconv.FormatInt(secs, 10)
}

// SetRetryAfter sets the Retry-After header of the answer to a 429, as
// Slack, Twilio and Jira send it; other vendors say the wait their own way.
func (f Fault) SetRetryAfter(h http.Header) {
	if f.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", f.RetryAfterSeconds())
	}
}

// Kit holds a fake's faults. The zero Kit has none. It is safe for
// concurrent use.
type Kit struct {
	mu     sync.Mutex
	next   []queued         // in the order queued
	down   int              // the status of every answer; 0 when up
	broken map[string]Fault // route -> what its every request answers
}

// queued is a fault for one of the next requests of route ("" for any).
type queued struct {
	route string
	fault Fault
}

// FailNext makes the next n requests, of any route, answer the HTTP
// status.
func (k *Kit) FailNext(n, status int) {
	k.On("").FailNext(n, status)
}

// RateLimitNext makes the next n requests, of any route, answer 429 and
// ask the client to wait retryAfter.
func (k *Kit) RateLimitNext(n int, retryAfter time.Duration) {
	k.On("").RateLimitNext(n, retryAfter)
}

// Down makes every request answer the HTTP status until Up: an outage,
// which answers before the route is looked at. Queued faults wait for Up.
func (k *Kit) Down(status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.down = status
}

// Up ends Down and every route's Break. Queued faults stay queued.
func (k *Kit) Up() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.down = 0
	clear(k.broken)
}

// On is the faults of one route: the requests the fake names so. What is
// queued on "" is for any route, as FailNext and RateLimitNext queue.
func (k *Kit) On(route string) Route {
	return Route{kit: k, route: route}
}

// Take is what the fake calls for each request: the fault it is to answer,
// if any. Down comes first; then the first queued fault for the route or
// for any route, which is used up; then the route's Break.
func (k *Kit) Take(route string) (Fault, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down != 0 {
		return Fault{Status: k.down}, true
	}
	for i, q := range k.next {
		if q.route == "" || q.route == route {
			k.next = slices.Delete(k.next, i, i+1)
			return q.fault, true
		}
	}
	f, ok := k.broken[route]
	return f, ok
}

// Route is the faults of one route of a fake (see Kit.On).
type Route struct {
	kit   *Kit
	route string
}

// FailNext makes the route's next n requests answer the HTTP status.
func (r Route) FailNext(n, status int) {
	r.Next(n, Fault{Status: status})
}

// RateLimitNext makes the route's next n requests answer 429 and ask the
// client to wait retryAfter.
func (r Route) RateLimitNext(n int, retryAfter time.Duration) {
	r.Next(n, Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// Next makes the route's next n requests answer f.
func (r Route) Next(n int, f Fault) {
	r.kit.mu.Lock()
	defer r.kit.mu.Unlock()
	for range n {
		r.kit.next = append(r.kit.next, queued{r.route, f})
	}
}

// Break makes every request of the route answer f until Up, after any
// fault queued for it: a vendor that has changed under the client, such
// as a token revoked.
func (r Route) Break(f Fault) {
	r.kit.mu.Lock()
	defer r.kit.mu.Unlock()
	if r.kit.broken == nil {
		r.kit.broken = map[string]Fault{}
	}
	r.kit.broken[r.route] = f
}
