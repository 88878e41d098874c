package faults

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// takes takes a fault for each route in turn and returns the statuses
// answered, 0 where there was none.
func takes(t *testing.T, k *Kit, routes ...string) []int {
	t.Helper()
	var out []int
	for _, r := range routes {
		f, ok := k.Take(r)
		if ok != (f.Status != 0) {
			t.Fatalf("Take(%q) = %+v, %v", r, f, ok)
		}
		out = append(out, f.Status)
	}
	return out
}

func check(t *testing.T, what string, got []int, want ...int) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

func TestFailNext(t *testing.T) {
	var k Kit
	k.FailNext(2, http.StatusServiceUnavailable)
	check(t, "FailNext(2)", takes(t, &k, "a", "b", "a"), 503, 503, 0)
}

func TestOnARoute(t *testing.T) {
	var k Kit
	k.On("a").FailNext(1, http.StatusBadGateway)
	k.FailNext(1, http.StatusInternalServerError)
	// In the order queued, each on the first request it matches.
	check(t, "a's, then any route's", takes(t, &k, "b", "b", "a", "a"), 500, 0, 502, 0)
}

func TestRateLimitNext(t *testing.T) {
	var k Kit
	k.On("a").RateLimitNext(1, 1500*time.Millisecond)
	f, ok := k.Take("a")
	if !ok || f.Status != http.StatusTooManyRequests || f.RetryAfterSeconds() != "2" {
		t.Fatalf("Take = %+v, %v; want 429 after 2 s", f, ok)
	}
	if _, ok := k.Take("a"); ok {
		t.Fatal("a second 429")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "1"},
		{time.Nanosecond, "1"},
		{time.Second, "1"},
		{1500 * time.Millisecond, "2"},
		{20 * time.Second, "20"},
	} {
		if got := (Fault{RetryAfter: tc.in}).RetryAfterSeconds(); got != tc.want {
			t.Errorf("RetryAfterSeconds of %s = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestDownAndUp(t *testing.T) {
	var k Kit
	k.FailNext(1, http.StatusBadGateway)
	k.Down(http.StatusServiceUnavailable)
	// Down answers everything, and the queued fault waits.
	check(t, "down", takes(t, &k, "a", "b", "a"), 503, 503, 503)
	k.Up()
	check(t, "up", takes(t, &k, "a", "a"), 502, 0)
}

func TestBreak(t *testing.T) {
	var k Kit
	k.On("a").Break(Fault{Status: http.StatusOK, Error: "not_in_channel"})
	k.On("a").FailNext(1, http.StatusBadGateway)
	// A queued fault comes first, then the break, on its route only.
	check(t, "broken", takes(t, &k, "a", "a", "b", "a"), 502, 200, 0, 200)
	if f, _ := k.Take("a"); f.Error != "not_in_channel" {
		t.Errorf("the break answers %+v", f)
	}
	k.Up()
	check(t, "up", takes(t, &k, "a", "b"), 0, 0)
}
