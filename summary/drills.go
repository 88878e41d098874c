package summary

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DrillRun is one drill of the shift, as the summary lists it: apart
// from the incidents, whose figures it never enters.
type DrillRun struct {
	WorkflowID string    `json:"workflow_id"`
	Severity   string    `json:"severity"`
	Triggered  time.Time `json:"triggered"`
	// OnCall were paged.
	OnCall []string `json:"on_call"`
	// AcknowledgedBy is empty while nobody has answered.
	AcknowledgedBy string `json:"acknowledged_by,omitempty"`
	// AcknowledgedVia is how the answer came (an AckVia constant).
	AcknowledgedVia string `json:"acknowledged_via,omitempty"`
	AckSeconds      int64  `json:"ack_seconds,omitempty"`
	AckTime         string `json:"ack_time,omitempty"`
	// Reached are the escalation steps that went out before the answer;
	// NotNeeded those the answer made unnecessary.
	Reached   []string `json:"reached"`
	NotNeeded []string `json:"not_needed"`
	Link      string   `json:"link,omitempty"`
}

// splitDrills parts the drills from the incidents, keeping each in order.
func splitDrills(incs []Record) (incidents, drills []Record) {
	for _, inc := range incs {
		if inc.Drill != nil {
			drills = append(drills, inc)
		} else {
			incidents = append(incidents, inc)
		}
	}
	return incidents, drills
}

// drillRuns lists the shift's drills, oldest first.
func drillRuns(drills []Record, link func(wid, rid string) string) []DrillRun {
	out := make([]DrillRun, 0, len(drills))
	for _, d := range drills {
		reached := min(d.EscalationStep, len(d.Drill.Steps))
		run := DrillRun{
			WorkflowID: d.WorkflowID, Severity: d.Severity, Triggered: d.Triggered,
			OnCall:         append([]string{}, d.OnCall...),
			AcknowledgedBy: d.AcknowledgedBy, AcknowledgedVia: d.AcknowledgedVia,
			Reached: slices.Clone(d.Drill.Steps[:reached]), NotNeeded: []string{},
			Link: link(d.WorkflowID, d.RunID),
		}
		if !d.Acknowledged.IsZero() {
			ack := max(d.Acknowledged.Sub(d.Triggered), 0)
			run.AckSeconds, run.AckTime = seconds(ack), HumanDuration(ack)
			run.NotNeeded = slices.Clone(d.Drill.Steps[reached:])
		}
		out = append(out, run)
	}
	slices.SortFunc(out, func(a, b DrillRun) int {
		return cmp.Or(a.Triggered.Compare(b.Triggered), strings.Compare(a.WorkflowID, b.WorkflowID))
	})
	return out
}

// viaWords say how an answer came, as a person reads it.
var viaWords = map[string]string{
	AckViaSMS: "SMS reply", AckViaCall: "call keypress", AckViaSlack: "Slack button",
	AckViaCLI: "the starter", AckViaOpsgenie: "Opsgenie", "phone": "phone",
}

// stepWords name an escalation step, as a person reads it.
var stepWords = map[string]string{
	"sms": "the SMS", "call": "the call", "sms_secondary": "the secondary's SMS", "call_secondary": "the secondary's call",
}

// sentence is the drill's line: "carol acknowledged by SMS reply after
// 2m10s; the call was not needed".
func (d DrillRun) sentence(st style) string {
	if d.AcknowledgedBy == "" {
		who := "nobody"
		if len(d.OnCall) > 0 {
			who = texts(st, d.OnCall)
		}
		reached := "no step went out"
		if len(d.Reached) > 0 {
			reached = "reached: " + stepList(d.Reached)
		}
		return fmt.Sprintf("nobody acknowledged (%s paged; %s)", who, reached)
	}
	via := cmp.Or(viaWords[d.AcknowledgedVia], d.AcknowledgedVia, "an unknown way")
	s := fmt.Sprintf("%s acknowledged by %s after %s", st.text(d.AcknowledgedBy), st.text(via), d.AckTime)
	switch len(d.NotNeeded) {
	case 0:
	case 1:
		s += "; " + stepList(d.NotNeeded) + " was not needed"
	default:
		s += "; " + stepList(d.NotNeeded) + " were not needed"
	}
	return s
}

// stepList names steps: "the SMS", "the call and the secondary's SMS".
func stepList(steps []string) string {
	words := make([]string, len(steps))
	for i, s := range steps {
		words[i] = cmp.Or(stepWords[s], s)
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
