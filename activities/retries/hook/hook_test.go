package hook

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/retries"
)

// The endpoint a team writes: it checks the signature and the timestamp's
// age as the README tells, and answers what the test says.
func endpoint(t *testing.T, secret []byte, now time.Time, status int, got *retries.Job) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, err := strconv.ParseInt(r.Header.Get(TimestampHeader), 10, 64)
		if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute ||
			!hmac.Equal([]byte(r.Header.Get(SignatureHeader)), []byte(Sign(secret, ts, body))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		_ = json.Unmarshal(body, got)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestASignedRetryReachesTheTeamsEndpoint(t *testing.T) {
	secret, now := []byte("retry-secret"), time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	var got retries.Job
	srv := endpoint(t, secret, now, http.StatusAccepted, &got)
	c := Client{URL: srv.URL, Secret: secret, Now: func() time.Time { return now }}
	job := retries.Job{Team: "data", DedupKey: "orders", Summary: "orders failed", Details: map[string]string{"job": "orders"}, Attempt: 1}
	detail, err := c.Retry(context.Background(), job)
	if err != nil || detail != "the team's retry endpoint took it (202)" || got.DedupKey != "orders" || got.Details["job"] != "orders" {
		t.Fatalf("%q %v, endpoint got %+v", detail, err, got)
	}
	// Another secret, or a stale timestamp, is refused: a 4xx no second
	// try fixes.
	for _, bad := range []Client{
		{URL: srv.URL, Secret: []byte("other"), Now: func() time.Time { return now }},
		{URL: srv.URL, Secret: secret, Now: func() time.Time { return now.Add(-time.Hour) }},
	} {
		if _, err := bad.Retry(context.Background(), job); !errors.Is(err, retries.ErrCannotRetry) {
			t.Errorf("err %v, want the refusal as a retry that cannot be made", err)
		}
	}
	down := endpoint(t, secret, now, http.StatusBadGateway, &got)
	c.URL = down.URL
	if _, err := c.Retry(context.Background(), job); err == nil || errors.Is(err, retries.ErrCannotRetry) {
		t.Errorf("a 502: %v, want an error a second try may fix", err)
	}
}
