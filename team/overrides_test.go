package team

import (
	"strings"
	"testing"
	"time"
)

func rotationTeam(zone, start string, members ...string) Team {
	t := Team{
		Name: "data", TimeZone: zone,
		Pager:    Pager{Rotation: &Rotation{Members: members, Shift: "1w", Start: start}},
		Handover: HandoverTime{Weekday: "monday", Time: "09:00"},
	}
	for _, m := range append(members, "carol") {
		t.People = append(t.People, Person{ID: m})
	}
	return t
}

func at(t *testing.T, zone, local string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02T15:04", local, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// render writes segments as "person from→to [override]" in the zone.
func render(t *testing.T, zone string, segs []Segment) string {
	loc, _ := time.LoadLocation(zone)
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Person + " " + s.From.In(loc).Format("Mon 2 Jan 15:04 MST") + "→" + s.To.In(loc).Format("Mon 2 Jan 15:04 MST"))
		if s.Override != "" {
			b.WriteString(" [" + s.Override + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestScheduleWithOverrides(t *testing.T) {
	const berlin = "Europe/Berlin"
	tm := rotationTeam(berlin, "2026-11-30T09:00", "alice", "bob")
	for _, tc := range []struct {
		name      string
		team      Team
		zone      string
		overrides []Override
		from, to  string
		want      string
	}{
		{
			name: "two evenings covered mid-week", team: tm, zone: berlin,
			overrides: []Override{
				{ID: "o1", Person: "carol", From: at(t, berlin, "2026-12-08T18:00"), To: at(t, berlin, "2026-12-09T09:00")},
				{ID: "o2", Person: "carol", From: at(t, berlin, "2026-12-10T18:00"), To: at(t, berlin, "2026-12-11T09:00")},
			},
			from: "2026-12-07T09:00", to: "2026-12-14T09:00",
			want: "bob Mon 7 Dec 09:00 CET→Tue 8 Dec 18:00 CET\n" +
				"carol Tue 8 Dec 18:00 CET→Wed 9 Dec 09:00 CET [o1]\n" +
				"bob Wed 9 Dec 09:00 CET→Thu 10 Dec 18:00 CET\n" +
				"carol Thu 10 Dec 18:00 CET→Fri 11 Dec 09:00 CET [o2]\n" +
				"bob Fri 11 Dec 09:00 CET→Mon 14 Dec 09:00 CET\n",
		},
		{
			name: "an override across the handover is one stretch", team: tm, zone: berlin,
			overrides: []Override{{ID: "o3", Person: "carol", From: at(t, berlin, "2026-12-13T18:00"), To: at(t, berlin, "2026-12-14T12:00")}},
			from:      "2026-12-13T00:00", to: "2026-12-15T00:00",
			want: "bob Sun 13 Dec 00:00 CET→Sun 13 Dec 18:00 CET\n" +
				"carol Sun 13 Dec 18:00 CET→Mon 14 Dec 12:00 CET [o3]\n" +
				"alice Mon 14 Dec 12:00 CET→Tue 15 Dec 00:00 CET\n",
		},
		{
			name: "an override of the holder's own shift still shows as an override", team: tm, zone: berlin,
			overrides: []Override{{ID: "o4", Person: "bob", From: at(t, berlin, "2026-12-14T09:00"), To: at(t, berlin, "2026-12-14T10:00")}},
			from:      "2026-12-14T08:00", to: "2026-12-14T11:00",
			want: "bob Mon 14 Dec 08:00 CET→Mon 14 Dec 09:00 CET\n" +
				"bob Mon 14 Dec 09:00 CET→Mon 14 Dec 10:00 CET [o4]\n" +
				"alice Mon 14 Dec 10:00 CET→Mon 14 Dec 11:00 CET\n",
		},
		{
			name: "across the spring DST change", team: rotationTeam(berlin, "2027-03-22T09:00", "alice", "bob"), zone: berlin,
			overrides: []Override{{ID: "o5", Person: "carol", From: at(t, berlin, "2027-03-28T01:00"), To: at(t, berlin, "2027-03-28T04:00")}},
			from:      "2027-03-27T09:00", to: "2027-03-29T10:00",
			// 01:00 CET to 04:00 CEST is two real hours; the handover stays at 09:00 local.
			want: "alice Sat 27 Mar 09:00 CET→Sun 28 Mar 01:00 CET\n" +
				"carol Sun 28 Mar 01:00 CET→Sun 28 Mar 04:00 CEST [o5]\n" +
				"alice Sun 28 Mar 04:00 CEST→Mon 29 Mar 09:00 CEST\n" +
				"bob Mon 29 Mar 09:00 CEST→Mon 29 Mar 10:00 CEST\n",
		},
		{
			name: "zones far apart: an Auckland team, an override given in Los Angeles time",
			team: rotationTeam("Pacific/Auckland", "2026-11-30T09:00", "alice", "bob"), zone: "Pacific/Auckland",
			overrides: []Override{{ID: "o6", Person: "carol",
				From: at(t, "America/Los_Angeles", "2026-12-07T12:00"), To: at(t, "America/Los_Angeles", "2026-12-07T18:00")}},
			from: "2026-12-08T08:00", to: "2026-12-08T16:00",
			// Noon in Los Angeles is 09:00 the next day in Auckland (NZDT, UTC+13).
			want: "bob Tue 8 Dec 08:00 NZDT→Tue 8 Dec 09:00 NZDT\n" +
				"carol Tue 8 Dec 09:00 NZDT→Tue 8 Dec 15:00 NZDT [o6]\n" +
				"bob Tue 8 Dec 15:00 NZDT→Tue 8 Dec 16:00 NZDT\n",
		},
		{
			name: "before the rotation's first shift nobody holds it", team: tm, zone: berlin,
			from: "2026-11-29T09:00", to: "2026-11-30T10:00",
			want: "alice Mon 30 Nov 09:00 CET→Mon 30 Nov 10:00 CET\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs, err := tc.team.Schedule(tc.overrides, at(t, tc.zone, tc.from), at(t, tc.zone, tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(t, tc.zone, segs); got != tc.want {
				t.Errorf("got:\n%swant:\n%s", render(t, tc.zone, segs), tc.want)
			}
		})
	}
}

func TestCheckOverride(t *testing.T) {
	const berlin = "Europe/Berlin"
	tm := rotationTeam(berlin, "2026-11-30T09:00", "alice", "bob")
	existing := []Override{{ID: "o1", Person: "carol", From: at(t, berlin, "2026-12-08T18:00"), To: at(t, berlin, "2026-12-09T09:00")}}
	for _, tc := range []struct {
		name string
		o    Override
		want string
	}{
		{"not in the team", Override{Person: "mallory", From: at(t, berlin, "2026-12-10T18:00"), To: at(t, berlin, "2026-12-10T20:00")}, `"mallory" is not a person of team "data"`},
		{"ends before it starts", Override{Person: "carol", From: at(t, berlin, "2026-12-10T18:00"), To: at(t, berlin, "2026-12-10T17:00")}, "ends before it starts"},
		{"empty", Override{Person: "carol", From: at(t, berlin, "2026-12-10T18:00"), To: at(t, berlin, "2026-12-10T18:00")}, "ends before it starts"},
		{"overlaps", Override{Person: "alice", From: at(t, berlin, "2026-12-09T08:00"), To: at(t, berlin, "2026-12-09T10:00")}, "overlaps override o1 (carol"},
		{"adjacent is fine", Override{Person: "alice", From: at(t, berlin, "2026-12-09T09:00"), To: at(t, berlin, "2026-12-09T10:00")}, ""},
	} {
		err := tm.CheckOverride(tc.o, existing)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	ext := tm
	ext.Pager = Pager{OpsgenieSchedule: "data_schedule"}
	if err := ext.CheckOverride(existing[0], nil); err == nil || !strings.Contains(err.Error(), "add the override there") {
		t.Errorf("external pager: %v", err)
	}
}
