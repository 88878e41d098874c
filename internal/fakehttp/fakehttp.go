// Package fakehttp is the plumbing that the fake vendor APIs under
// internal/ share: the test server, JSON answers, basic auth, page sizes,
// and the copies of their records that they hand tests. What a fake
// answers, and in what shape, stays with the fake, written from its
// vendor's documentation; faults come from internal/faults.
package fakehttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Start serves h on a loopback port until the test ends.
func Start(t testing.TB, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// WriteJSON answers status with body as JSON. contentType is the vendor's
// own spelling of the JSON media type, which clients may compare.
func WriteJSON(w http.ResponseWriter, status int, contentType string, body any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// BasicAuth reports whether r carries user and password in HTTP basic
// auth. When it does not, it asks for them with a WWW-Authenticate
// challenge in the vendor's realm; the fake then answers 401 in its
// vendor's shape.
func BasicAuth(w http.ResponseWriter, r *http.Request, user, password, realm string) bool {
	if u, p, ok := r.BasicAuth(); ok && u == user && p == password {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	return false
}

// PageSize is how many items one page of a list holds: what the client
// asked, or def when it asked for no positive number, at most most (the
// vendor's limits), and at most limit when a test has set one (> 0) to
// exercise paging without creating a thousand items.
func PageSize(asked string, def, most, limit int) int {
	n, err := strconv.Atoi(asked)
	if err != nil || n <= 0 {
		n = def
	}
	n = min(n, most)
	if limit > 0 {
		n = min(n, limit)
	}
	return n
}

// Copies is what a fake hands a test of its records: clone of each, in
// order, so that the test and the fake never share memory. The caller
// holds the lock that guards records.
func Copies[R, C any](records []R, clone func(R) C) []C {
	out := make([]C, len(records))
	for i, r := range records {
		out[i] = clone(r)
	}
	return out
}

// CloneValues is a deep copy of v.
func CloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Queries records the query of each request a fake sees, in order, for a
// test to read back. It is safe for concurrent use; the zero Queries holds
// none.
type Queries struct {
	mu  sync.Mutex
	all []url.Values
}

// Record records r's query and returns it.
func (q *Queries) Record(r *http.Request) url.Values {
	v := r.URL.Query()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.all = append(q.all, v)
	return v
}

// All returns a copy of every query recorded, in order.
func (q *Queries) All() []url.Values {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Copies(q.all, CloneValues)
}

// Len is how many queries were recorded.
func (q *Queries) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.all)
}
