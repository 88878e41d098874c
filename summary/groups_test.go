package summary

import (
	"strings"
	"testing"
	"time"
)

// The summary counts the grouped alerts, the storms and the label groups
// they were in, each group once.
func TestGroupedAlertsAndTheirGroupsAreCounted(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	rec := func(id, group string, storm bool) Record {
		return Record{WorkflowID: id, Incident: Incident{
			Team: "data", Severity: "high", Summary: id, Triggered: start.Add(time.Hour), Deliveries: 1,
			Grouped: group, GroupedInStorm: storm,
		}}
	}
	r := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}, Incidents: []Record{
		rec("a", "storm-data/1", true), rec("b", "storm-data/1", true), rec("c", "storm-data/4", true),
		rec("d", "storm-data/2", false), rec("e", "", false),
	}})
	if want := (GroupStats{Alerts: 4, Storms: 2, Groups: 1}); r.Grouped != want {
		t.Errorf("grouped %+v, want %+v", r.Grouped, want)
	}
	if text := r.Text(); !strings.Contains(text, "Grouped in the channel: 4 alerts, in 2 storms and 1 label group") {
		t.Errorf("the text does not count the groups:\n%s", text)
	}
	if empty := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}}); strings.Contains(empty.Text(), "Grouped") {
		t.Error("a shift without groups mentions them")
	}
}

// The summary lists what each silence held back, and what still paged
// when it ended.
func TestWhatSilencesHeldBackIsListed(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	rec := func(id, silence string, paged bool) Record {
		return Record{WorkflowID: id, Incident: Incident{
			Team: "data", Severity: "high", Summary: id, Triggered: start.Add(time.Hour), Deliveries: 1, Paged: paged,
			Silenced: silence, SilenceNote: map[string]string{"s1": "warehouse <migration>"}[silence],
		}}
	}
	r := Compute(Input{Team: testTeam, Shift: Shift{Start: start, End: start.AddDate(0, 0, 7)}, Incidents: []Record{
		rec("a", "s1", false), rec("b", "s1", true), rec("c", "s1", false), rec("d", "s2", false), rec("e", "", true),
	}})
	want := []SilenceHeld{{Silence: "s1", Note: "warehouse <migration>", Alerts: 3, PagedAfter: 1}, {Silence: "s2", Alerts: 1}}
	if len(r.Silenced) != 2 || r.Silenced[0] != want[0] || r.Silenced[1] != want[1] {
		t.Errorf("silenced %+v, want %+v", r.Silenced, want)
	}
	if text := r.Text(); !strings.Contains(text, "Held back by silences: 4 alerts; s1 warehouse <migration> (3 alerts, 1 paged when it ended), s2 (1 alert)") {
		t.Errorf("the text does not list the silences:\n%s", text)
	}
	if text := Slack(r); !strings.Contains(text, "s1 warehouse &lt;migration&gt;") {
		t.Errorf("the note is not escaped in Slack:\n%s", text)
	}
}
