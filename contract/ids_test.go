package contract

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The pair that shared one workflow ID under the dash scheme: team "data"
// with key "eng-x" and team "data-eng" with key "x".
func TestIncidentIDsOfCollidingTeamsDiffer(t *testing.T) {
	a, b := IncidentWorkflowID("data", "eng-x"), IncidentWorkflowID("data-eng", "x")
	if a == b {
		t.Fatalf("both are %q", a)
	}
	if LegacyIncidentWorkflowID("data", "eng-x") != LegacyIncidentWorkflowID("data-eng", "x") {
		t.Fatal("the legacy IDs should collide: that is the bug this scheme fixes")
	}
	for _, c := range []struct{ id, team, key string }{{a, "data", "eng-x"}, {b, "data-eng", "x"}} {
		got, err := ParseIncidentID(c.id)
		if err != nil || got != (IncidentID{Team: c.team, Key: c.key}) {
			t.Errorf("ParseIncidentID(%q) = %+v, %v; want team %q key %q", c.id, got, err, c.team, c.key)
		}
	}
}

func TestParseIncidentIDRefusesWhatNoTeamMade(t *testing.T) {
	for _, s := range []string{
		"", "incident:", "incident:data", "incident:data:", "incident::x",
		"incident:Data:x",         // team names are lower case
		"incident:data:a:b",       // a key has no colon
		"incident:data:has space", // nor a space: IncidentKey would hash it
		"incident-data-x",         // the old scheme
		"handover-data-2026-01-05T09:00:00Z",
		"Incident:data:x",
	} {
		if id, err := ParseIncidentID(s); !errors.Is(err, ErrNotIncidentID) {
			t.Errorf("ParseIncidentID(%q) = %+v, %v; want ErrNotIncidentID", s, id, err)
		}
	}
}

func TestLegacyIncidentIDs(t *testing.T) {
	if id := LegacyIncidentWorkflowID("data", "orders late"); !IsLegacyIncidentID(id) {
		t.Errorf("%q is a legacy ID", id)
	}
	for _, s := range []string{IncidentWorkflowID("data", "x"), "incident-", "roster-data", "incident-a b"} {
		if IsLegacyIncidentID(s) {
			t.Errorf("%q is not a legacy ID", s)
		}
	}
}

func FuzzIncidentIDRoundTrip(f *testing.F) {
	f.Add("data", "eng-x")
	f.Add("data-eng", "x")
	f.Add("d", "a:b")
	f.Add("team-1", strings.Repeat("k", 100))
	f.Fuzz(func(t *testing.T, team, key string) {
		id := IncidentWorkflowID(team, key)
		got, err := ParseIncidentID(id)
		if !ValidTeamName(team) {
			if err == nil {
				t.Fatalf("%q parsed for a team the file refuses: %+v", id, got)
			}
			return
		}
		if err != nil || got.Team != team || got.Key != IncidentKey(key) || got.String() != id {
			t.Fatalf("ParseIncidentID(%q) = %+v, %v", id, got, err)
		}
	})
}

