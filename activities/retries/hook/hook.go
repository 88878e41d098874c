// Package hook retries a failed job through the team's own endpoint: a
// POST of the alert, signed so that the endpoint can tell it came from
// Baton and is fresh.
package hook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/baton-oncall/baton/activities/retries"
)

// The headers of a signed POST. The signature is "v1=" and the hex of
// HMAC-SHA256, under the secret, of the timestamp, a '.', and the body:
// the endpoint recomputes it and refuses a timestamp more than five
// minutes away from its clock, so that a captured request cannot be
// replayed later.
const (
	TimestampHeader = "X-Baton-Timestamp"
	SignatureHeader = "X-Baton-Signature"
)

// Sign is the signature of a body sent at the Unix time ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Client is a retries.Retrier on the team's endpoint.
type Client struct {
	URL    string
	Secret []byte
	HTTP   *http.Client
	// Now is the clock of the timestamp; time.Now if nil.
	Now func() time.Time
}

// Retry posts the job as JSON; any 2xx means the endpoint took it.
func (c Client) Retry(ctx context.Context, job retries.Job) (string, error) {
	body, err := json.Marshal(job)
	if err != nil {
		return "", fmt.Errorf("%w: %v", retries.ErrCannotRetry, err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %v", retries.ErrCannotRetry, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(c.Secret, ts, body))
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("the retry endpoint: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return fmt.Sprintf("the team's retry endpoint took it (%d)", resp.StatusCode), nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return "", fmt.Errorf("%w: the retry endpoint answered %d", retries.ErrCannotRetry, resp.StatusCode)
	}
	return "", fmt.Errorf("the retry endpoint answered %d", resp.StatusCode)
}
