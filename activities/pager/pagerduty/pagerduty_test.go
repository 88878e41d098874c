package pagerduty_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager/pagerduty"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakepagerduty"
	"github.com/baton-oncall/baton/team"
)

// pagerDutyTeam reads its pager from the PagerDuty schedule PDATA01.
func pagerDutyTeam() team.Team {
	return team.Team{
		Name:     "data",
		TimeZone: "Europe/Berlin",
		Pager:    team.Pager{PagerDutySchedule: "PDATA01"},
		People: []team.Person{
			{ID: "alice", Name: "Alice", Email: "Alice@Example.com", SlackID: "U0ALICE"},
			{ID: "bob", Name: "Bob", Email: "bob@example.com"},
			{ID: "lead", Name: "Lead", Email: "lead@example.com"},
		},
	}
}

func newPagerDuty(t *testing.T, token string) (*fakepagerduty.Server, *pagerduty.PagerDuty) {
	t.Helper()
	srv := fakepagerduty.New(t)
	// A trailing slash, as a hand-written PAGERDUTY_API_URL may have.
	return srv, pagerduty.NewPagerDuty(token, srv.URL()+"/")
}

func TestPagerDutyOnCall(t *testing.T) {
	srv, pd := newPagerDuty(t, fakepagerduty.Token)
	tm := pagerDutyTeam()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Shifts hand over at 09:00 Berlin time, 07:00 UTC in summer time.
	t0 := time.Date(2026, 10, 12, 9, 0, 0, 0, berlin)
	t1 := t0.AddDate(0, 0, 7)
	t2 := t1.AddDate(0, 0, 7)
	srv.AddSchedule("PDATA01",
		fakepagerduty.Shift{From: t0, To: t1, Emails: []string{"alice@example.com"}},
		// The team lead backs every shift up at level 2.
		fakepagerduty.Shift{From: t0, To: t2, Emails: []string{"lead@example.com"}, Level: 2},
		fakepagerduty.Shift{From: t1, To: t2, Emails: []string{"BOB@example.com", "contractor@elsewhere.com"}},
	)
	// Another team's schedule, with its own people at level 1.
	srv.AddSchedule("POTHER1", fakepagerduty.Shift{From: t0, To: t2, Emails: []string{"someone@example.com"}})
	alice, bob, lead := tm.People[0], tm.People[1], tm.People[2]

	tests := []struct {
		name string
		at   time.Time
		want []team.Person
	}{
		{name: "start of a shift", at: t0, want: []team.Person{alice}},
		{name: "mid-shift, with milliseconds", at: t0.Add(36*time.Hour + 250*time.Millisecond), want: []team.Person{alice}},
		{name: "last millisecond of a shift", at: t1.Add(-time.Millisecond), want: []team.Person{alice}},
		// PagerDuty may list alice's shift, which ends at t1, beside bob's:
		// the incoming people alone are on call.
		{name: "the handover instant: two people, one not in the team", at: t1, want: []team.Person{
			bob, {ID: "contractor@elsewhere.com", Email: "contractor@elsewhere.com"},
		}},
		{name: "last second of the second shift, the backup still on", at: t2.Add(-time.Second), want: []team.Person{
			bob, {ID: "contractor@elsewhere.com", Email: "contractor@elsewhere.com"},
		}},
		// lead's backup shift ends at t2 too.
		{name: "nobody", at: t2, want: []team.Person{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pd.OnCall(context.Background(), tm, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Error("OnCall returned nil, want an empty slice for nobody")
			}
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("OnCall = %+v, want %+v", got, tt.want)
				}
			}
			reqs := srv.Requests()
			if len(reqs) != i+1 {
				t.Fatalf("fake saw %d requests, want %d", len(reqs), i+1)
			}
			q := reqs[i]
			since := tt.at.UTC().Truncate(time.Second)
			if q.Get("since") != since.Format(time.RFC3339) || q.Get("until") != since.Add(time.Second).Format(time.RFC3339) {
				t.Errorf("since, until = %q, %q; want the second that holds %s", q.Get("since"), q.Get("until"), tt.at.UTC())
			}
			if !reflect.DeepEqual(q["schedule_ids[]"], []string{"PDATA01"}) || !reflect.DeepEqual(q["include[]"], []string{"users"}) {
				t.Errorf("query = %v, want schedule_ids[]=PDATA01 and include[]=users", q)
			}
			if q.Get("earliest") != "" {
				t.Errorf("earliest = %q: the earliest on-calls are not the ones at the instant", q.Get("earliest"))
			}
		})
	}
	// A schedule that sits on level 2 alone: its lowest level is 2.
	srv.AddSchedule("PDATA01", fakepagerduty.Shift{From: t0, To: t2, Emails: []string{"lead@example.com"}, Level: 2})
	got, err := pd.OnCall(context.Background(), tm, t1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []team.Person{lead}) {
		t.Errorf("a schedule on level 2 alone: OnCall = %+v, want lead", got)
	}
}

