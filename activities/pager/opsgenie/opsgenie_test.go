package opsgenie_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/pager/opsgenie"
	"github.com/baton-oncall/baton/internal/activitytest"
	"github.com/baton-oncall/baton/internal/fakeopsgenie"
	"github.com/baton-oncall/baton/team"
)

// opsgenieTeam reads its pager from the schedule "Data On-Call"; the space
// checks that the name travels escaped in the path.
func opsgenieTeam() team.Team {
	return team.Team{
		Name:     "data",
		TimeZone: "Europe/Berlin",
		Pager:    team.Pager{OpsgenieSchedule: "Data On-Call"},
		People: []team.Person{
			{ID: "alice", Name: "Alice", Email: "Alice@Example.com", SlackID: "U0ALICE"},
			{ID: "bob", Name: "Bob", Email: "bob@example.com"},
		},
	}
}

func newOpsgenie(t *testing.T, key string) (*fakeopsgenie.Server, *opsgenie.Opsgenie) {
	t.Helper()
	srv := fakeopsgenie.New(t)
	og, err := opsgenie.NewOpsgenie(key, srv.Host())
	if err != nil {
		t.Fatal(err)
	}
	return srv, og
}

func TestOpsgenieOnCall(t *testing.T) {
	srv, og := newOpsgenie(t, fakeopsgenie.APIKey)
	tm := opsgenieTeam()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Shifts hand over at 09:00 Berlin time, 07:00 UTC in summer time.
	t0 := time.Date(2026, 10, 12, 9, 0, 0, 0, berlin)
	t1 := t0.AddDate(0, 0, 7)
	t2 := t1.AddDate(0, 0, 7)
	srv.AddSchedule("Data On-Call",
		fakeopsgenie.Shift{From: t0, To: t1, Emails: []string{"alice@example.com"}},
		fakeopsgenie.Shift{From: t1, To: t2, Emails: []string{"BOB@example.com", "contractor@elsewhere.com"}},
	)
	alice, bob := tm.People[0], tm.People[1]

	tests := []struct {
		name string
		at   time.Time
		want []team.Person
	}{
		{name: "start of a shift", at: t0, want: []team.Person{alice}},
		{name: "last millisecond of a shift", at: t1.Add(-time.Millisecond), want: []team.Person{alice}},
		{name: "two people, one not in the team", at: t1, want: []team.Person{
			bob, {ID: "contractor@elsewhere.com", Email: "contractor@elsewhere.com"},
		}},
		{name: "nobody", at: t2, want: []team.Person{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := og.OnCall(context.Background(), tm, tt.at)
			if err != nil {
				t.Fatal(err)
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
			if want := tt.at.UTC().Format("2006-01-02T15:04:05.000Z"); q.Get("date") != want {
				t.Errorf("date = %q, want %q", q.Get("date"), want)
			}
			if q.Get("flat") != "true" || q.Get("scheduleIdentifierType") != "name" {
				t.Errorf("query = %v, want flat=true and scheduleIdentifierType=name", q)
			}
		})
	}
}

func TestOpsgenieErrors(t *testing.T) {
	tests := []struct {
		name         string
		key          string
		schedule     string
		fail         int // HTTP status of an injected failure
		retryable    bool
		wantType     string
		wantMessages []string
	}{
		{name: "wrong key", key: "wrong-key", schedule: "Data On-Call",
			wantType: "OpsgenieUnauthorized", wantMessages: []string{`"data"`, `"Data On-Call"`, "OPSGENIE_API_KEY"}},
		{name: "unknown schedule", key: fakeopsgenie.APIKey, schedule: "Nope",
			wantType: "OpsgenieScheduleNotFound", wantMessages: []string{`"data"`, `"Nope"`}},
		{name: "HTTP 500", key: fakeopsgenie.APIKey, schedule: "Data On-Call", fail: http.StatusInternalServerError,
			retryable: true, wantMessages: []string{`"data"`, "HTTP 500"}},
		{name: "HTTP 429", key: fakeopsgenie.APIKey, schedule: "Data On-Call", fail: http.StatusTooManyRequests,
			retryable: true, wantMessages: []string{"HTTP 429"}},
		{name: "HTTP 400", key: fakeopsgenie.APIKey, schedule: "Data On-Call", fail: http.StatusBadRequest,
			wantType: "OpsgenieError", wantMessages: []string{"HTTP 400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, og := newOpsgenie(t, tt.key)
			srv.AddSchedule("Data On-Call")
			if tt.fail != 0 {
				srv.FailNext(1, tt.fail)
			}
			tm := opsgenieTeam()
			tm.Pager.OpsgenieSchedule = tt.schedule

			_, err := og.OnCall(context.Background(), tm, time.Now())
			activitytest.RequireOutcome(t, err, tt.retryable, tt.wantType, tt.wantMessages...)
			// Temporal owns retries: the SDK must not have retried.
			if n := srv.Count(); n != 1 {
				t.Errorf("fake saw %d requests, want exactly 1", n)
			}
		})
	}
}
