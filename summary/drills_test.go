package summary

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/texttest"
)

// handWeekDrills are two drills of the hand week: one answered by SMS
// reply before the call, one nobody answered.
func handWeekDrills(t testing.TB) []Record {
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(day, hh, mm, ss int) time.Time { return time.Date(2026, 11, day, hh, mm, ss, 0, berlin) }
	return []Record{
		{WorkflowID: "incident:payments:drill:b", RunID: "d2", Incident: Incident{
			Severity: "critical", Summary: "Drill", Paged: true, OnCall: []string{"bob"},
			Triggered: at(19, 15, 0, 0), Resolved: at(19, 15, 25, 0), EscalationStep: 2,
			Interruptions: []Interruption{page(at(19, 15, 0, 0), "bob"), {At: at(19, 15, 10, 0), Kind: KindSMS, Person: "bob"},
				{At: at(19, 15, 15, 0), Kind: KindCall, Person: "bob"}},
			Drill: &Drill{Steps: []string{"sms", "call"}}, Deliveries: 1,
		}},
		{WorkflowID: "incident:payments:drill:a", RunID: "d1", Incident: Incident{
			Severity: "critical", Summary: "Drill", Paged: true, OnCall: []string{"carol"},
			Triggered: at(18, 3, 0, 0), Acknowledged: at(18, 3, 2, 10), AcknowledgedBy: "carol", AcknowledgedVia: AckViaSMS,
			Resolved: at(18, 3, 2, 10), EscalationStep: 1,
			Interruptions: []Interruption{page(at(18, 3, 0, 0), "carol"), {At: at(18, 3, 1, 0), Kind: KindSMS, Person: "carol"}},
			Drill:         &Drill{Steps: []string{"sms", "call", "sms_secondary"}}, Deliveries: 1,
		}},
	}
}

// Drills enter no figure of the report: with them, it is the report
// without them but for its list of drills.
func TestDrillsAreListedApartAndCountedNowhere(t *testing.T) {
	in := handWeek(t)
	without := Compute(in)
	in.Incidents = append(in.Incidents, handWeekDrills(t)...)
	in.OpenRCAs = append(in.OpenRCAs, handWeekDrills(t)[0])
	with := Compute(in)

	if len(without.Drills) != 0 {
		t.Fatalf("drills in a week without: %+v", without.Drills)
	}
	drills := with.Drills
	with.Drills = without.Drills
	a, _ := json.Marshal(with)
	b, _ := json.Marshal(without)
	if string(a) != string(b) {
		t.Errorf("drills changed the report's figures:\nwith:    %s\nwithout: %s", a, b)
	}
	want := []DrillRun{
		{WorkflowID: "incident:payments:drill:a", Severity: "critical", Triggered: handWeekDrills(t)[1].Triggered, OnCall: []string{"carol"},
			AcknowledgedBy: "carol", AcknowledgedVia: AckViaSMS, AckSeconds: 130, AckTime: "2m10s",
			Reached: []string{"sms"}, NotNeeded: []string{"call", "sms_secondary"}, Link: "https://ui/incident:payments:drill:a/d1"},
		{WorkflowID: "incident:payments:drill:b", Severity: "critical", Triggered: handWeekDrills(t)[0].Triggered, OnCall: []string{"bob"},
			Reached: []string{"sms", "call"}, NotNeeded: []string{}, Link: "https://ui/incident:payments:drill:b/d2"},
	}
	if !reflect.DeepEqual(drills, want) {
		t.Errorf("drills:\n got %+v\nwant %+v", drills, want)
	}

	with.Drills = drills
	texttest.HoldsAll(t, "text", with.Text(),
		"Drills: 2, apart from the incidents\n",
		"  - drill incident:payments:drill:a, Wed 18 Nov 03:00: carol acknowledged by SMS reply after 2m10s; the call and the secondary's SMS were not needed\n",
		"  - drill incident:payments:drill:b, Thu 19 Nov 15:00: nobody acknowledged (bob paged; reached: the SMS and the call)\n",
	)
	texttest.HoldsAll(t, "Slack", Slack(with),
		"*Drills:* 2, apart from the incidents",
		"<https://ui/incident:payments:drill:a/d1|incident:payments:drill:a>",
	)
}