func TestPagerDutyKeepsTheLowestLevelOnce(t *testing.T) {
	srv, pd := newPagerDuty(t, fakepagerduty.Token)
	tm := pagerDutyTeam()
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	day := fakepagerduty.Shift{From: at.Add(-12 * time.Hour), To: at.Add(12 * time.Hour)}
	l3, l2, l2again := day, day, day
	l3.Emails, l3.Level = []string{"lead@example.com"}, 3
	l2.Emails, l2.Level = []string{"alice@example.com", "bob@example.com"}, 2
	// The same people again, as when a second escalation policy uses the
	// schedule: listed twice by PagerDuty, named once by Baton.
	l2again.Emails, l2again.Level = []string{"ALICE@example.com"}, 2
	srv.AddSchedule("PDATA01", l3, l2, l2again)

	got, err := pd.OnCall(context.Background(), tm, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []team.Person{tm.People[0], tm.People[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("OnCall = %+v, want alice and bob, once each", got)
	}
}

func TestPagerDutyFollowsPagination(t *testing.T) {
	srv, pd := newPagerDuty(t, fakepagerduty.Token)
	tm := pagerDutyTeam()
	at := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	var shifts []fakepagerduty.Shift
	// 230 backups at level 2 fill the first two pages of 100; the person on
	// call at level 1 comes last, on the third.
	for i := range 230 {
		shifts = append(shifts, fakepagerduty.Shift{From: at.Add(-time.Hour), To: at.Add(time.Hour),
			Emails: []string{fmt.Sprintf("backup%03d@example.com", i)}, Level: 2})
	}
	shifts = append(shifts, fakepagerduty.Shift{From: at.Add(-time.Hour), To: at.Add(time.Hour), Emails: []string{"bob@example.com"}, Level: 1})
	srv.AddSchedule("PDATA01", shifts...)

	got, err := pd.OnCall(context.Background(), tm, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []team.Person{tm.People[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("OnCall = %+v, want bob from the last page", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("fake saw %d requests, want 3 pages", len(reqs))
	}
	for i, q := range reqs {
		if want := fmt.Sprint(i * 100); q.Get("offset") != want || q.Get("limit") != "100" {
			t.Errorf("page %d: limit %q offset %q, want 100 and %s", i, q.Get("limit"), q.Get("offset"), want)
		}
	}
}

func TestPagerDutyErrors(t *testing.T) {
	tests := []struct {
		name         string
		token        string
		schedule     string
		fail         int // HTTP status of an injected failure
		retryable    bool
		wantType     string
		wantDelay    time.Duration
		wantMessages []string
	}{
		{name: "wrong token", token: "wrong-token", schedule: "PDATA01",
			wantType: "PagerDutyUnauthorized", wantMessages: []string{`"data"`, `"PDATA01"`, "PAGERDUTY_API_TOKEN", "HTTP 401", "Authentication failed"}},
		{name: "token without access", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusForbidden,
			wantType: "PagerDutyUnauthorized", wantMessages: []string{`"data"`, "PAGERDUTY_API_TOKEN", "HTTP 403"}},
		{name: "unknown schedule", token: fakepagerduty.Token, schedule: "PNOPE99",
			wantType: "PagerDutyScheduleNotFound", wantMessages: []string{`"data"`, `"PNOPE99"`, "pager.pagerduty_schedule", "HTTP 400", "Invalid Input Provided"}},
		{name: "HTTP 404", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusNotFound,
			wantType: "PagerDutyScheduleNotFound", wantMessages: []string{`"PDATA01"`, "pager.pagerduty_schedule"}},
		{name: "HTTP 503 from in front of the API", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusServiceUnavailable,
			retryable: true, wantMessages: []string{`"data"`, `"PDATA01"`, "HTTP 503"}},
		{name: "HTTP 500", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusInternalServerError,
			retryable: true, wantMessages: []string{"HTTP 500", "internal error"}},
		{name: "HTTP 408", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusRequestTimeout,
			retryable: true, wantMessages: []string{"HTTP 408"}},
		{name: "HTTP 429 waits for ratelimit-reset", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusTooManyRequests,
			retryable: true, wantDelay: time.Second, wantMessages: []string{"HTTP 429", "Rate Limit Exceeded"}},
		{name: "HTTP 402", token: fakepagerduty.Token, schedule: "PDATA01", fail: http.StatusPaymentRequired,
			wantType: "PagerDutyError", wantMessages: []string{"HTTP 402"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, pd := newPagerDuty(t, tt.token)
			srv.AddSchedule("PDATA01")
			if tt.fail != 0 {
				srv.FailNext(1, tt.fail)
			}
			tm := pagerDutyTeam()
			tm.Pager.PagerDutySchedule = tt.schedule

			_, err := pd.OnCall(context.Background(), tm, time.Now())
			ae := activitytest.RequireOutcome(t, err, tt.retryable, tt.wantType, tt.wantMessages...)
			if tt.retryable && tt.wantDelay != 0 && (ae == nil || ae.NextRetryDelay() != tt.wantDelay) {
				t.Errorf("error %v: next retry delay is not %s", err, tt.wantDelay)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q gives the token away", err)
			}
			// Temporal owns retries: the client must not have retried.
			if n := srv.Count(); n != 1 {
				t.Errorf("fake saw %d requests, want exactly 1", n)
			}
		})
	}
}

func TestPagerDutyRetryAfterWins(t *testing.T) {
	// A proxy in front of PagerDuty may answer 429 with Retry-After.
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("ratelimit-reset", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	_, err = pagerduty.NewPagerDuty("token", "http://"+l.Addr().String()).OnCall(context.Background(), pagerDutyTeam(), time.Now())
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.NonRetryable() || ae.NextRetryDelay() != 7*time.Second {
		t.Fatalf("error %v: want retryable, after 7s", err)
	}
}

func TestPagerDutyTimeoutIsRetryable(t *testing.T) {
	// A PagerDuty that takes the connection and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = pagerduty.NewPagerDuty(fakepagerduty.Token, "http://"+l.Addr().String()).OnCall(ctx, pagerDutyTeam(), time.Now())
	if err == nil {
		t.Fatal("want an error")
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.NonRetryable() {
		t.Errorf("error %v is non-retryable, want retryable", err)
	}
	if !strings.Contains(err.Error(), `"PDATA01"`) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q: want the schedule and the deadline", err)
	}
}

func TestPagerDutyFakeRefusesAWrongAccept(t *testing.T) {
	srv := fakepagerduty.New(t)
	srv.AddSchedule("PDATA01")
	for _, accept := range []string{"", "application/json", "application/vnd.pagerduty+json;version=1"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/oncalls?schedule_ids[]=PDATA01", nil)
		req.Header.Set("Authorization", "Token token="+fakepagerduty.Token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("Accept %q: %s, want 406", accept, resp.Status)
		}
	}
}
