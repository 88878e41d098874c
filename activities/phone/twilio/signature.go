package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// Twilio signs each request it makes to Baton (an SMS reply, a key
// pressed): the gateway checks the signature, and the starter signs the
// requests by which it stands in for Twilio.

// Signature is the X-Twilio-Signature of a request: the base64
// HMAC-SHA1, keyed by the auth token, of the full URL Twilio requested
// followed by every POST parameter, sorted by name (and a repeated one by
// value), as name then value with nothing between.
func Signature(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range form {
			if !yield(k) {
				return
			}
		}
	}) {
		values := slices.Clone(form[name])
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
