package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/checks"
	"github.com/baton-oncall/baton/team"
)

var checkNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func TestAQueryValueIsJudged(t *testing.T) {
	fresh := team.Check{Name: "orders_fresh", Kind: team.CheckFreshness, MaxAge: "24h"}
	count := team.Check{Name: "running", Kind: team.CheckQuery, Min: ptr(1.0), Max: ptr(100.0)}
	for _, tc := range []struct {
		name    string
		check   team.Check
		value   checks.Value
		outcome string
		detail  string
	}{
		{"fresh", fresh, checks.Value{Kind: checks.ValueTime, Time: checkNow.Add(-3 * time.Hour)}, CheckPassed, "is fresh: its newest row is 3h old"},
		{"stale", fresh, checks.Value{Kind: checks.ValueTime, Time: checkNow.Add(-26*time.Hour - 10*time.Minute - 7*time.Second)}, CheckFailed, "is stale: its newest row is 26h10m old, more than 24h"},
		{"from the future", fresh, checks.Value{Kind: checks.ValueTime, Time: checkNow.Add(time.Minute)}, CheckPassed, "is fresh: its newest row is 0s old"},
		{"no rows is stale", fresh, checks.Value{Kind: checks.ValueNull}, CheckFailed, "is stale: the query found no timestamp"},
		{"a number is no timestamp", fresh, checks.Value{Kind: checks.ValueNumber, Type: "int8"}, CheckCannotRun, "the query returned a int8, not a timestamp"},
		{"in range", count, checks.Value{Kind: checks.ValueNumber, Number: 4}, CheckPassed, "is 4"},
		{"below", count, checks.Value{Kind: checks.ValueNumber, Number: 0}, CheckFailed, "is 0, below its minimum 1"},
		{"above", count, checks.Value{Kind: checks.ValueNumber, Number: 100.5}, CheckFailed, "is 100.5, above its maximum 100"},
		{"null is no number", count, checks.Value{Kind: checks.ValueNull}, CheckCannotRun, "returned NULL, not a number"},
		{"text is no number", count, checks.Value{Kind: checks.ValueOther, Type: "text"}, CheckCannotRun, "returned a text, not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeValue(tc.check, tc.value, checkNow)
			if got.Outcome != tc.outcome || !strings.Contains(got.Detail, tc.detail) {
				t.Errorf("got %s %q, want %s %q", got.Outcome, got.Detail, tc.outcome, tc.detail)
			}
		})
	}
}

// sqlStub answers every query with one value or error, and records what
// it was asked.
type sqlStub struct {
	value checks.Value
	err   error
	url   string
}

func (s *sqlStub) QueryValue(_ context.Context, url, _ string, _ time.Duration) (checks.Value, error) {
	s.url = url
	return s.value, s.err
}

func TestASQLCheckThatCannotRunSaysWhy(t *testing.T) {
	c := team.Check{Name: "orders_fresh", Kind: team.CheckFreshness, MaxAge: "1h", DatabaseURLEnv: "BATON_TEST_WAREHOUSE_URL", Query: "select 1"}
	stub := &sqlStub{err: errors.New("connect: password authentication failed for user \"baton\"")}
	a := &Activities{SQL: stub}
	res, err := a.RunCheck(context.Background(), RunCheckInput{Team: "data", Check: c})
	if err != nil || res.Outcome != CheckCannotRun || !strings.Contains(res.Detail, "BATON_TEST_WAREHOUSE_URL is not set") {
		t.Fatalf("%+v %v: want cannot run, naming the variable", res, err)
	}
	t.Setenv("BATON_TEST_WAREHOUSE_URL", "postgres://warehouse.internal/dwh")
	res, _ = a.RunCheck(context.Background(), RunCheckInput{Team: "data", Check: c})
	if res.Outcome != CheckCannotRun || !strings.Contains(res.Detail, "password authentication failed") || stub.url != "postgres://warehouse.internal/dwh" {
		t.Fatalf("%+v: want cannot run with the database's error", res)
	}
}

func TestAnHTTPCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(`{"status":"ok"}`))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	a := &Activities{}
	for _, tc := range []struct {
		name    string
		check   team.Check
		outcome string
		detail  string
	}{
		{"up", team.Check{URL: srv.URL + "/ok", ExpectBody: `"ok"`}, CheckPassed, "answered 200"},
		{"down", team.Check{URL: srv.URL + "/down"}, CheckFailed, "answered 503, expected 200"},
		{"the status expected", team.Check{URL: srv.URL + "/down", ExpectStatus: 503}, CheckPassed, "answered 503"},
		{"the body lacks its text", team.Check{URL: srv.URL + "/ok", ExpectBody: "healthy"}, CheckFailed, `answered 200 without "healthy" in its body`},
		{"too slow", team.Check{URL: srv.URL + "/slow", Timeout: "200ms"}, CheckFailed, "did not answer within 200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check.Name, tc.check.Kind = "api", team.CheckHTTP
			res, err := a.RunCheck(context.Background(), RunCheckInput{Team: "data", Check: tc.check})
			if err != nil || res.Outcome != tc.outcome || !strings.Contains(res.Detail, tc.detail) {
				t.Errorf("%+v %v: want %s %q", res, err, tc.outcome, tc.detail)
			}
		})
	}
}
