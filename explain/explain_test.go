package explain

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/workflows"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// night is 03:12 in Berlin: the page of the status below.
var night = time.Date(2026, 11, 25, 3, 12, 0, 0, berlin)

// escalated is an incident paged at 03:12, escalated to an SMS (held on
// alice's phone line, then sent as one with another page) and a call,
// acknowledged by a key press in the call; the secondary's step was not
// needed.
func escalated() workflows.IncidentStatus {
	min := func(m int) time.Time { return night.Add(time.Duration(m) * time.Minute) }
	return workflows.IncidentStatus{
		WorkflowID: "incident:data:fp1", State: workflows.StateAcknowledged,
		Alert:   workflows.Alert{Summary: "orders_daily DAG failed", Severity: workflows.SeverityHigh, Service: "airflow", AlertName: "DagFailed", Source: workflows.SourceAlertmanager},
		Summary: summary.Incident{Triggered: night, Acknowledged: min(16), Deliveries: 3, OnCall: []string{"alice"}},
		Why: &workflows.Why{
			TimeZone: "Europe/Berlin", OnCall: []string{"alice"}, Secondary: []string{"bob"}, Source: "the pager",
			Trail: workflows.Trail{
				Paging:    "severity high pages: it is one of the team's page_severities (critical, high)",
				OnCall:    "the pager: override o3 for alice, Wed 25 Nov 00:00 CET to Wed 25 Nov 08:00 CET, set by carol: swap",
				Secondary: "the team's incidents.secondary",
				Policy:    "the team's policy for high: sms after 5m, call after 15m, sms_secondary after 30m",
				Steps: []workflows.StepRun{
					{Key: "r/step1", Step: 1, Action: "sms", Planned: min(5), At: min(5)},
					{Key: "r/step2", Step: 2, Action: "call", Planned: min(15), At: min(15)},
				},
				Rings: []workflows.Ring{
					{Step: "r/step1", Kind: "sms", Person: "alice", Planned: min(5), At: min(6).Add(5 * time.Second), Outcome: workflows.RingSent, Carried: []string{"incident:data:fp2"}},
					{Step: "r/step2", Kind: "call", Person: "alice", Planned: min(15), At: min(15), Outcome: workflows.RingSent},
				},
				Acts: []workflows.Act{{At: min(16), Action: workflows.ActionAck, By: "alice", Via: "phone"}},
			},
			Plan: []workflows.PlannedStep{
				{Step: 1, Action: "sms", At: min(5)}, {Step: 2, Action: "call", At: min(15)}, {Step: 3, Action: "sms_secondary", At: min(30)},
			},
			Next: 2,
		},
	}
}

func TestAnEscalatedIncidentIsExplained(t *testing.T) {
	got := Of(escalated()).Text()
	want := `incident:data:fp1: "orders_daily DAG failed", severity high, service airflow, alert DagFailed, from alertmanager.
Triggered Wed 25 Nov 03:12:00 CET; 3 deliveries; now acknowledged.
Why: severity high pages: it is one of the team's page_severities (critical, high).
On call: alice, from the pager: override o3 for alice, Wed 25 Nov 00:00 CET to Wed 25 Nov 08:00 CET, set by carol: swap.
Secondary: bob, as the team's incidents.secondary.
Policy: the team's policy for high: sms after 5m, call after 15m, sms_secondary after 30m.
Step 1 (sms): planned Wed 25 Nov 03:17:00 CET (+5m00s), ran Wed 25 Nov 03:17:00 CET.
  SMS to alice: held on their phone line (one SMS a minute per person), then sent Wed 25 Nov 03:18:05 CET, 1m05s after its step, as one with the pages of incident:data:fp2.
Step 2 (call): planned Wed 25 Nov 03:27:00 CET (+15m00s), ran Wed 25 Nov 03:27:00 CET.
  Call to alice: placed Wed 25 Nov 03:27:00 CET.
Step 3 (sms_secondary): planned Wed 25 Nov 03:42:00 CET (+30m00s): not needed: acknowledged before.
Acknowledged by alice via phone at Wed 25 Nov 03:28:00 CET (+16m00s).
`
	if got != want {
		t.Errorf("explanation:\n%s\nwant:\n%s", got, want)
	}
}

// An incident from before the trail says so, and explains what its
// status always held.
func TestAnIncidentBeforeTheTrailSaysSo(t *testing.T) {
	st := escalated()
	st.Why = nil
	x := Of(st)
	if x.Recorded {
		t.Error("an incident without a trail is explained as recorded")
	}
	got := x.Text()
	if !strings.Contains(got, "began before Baton recorded its reasons") || strings.Contains(got, "Step 1") {
		t.Errorf("explanation:\n%s", got)
	}
}

// Text from outside (the alert's summary, a note in an override) is
// data: in Slack it cannot mention, link or format.
func TestTheSlackExplanationEscapesWhatCameFromOutside(t *testing.T) {
	st := escalated()
	st.Alert.Summary = "<!channel> *boom* <https://evil.example|click>"
	st.Why.Trail.OnCall = "the pager: override o3 for alice, set by carol: <@U123> swap"
	got := Of(st).Slack()
	for _, bad := range []string{"<!channel>", "<https://evil.example|click>", "<@U123>"} {
		if strings.Contains(got, bad) {
			t.Errorf("the Slack explanation holds %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "&lt;!channel&gt;") {
		t.Errorf("the summary is not shown escaped:\n%s", got)
	}
}

// A long trail is cut in Slack, saying where the rest is; the text keeps
// every line.
func TestALongTrailIsCutInSlack(t *testing.T) {
	st := escalated()
	for i := range 100 {
		st.Why.Trail.Acts = append(st.Why.Trail.Acts, workflows.Act{At: night.Add(time.Duration(i) * time.Minute), Action: workflows.ActionNote, By: "alice", Via: "slack"})
	}
	slack := strings.Split(Of(st).Slack(), "\n")
	if len(slack) != slackLines || !strings.HasPrefix(slack[slackLines-1], "… and ") || !strings.HasSuffix(slack[slackLines-1], " more lines: `starter explain incident:data:fp1` has them all.") {
		t.Errorf("%d lines, the last %q", len(slack), slack[len(slack)-1])
	}
	if text := strings.Split(strings.TrimSuffix(Of(st).Text(), "\n"), "\n"); len(text) != 12+100 {
		t.Errorf("the text has %d lines, want every one (%d)", len(text), 12+100)
	}
}
