// Package retryafter reads HTTP's Retry-After header, so that a vendor's
// rate limit becomes the delay of Temporal's next retry.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value: whole seconds, or an HTTP date (a date
// already past waits zero). ok is false when the value says neither.
func Parse(v string) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(at)), true
	}
	return 0, false
}