func TestShiftIDsReadBack(t *testing.T) {
	at := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)
	for _, team := range []string{"data", "data-2026", "a"} {
		gotTeam, gotAt, err := ParseHandoverWorkflowID(HandoverWorkflowID(team, at.In(time.FixedZone("CEST", 7200))))
		if err != nil || gotTeam != team || !gotAt.Equal(at) {
			t.Errorf("handover of %q: %q %v %v", team, gotTeam, gotAt, err)
		}
		gotTeam, gotAt, err = ParseSummaryWorkflowID(SummaryWorkflowID(team, at))
		if err != nil || gotTeam != team || !gotAt.Equal(at) {
			t.Errorf("summary of %q: %q %v %v", team, gotTeam, gotAt, err)
		}
		if got, err := ParseRosterWorkflowID(RosterWorkflowID(team)); err != nil || got != team {
			t.Errorf("roster of %q: %q %v", team, got, err)
		}
		if got, err := ParseSilencesWorkflowID(SilencesWorkflowID(team)); err != nil || got != team {
			t.Errorf("ParseSilencesWorkflowID(SilencesWorkflowID(%q)) = %q, %v", team, got, err)
		}
		if got, err := ParseStormDeskWorkflowID(StormDeskWorkflowID(team)); err != nil || got != team {
			t.Errorf("storm desk of %q: %q %v", team, got, err)
		}
		if got, n, err := ParseStormGroupValue(StormGroupValue(team, 12)); err != nil || got != team || n != 12 {
			t.Errorf("storm group of %q: %q %d %v", team, got, n, err)
		}
	}
	for _, s := range []string{"handover-data", "handover--2026-03-30T07:00:00Z", "handover-data-2026-03-30T07:00:00+02:00", "summary-data-2026-03-30T07:00:00Z"} {
		if _, _, err := ParseHandoverWorkflowID(s); err == nil {
			t.Errorf("ParseHandoverWorkflowID(%q) took it", s)
		}
	}
	if got, err := ParsePageQuotaWorkflowID(PageQuotaWorkflowID("U0ALICE")); err != nil || got != "U0ALICE" {
		t.Errorf("page quota: %q %v", got, err)
	}
	if got, err := ParseTwilioReceiptWorkflowID(TwilioReceiptWorkflowID("SM0123")); err != nil || got != "SM0123" {
		t.Errorf("receipt: %q %v", got, err)
	}
	for _, v := range []string{"storm-data", "storm-data/0", "storm-data/01", "storm-data/1x", "storm-/1", "roster-data/1", "storm-data/-1"} {
		if _, _, err := ParseStormGroupValue(v); err == nil {
			t.Errorf("ParseStormGroupValue(%q) took it", v)
		}
	}
	if _, err := ParseRosterWorkflowID("roster-"); err == nil {
		t.Error("an empty roster team parsed")
	}

	// A phone line's ID gives away nothing of the number, differs by
	// number and by secret, and reads back.
	const number = "+4915100000001"
	key := PhoneLineKey([]byte("s3cret"), number)
	id := PhoneLineWorkflowID(key)
	if strings.Contains(id, "15100000001") || strings.Contains(id, "0001") {
		t.Errorf("the line's ID %q shows the number", id)
	}
	if got, err := ParsePhoneLineWorkflowID(id); err != nil || got != key {
		t.Errorf("phone line: %q %v", got, err)
	}
	if key == PhoneLineKey([]byte("s3cret"), "+4915100000002") || key == PhoneLineKey([]byte("other"), number) {
		t.Error("two numbers, or two secrets, share a line")
	}
	if _, err := ParsePhoneLineWorkflowID("phoneline-" + number); err == nil {
		t.Error("a number parsed as a line key")
	}
}

// A heartbeat's ID reads back to its team and name, whatever dots, dashes
// and underscores either holds; a name fit for no URL or a colon-split
// text is refused.
func TestHeartbeatIDsReadBack(t *testing.T) {
	for _, id := range []HeartbeatID{{"data", "orders_etl"}, {"data-eng", "x.y-z"}, {"a", "A1"}} {
		got, err := ParseHeartbeatID(id.String())
		if err != nil || got != id {
			t.Errorf("%+v: %+v %v", id, got, err)
		}
	}
	if a, b := (HeartbeatID{"data", "eng-x"}), (HeartbeatID{"data-eng", "x"}); a.String() == b.String() || a.Path() == b.Path() {
		t.Error("two teams' heartbeats share an ID or a path")
	}
	for _, s := range []string{"heartbeat:data", "heartbeat:data:", "heartbeat:Data:x", "heartbeat:data:a:b", "heartbeat:data:a/b", "incident:data:x"} {
		if _, err := ParseHeartbeatID(s); err == nil {
			t.Errorf("ParseHeartbeatID(%q) took it", s)
		}
	}
	for _, name := range []string{"", "a/b", "a b", "a:b", "-a", strings.Repeat("a", 101)} {
		if ValidProbeName(name) {
			t.Errorf("%q may name a heartbeat", name)
		}
	}
}

