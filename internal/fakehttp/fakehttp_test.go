package fakehttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPageSize(t *testing.T) {
	for _, tc := range []struct {
		asked            string
		def, most, limit int
		want             int
	}{
		{"", 50, 1000, 0, 50},
		{"abc", 50, 1000, 0, 50},
		{"0", 50, 1000, 0, 50},
		{"-3", 50, 1000, 0, 50},
		{"20", 50, 1000, 0, 20},
		{"5000", 50, 1000, 0, 1000},
		{"20", 50, 1000, 3, 3},
		{"", 50, 1000, 3, 3},
		{"2", 50, 1000, 3, 2},
	} {
		if got := PageSize(tc.asked, tc.def, tc.most, tc.limit); got != tc.want {
			t.Errorf("PageSize(%q, %d, %d, %d) = %d, want %d", tc.asked, tc.def, tc.most, tc.limit, got, tc.want)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, pass string
		set        bool
		want       bool
	}{
		{"right", "u", "p", true, true},
		{"wrong password", "u", "x", true, false},
		{"wrong user", "x", "p", true, false},
		{"none", "", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.set {
				r.SetBasicAuth(tc.user, tc.pass)
			}
			w := httptest.NewRecorder()
			if got := BasicAuth(w, r, "u", "p", "Vendor API"); got != tc.want {
				t.Errorf("BasicAuth = %v, want %v", got, tc.want)
			}
			challenge := w.Header().Get("WWW-Authenticate")
			if want := map[bool]string{true: "", false: `Basic realm="Vendor API"`}[tc.want]; challenge != want {
				t.Errorf("WWW-Authenticate %q, want %q", challenge, want)
			}
		})
	}
}

// A test's copy of the queries shares nothing with the fake's records.
func TestQueriesHandsOutCopies(t *testing.T) {
	var q Queries
	q.Record(httptest.NewRequest(http.MethodGet, "/?a=1&a=2", nil))
	q.Record(httptest.NewRequest(http.MethodGet, "/?b=3", nil))
	all := q.All()
	if q.Len() != 2 || len(all) != 2 || all[0].Get("a") != "1" || all[1].Get("b") != "3" {
		t.Fatalf("Len %d, All %v; want the two queries in order", q.Len(), all)
	}
	all[0]["a"][0] = "changed"
	all[1].Set("c", "4")
	if again := q.All(); again[0]["a"][0] != "1" || again[1].Has("c") {
		t.Errorf("All after the copy changed: %v", again)
	}
}
