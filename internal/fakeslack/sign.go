package fakeslack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Sign signs a request body as Slack signs what it sends an app, for a
// request sent at at: the X-Slack-Request-Timestamp and X-Slack-Signature
// headers, the signature being version v0, an HMAC-SHA256 keyed with the
// app's signing secret of "v0:<timestamp>:<body>".
// https://docs.slack.dev/authentication/verifying-requests-from-slack
func Sign(secret string, body []byte, at time.Time) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return http.Header{
		"X-Slack-Request-Timestamp": {ts},
		"X-Slack-Signature":         {"v0=" + hex.EncodeToString(mac.Sum(nil))},
	}
}