func TestCheckIDsReadBack(t *testing.T) {
	id := CheckID{Team: "data-eng", Name: "orders_fresh"}
	if got, err := ParseCheckID(id.String()); err != nil || got != id {
		t.Errorf("%+v: %+v %v", id, got, err)
	}
	if id.DedupKey() == id.CannotRunKey() || IncidentKey(id.CannotRunKey()) != id.CannotRunKey() {
		t.Error("a check's two incidents share a key, or a key is not fit for an ID")
	}
	for _, s := range []string{"check:data", "check:data:a:b", "heartbeat:data:x", "check:data:"} {
		if _, err := ParseCheckID(s); err == nil {
			t.Errorf("ParseCheckID(%q) took it", s)
		}
	}
}

func TestSupportIDsReadBack(t *testing.T) {
	for _, id := range []SupportID{
		{Team: "data", Channel: "C0SUPPORT", TS: "1700000000.000100"},
		{Team: "data-eng", Channel: "G01", TS: "1.2"},
		{Team: "data", Ask: "ask-20261207t100200-1a2b3c"},
	} {
		got, err := ParseSupportID(id.String())
		if err != nil || got != id {
			t.Errorf("%+v: %+v %v", id, got, err)
		}
	}
	if SupportMessageID("data", "C1", "1.2") != (SupportID{Team: "data", Channel: "C1", TS: "1.2"}).String() ||
		SupportAskID("data", "k1") != (SupportID{Team: "data", Ask: "k1"}).String() {
		t.Error("the constructors and String disagree")
	}
	for _, s := range []string{
		"support:data", "support:data:C1", "support:data:C1:1.2:3", "support:Data:C1:1.2", "support:data:c1:1.2",
		"support:data:C1:12", "support:data:ask:", "support:data:ask:A", "support:data:ask:a:b", "incident:data:C1:1.2",
	} {
		if _, err := ParseSupportID(s); err == nil {
			t.Errorf("ParseSupportID(%q) took it", s)
		}
	}
}

func TestADrillsIDIsNoAlertsAndReadsBack(t *testing.T) {
	id := DrillIncidentWorkflowID("data", "20261207T093000Z")
	if id != "incident:data:drill:20261207T093000Z" {
		t.Fatalf("drill ID %q", id)
	}
	got, err := ParseIncidentID(id)
	if err != nil || got.Team != "data" || !got.Drill() {
		t.Fatalf("ParseIncidentID(%q) = %+v, %v", id, got, err)
	}
	// No dedup key, however written, names the drill's incident.
	for _, key := range []string{"drill:20261207T093000Z", "drill-20261207T093000Z", "20261207T093000Z"} {
		if real := IncidentWorkflowID("data", key); real == id {
			t.Errorf("dedup key %q names the drill %s", key, id)
		} else if inc, _ := ParseIncidentID(real); inc.Drill() {
			t.Errorf("dedup key %q makes a drill's ID %s", key, real)
		}
	}
	for _, bad := range []string{"incident:data:drill:", "incident:data:drill:a:b", "incident:data:drill:a b"} {
		if _, err := ParseIncidentID(bad); err == nil {
			t.Errorf("ParseIncidentID(%q) took it", bad)
		}
	}
}

func TestADrillScheduleIDReadsBack(t *testing.T) {
	if team, err := ParseDrillScheduleID(DrillScheduleID("data-eng")); err != nil || team != "data-eng" {
		t.Errorf("drill schedule of data-eng: %q %v", team, err)
	}
	for _, bad := range []string{"drills-", "drills-Data", "handover-data", "drills-data:x"} {
		if _, err := ParseDrillScheduleID(bad); err == nil {
			t.Errorf("ParseDrillScheduleID(%q) took it", bad)
		}
	}
}
