package faults_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakeairflow"
	"github.com/baton-oncall/baton/internal/fakejira"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
	"github.com/baton-oncall/baton/internal/fakepagerduty"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/internal/faketwilio"
	"github.com/baton-oncall/baton/internal/faults"
)

// fake is the fault API that every fake has from its Kit.
type fake interface {
	FailNext(n, status int)
	RateLimitNext(n int, retryAfter time.Duration)
	Down(status int)
	Up()
	On(route string) faults.Route
}

// Every fake answers the kit's faults, each in its vendor's shape.
func TestEveryFakeAnswersTheKitsFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		// start starts the fake; url is a request without credentials,
		// and route its route.
		start func(t *testing.T) (f fake, url, route string)
		// A 500's body holds errorBody; a 429's header waitHeader is
		// wait for RateLimitNext(1, 1.5 s).
		errorBody        string
		waitHeader, wait string
	}{
		{
			name: "Slack",
			start: func(t *testing.T) (fake, string, string) {
				s := fakeslack.New(t)
				return s, s.URL() + "auth.test", "auth.test"
			},
			errorBody: "<html>", waitHeader: "Retry-After", wait: "2",
		},
		{
			name: "Twilio",
			start: func(t *testing.T) (fake, string, string) {
				s := faketwilio.New(t)
				return s, s.URL() + "/2010-04-01/Accounts/" + faketwilio.AccountSID + "/Messages.json", "GET Messages.json"
			},
			errorBody: `"code":20500`, waitHeader: "Retry-After", wait: "2",
		},
		{
			name: "Jira",
			start: func(t *testing.T) (fake, string, string) {
				s := fakejira.New(t)
				return s, s.URL() + "/rest/api/3/issue/DATA-1", fakejira.GetEndpoint
			},
			errorBody: `"errorMessages":["Internal Server Error"]`, waitHeader: "Retry-After", wait: "2",
		},
		{
			name: "Opsgenie",
			start: func(t *testing.T) (fake, string, string) {
				s := fakeopsgenie.New(t)
				return s, "http://" + s.Host() + "/v2/alerts/a1?identifierType=alias", fakeopsgenie.GetAlertEndpoint
			},
			errorBody: `"message":"Internal Server Error"`, waitHeader: "X-RateLimit-State", wait: "THROTTLED",
		},
		{
			name: "Airflow",
			start: func(t *testing.T) (fake, string, string) {
				s := fakeairflow.New(t)
				return s, s.URL() + "/dags/orders_daily", fakeairflow.DagEndpoint
			},
			errorBody: `"status":500`, waitHeader: "Retry-After", wait: "2",
		},
		{
			name: "PagerDuty",
			start: func(t *testing.T) (fake, string, string) {
				s := fakepagerduty.New(t)
				return s, s.URL() + "/oncalls", fakepagerduty.OnCallsEndpoint
			},
			errorBody: `"code":2000`, waitHeader: "ratelimit-reset", wait: "2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, url, route := tc.start(t)
			get := func() (int, http.Header, string) {
				t.Helper()
				resp, err := http.Get(url)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp.StatusCode, resp.Header, string(body)
			}
			want := func(what string, status int) {
				t.Helper()
				if got, _, body := get(); got != status {
					t.Fatalf("%s: HTTP %d %s, want %d", what, got, body, status)
				}
			}
			normal, _, _ := get()

			f.FailNext(2, http.StatusInternalServerError)
			if status, _, body := get(); status != http.StatusInternalServerError || !strings.Contains(body, tc.errorBody) {
				t.Errorf("FailNext: HTTP %d %s, want 500 and %s", status, body, tc.errorBody)
			}
			want("the second of FailNext(2)", http.StatusInternalServerError)
			want("after FailNext(2)", normal)

			f.On("another route").FailNext(1, http.StatusInternalServerError)
			f.On(route).RateLimitNext(1, 1500*time.Millisecond)
			if status, h, _ := get(); status != http.StatusTooManyRequests || h.Get(tc.waitHeader) != tc.wait {
				t.Errorf("RateLimitNext: HTTP %d, %s %q; want 429 and %q", status, tc.waitHeader, h.Get(tc.waitHeader), tc.wait)
			}
			want("after RateLimitNext, with another route's fault queued", normal)

			f.Down(http.StatusServiceUnavailable)
			want("down", http.StatusServiceUnavailable)
			want("still down", http.StatusServiceUnavailable)
			f.Up()
			want("up", normal)
		})
	}
}
