package pager_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/team"
)

// rotationTeam rotates alice, bob, carol weekly from Monday 19 Oct 2026
// 09:00 Berlin time. Summer time ends on Sunday 25 Oct, inside the first
// shift.
func rotationTeam() team.Team {
	return team.Team{
		Name:     "data",
		TimeZone: "Europe/Berlin",
		Pager: team.Pager{Rotation: &team.Rotation{
			Members: []string{"alice", "bob", "carol"}, Shift: "1w", Start: "2026-10-19T09:00",
		}},
		People: []team.Person{
			{ID: "alice", Email: "alice@example.com"},
			{ID: "bob", Email: "bob@example.com"},
			{ID: "carol", Email: "carol@example.com"},
		},
	}
}

func TestRotationOnCall(t *testing.T) {
	tm := rotationTeam()
	tests := []struct {
		name string
		at   string // RFC 3339
		want string // person ID; "" for nobody
	}{
		{name: "before the first handover", at: "2026-10-19T06:59:59Z"},
		{name: "first handover, summer time", at: "2026-10-19T07:00:00Z", want: "alice"},
		{name: "08:30 local after summer time ends", at: "2026-10-26T07:30:00Z", want: "alice"},
		{name: "09:00 local after summer time ends", at: "2026-10-26T08:00:00Z", want: "bob"},
		{name: "third week", at: "2026-11-02T08:00:00Z", want: "carol"},
		{name: "wraps around", at: "2026-11-09T08:00:00Z", want: "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pager.Rotation{}.OnCall(context.Background(), tm, at)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("on call: %v, want nobody", ids)
				}
				return
			}
			if len(got) != 1 || got[0].ID != tt.want || got[0].Email != tt.want+"@example.com" {
				t.Errorf("on call: %+v, want %s", got, tt.want)
			}
		})
	}
}

func TestRotationBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(*team.Team)
		want   string
	}{
		{name: "member not among people", change: func(tm *team.Team) { tm.People = tm.People[1:] }, want: `"alice"`},
		{name: "bad time zone", change: func(tm *team.Team) { tm.TimeZone = "Mars/Olympus" }, want: "Mars/Olympus"},
		{name: "bad shift", change: func(tm *team.Team) { tm.Pager.Rotation.Shift = "fortnight" }, want: "fortnight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := rotationTeam()
			tt.change(&tm)
			_, err := pager.Rotation{}.OnCall(context.Background(), tm, time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC))
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) || !ae.NonRetryable() || ae.Type() != "BadTeamConfig" {
				t.Fatalf("error = %v, want a non-retryable BadTeamConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %s", err, tt.want)
			}
		})
	}
}

// stubPager stands in for Opsgenie where only its identity matters.
type stubPager struct{}

func (*stubPager) OnCall(context.Context, team.Team, time.Time) ([]team.Person, error) {
	return nil, nil
}

func TestForTeam(t *testing.T) {
	og := &stubPager{}

	p, err := pager.Vendors{Opsgenie: og}.ForTeam(rotationTeam())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(pager.Rotation); !ok {
		t.Errorf("rotation team got pager %T, want Rotation", p)
	}

	opsTeam := team.Team{Name: "data", Pager: team.Pager{OpsgenieSchedule: "Data On-Call"}}
	p, err = pager.Vendors{Opsgenie: og}.ForTeam(opsTeam)
	if err != nil {
		t.Fatal(err)
	}
	if p != pager.Pager(og) {
		t.Errorf("Opsgenie team got pager %v, want the Opsgenie pager", p)
	}

	_, err = pager.Vendors{}.ForTeam(opsTeam)
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !ae.NonRetryable() {
		t.Fatalf("error = %v, want non-retryable", err)
	}
	for _, w := range []string{"OPSGENIE_API_KEY", `"data"`, `"Data On-Call"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
}

func TestVendorsForTeam(t *testing.T) {
	og, pd := &stubPager{}, &stubPager{}
	vendors := pager.Vendors{Opsgenie: og, PagerDuty: pd}

	if p, err := vendors.ForTeam(rotationTeam()); err != nil || p != pager.Pager(pager.Rotation{}) {
		t.Errorf("rotation team got %T, %v; want Rotation", p, err)
	}
	pdTeam := team.Team{Name: "data", Pager: team.Pager{PagerDutySchedule: "PDATA01"}}
	if p, err := vendors.ForTeam(pdTeam); err != nil || p != pager.Pager(pd) {
		t.Errorf("PagerDuty team got %v, %v; want the PagerDuty pager", p, err)
	}
	opsTeam := team.Team{Name: "data", Pager: team.Pager{OpsgenieSchedule: "Data On-Call"}}
	if p, err := vendors.ForTeam(opsTeam); err != nil || p != pager.Pager(og) {
		t.Errorf("Opsgenie team got %v, %v; want the Opsgenie pager", p, err)
	}

	for _, tc := range []struct {
		name    string
		vendors pager.Vendors
		team    team.Team
		typ     string
		want    []string
	}{
		{"PagerDuty without a token", pager.Vendors{Opsgenie: og}, pdTeam, "PagerDutyNotConfigured", []string{"PAGERDUTY_API_TOKEN", `"data"`, `"PDATA01"`}},
		{"Opsgenie without a key", pager.Vendors{PagerDuty: pd}, opsTeam, "OpsgenieNotConfigured", []string{"OPSGENIE_API_KEY", `"data"`, `"Data On-Call"`}},
		{"no pager at all", vendors, team.Team{Name: "data"}, "BadTeamConfig", []string{`"data"`, "pagerduty_schedule"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.vendors.ForTeam(tc.team)
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) || !ae.NonRetryable() || ae.Type() != tc.typ {
				t.Fatalf("error = %v, want a non-retryable %s", err, tc.typ)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}

	// A PagerDuty team with only Opsgenie configured names the variable.
	if _, err := (pager.Vendors{Opsgenie: og}).ForTeam(pdTeam); err == nil || !strings.Contains(err.Error(), "PAGERDUTY_API_TOKEN") {
		t.Errorf("ForTeam(PagerDuty team) with Opsgenie only = %v, want PAGERDUTY_API_TOKEN not set", err)
	}
}
