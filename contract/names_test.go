package contract

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestButtonValuesReadBack(t *testing.T) {
	if a, ok := ParseIncidentButtonID(IncidentButtonID("ack")); !ok || a != "ack" {
		t.Errorf("incident button: %q %v", a, ok)
	}
	for _, id := range []string{"incident.", "roster.cover.take", "ack"} {
		if a, ok := ParseIncidentButtonID(id); ok {
			t.Errorf("%q read as the incident button of %q", id, a)
		}
	}

	if team, id, err := ParseRequestButtonValue(RequestButtonValue("data-eng", "c12")); err != nil || team != "data-eng" || id != "c12" {
		t.Errorf("request button: %q %q %v", team, id, err)
	}
	for _, v := range []string{"", "data", "data/", "/c1"} {
		if _, _, err := ParseRequestButtonValue(v); err == nil {
			t.Errorf("request button value %q taken", v)
		}
	}

	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	team, s, e, err := ParseNeedCoverValue(NeedCoverValue("data", start, start.AddDate(0, 0, 7)))
	if err != nil || team != "data" || !s.Equal(start) || !e.Equal(start.AddDate(0, 0, 7)) {
		t.Errorf("need cover: %q %s %s %v", team, s, e, err)
	}
	for _, v := range []string{"data/1/2/3", "data/x/2", "data/1/y", "/1/2"} {
		if _, _, _, err := ParseNeedCoverValue(v); err == nil {
			t.Errorf("need cover value %q taken", v)
		}
	}
}

func TestVoiceKeysReadBack(t *testing.T) {
	for _, k := range []VoiceKeys{
		{Incident: "incident:data:fp1", Run: "run-1", Round: 2, Person: "alice"},
		{Incident: "incident:data:fp1", Run: "run-1", Round: 0, Person: "alice"},
		{Handover: "handover-data-2026-11-30T08:00:00Z", Round: -1, Person: "bob"},
	} {
		raw := VoiceKeysURL("https://baton.example.com", k)
		u, err := url.Parse(raw)
		if err != nil || !strings.HasPrefix(raw, "https://baton.example.com"+VoicePath+"?") {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := ParseVoiceKeys(u.Query()); got != k {
			t.Errorf("%s read back as %+v, want %+v", raw, got, k)
		}
	}
	// A URL from before calls named their round.
	if k := ParseVoiceKeys(url.Values{"incident": {"incident-data-fp1"}, "person": {"alice"}}); k.Round != -1 || k.Run != "" {
		t.Errorf("an old URL read as %+v", k)
	}
}
