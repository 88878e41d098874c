package team

import (
	"strings"
	"testing"
	"time"
)

func TestDrillsParseAndAreChecked(t *testing.T) {
	f, err := Parse([]byte(goodFile + "    drills: {every: 4w, in_working_hours: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Teams[0].Drills; d == nil || d.Interval() != 28*24*time.Hour || !d.InWorkingHours {
		t.Fatalf("drills %+v", d)
	}
	for every, want := range map[string]string{
		"":    "drills.every: missing",
		"4x":  `drills.every: "4x" is not a period such as 4w, 14d or 720h`,
		"0w":  `drills.every: "0w" is not a period`,
		"12h": `drills.every: "12h" is not between 1d and 52w`,
		"60w": `drills.every: "60w" is not between 1d and 52w`,
	} {
		_, err := Parse([]byte(goodFile + "    drills: {every: \"" + every + "\"}\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("every %q: %v, want %q", every, err, want)
		}
	}
}

func TestADrillRunsOneCycleOfThePolicyOrOneChannelOfIt(t *testing.T) {
	tm := Team{Name: "data"} // the default policy: SMS, call, the secondary's SMS and call, twice more
	steps := func(via string) string {
		plan, err := tm.DrillPlan("critical", via)
		if err != nil {
			return err.Error()
		}
		var s []string
		for _, p := range plan {
			s = append(s, p.Offset.String()+" "+p.Action)
		}
		return strings.Join(s, ", ")
	}
	for via, want := range map[string]string{
		"":      "10m0s sms, 15m0s call, 20m0s sms_secondary, 20m0s call_secondary",
		"sms":   "10m0s sms",
		"call":  "15m0s call",
		"pager": `a drill goes via sms or call, not "pager"`,
	} {
		if got := steps(via); got != want {
			t.Errorf("via %q: %s, want %s", via, got, want)
		}
	}
	tm.Incidents.Escalation = map[string]Escalation{"critical": {Steps: []EscalationStep{{After: "5m", Action: ActionCall}}}}
	if got, want := steps("sms"), "team data's escalation policy for critical alerts has no sms step to the person on call to drill"; got != want {
		t.Errorf("via sms without an SMS step: %s", got)
	}
}

func TestAScheduledDrillMustPage(t *testing.T) {
	_, err := Parse([]byte(goodFile + "    drills: {every: 4w}\n    incidents: {page_severities: [high]}\n"))
	if err == nil || !strings.Contains(err.Error(), "drills: a scheduled drill is a critical page, and incidents.page_severities does not page critical") {
		t.Errorf("a team that does not page critical: %v", err)
	}
}
