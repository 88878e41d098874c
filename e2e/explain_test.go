package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/explain"
	"github.com/baton-oncall/baton/workflows"
)

// An incident escalated to an SMS and a call, acknowledged by an SMS
// reply, is explained from what it recorded: why it paged, who was on
// call and from where, both steps' planned and actual instants and what
// each ring became, and who acknowledged through what; in Slack too, to
// a person of the team.
func TestAnEscalatedIncidentIsExplained(t *testing.T) {
	s := newIncidentStack(t, badNightTeam(`{steps: [{after: 2s, action: sms}, {after: 4s, action: call}, {after: 10m, action: sms_secondary}]}`), func(s *incidentStack) {
		s.cfg.PublicURL = publicURL
	})
	id := s.fireAlertmanager(t, "fp-explain")
	eventually(t, "the call", 30*time.Second, func() bool { return len(s.twilio.Calls()) > 0 })
	if _, answer := s.replySMS(t, alicePhone, "1"); !strings.Contains(answer, "Acknowledged") {
		t.Fatalf("the SMS reply: %s", answer)
	}
	eventually(t, "the ack", 10*time.Second, func() bool { return s.status(t, id).State == workflows.StateAcknowledged })

	st := s.status(t, id)
	x := explain.Of(st)
	if !x.Recorded || x.OnCall.Why == "" || !strings.HasPrefix(x.OnCall.Why, "the pager: the team's rotation: alice's shift, ") {
		t.Fatalf("who and why: %+v", x.OnCall)
	}
	if x.Second.Why != "the team's incidents.secondary" || len(x.Second.People) != 1 || x.Second.People[0] != "bob" {
		t.Errorf("secondary: %+v", x.Second)
	}
	if len(x.Steps) < 3 {
		t.Fatalf("steps: %+v", x.Steps)
	}
	triggered := st.Summary.Triggered
	for i, want := range []struct {
		action string
		after  time.Duration
	}{{"sms", 2 * time.Second}, {"call", 4 * time.Second}} {
		step := x.Steps[i]
		planned := triggered.Add(want.after)
		if step.Action != want.action || !step.Planned.Equal(planned) || step.Ran.Before(planned) || step.Ran.After(planned.Add(onTime)) {
			t.Errorf("step %d: %s planned %s ran %s, want %s planned %s", i+1, step.Action, step.Planned, step.Ran, want.action, planned)
		}
		if len(step.Rings) != 1 || step.Rings[0].Person != "alice" || step.Rings[0].Outcome != workflows.RingSent || step.Rings[0].Kind != want.action {
			t.Errorf("step %d rings: %+v", i+1, step.Rings)
		}
	}
	if third := x.Steps[2]; !third.Ran.IsZero() || third.Outcome != "not needed: acknowledged before" {
		t.Errorf("the secondary's step: %+v", third)
	}
	if len(x.Acts) != 1 || x.Acts[0].Action != workflows.ActionAck || x.Acts[0].By != "alice" || x.Acts[0].Via != "sms" {
		t.Errorf("acts: %+v", x.Acts)
	}

	// In Slack, to alice, the same facts, in the team's zone.
	var answer struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(s.slashAnswer(t, "why "+id, "UALICE"), &answer); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Why: severity \w+ pages: it is one of the team's page_severities \(critical, high\)\.`),
		regexp.MustCompile(`On call: alice, from the pager: the team's rotation: alice's shift, `),
		regexp.MustCompile(`Step 1 \(sms\): planned \w+ \d+ \w+ [\d:]+ CES?T \(\+2s\), ran `),
		regexp.MustCompile(`Step 2 \(call\): planned \w+ \d+ \w+ [\d:]+ CES?T \(\+4s\), ran `),
		regexp.MustCompile(`Acknowledged by alice via sms at `),
	} {
		if !want.MatchString(answer.Text) {
			t.Errorf("/baton why misses %s:\n%s", want, answer.Text)
		}
	}
	if refusal := s.slashAnswer(t, "why "+id, "UMALLORY"); !strings.Contains(string(refusal), "Only people of team data") {
		t.Errorf("a stranger's /baton why: %s", refusal)
	}
}
