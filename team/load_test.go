package team

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodFile = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack:
      channel: "#data-team"
      user_group: data-oncall
    pager:
      rotation:
        members: [alice, bob]
        shift: 1w
        start: "2026-11-02T09:00"
    handover:
      weekday: monday
      time: "09:00"
    permanent_members: [lead]
    people:
      - id: alice
        email: alice@example.com
        phone: "+4915100000001"
        working_hours: {start: "09:00", end: "17:00", days: [mon, tue]}
      - id: bob
        slack_id: U0BOB
      - id: lead
        email: lead@example.com
`

func TestParseGoodFile(t *testing.T) {
	f, err := Parse([]byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := f.Team("data")
	if !ok {
		t.Fatal("team data not found")
	}
	if got := tm.Pager.Rotation.Members; len(got) != 2 || got[1] != "bob" {
		t.Errorf("members = %v", got)
	}
	if p, ok := tm.PersonByEmail("ALICE@example.com"); !ok || p.ID != "alice" {
		t.Errorf("PersonByEmail ignores case: got %+v %v", p, ok)
	}
}

func TestTheShippedExampleIsValid(t *testing.T) {
	f, err := Load(filepath.Join("..", "deploy", "dev", "teams.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := f.Team("data")
	if !ok || len(tm.People) != 3 {
		t.Fatalf("the example needs a team data with three people: %+v", f.Names())
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(string) string
		wantAll []string
	}{
		{
			name: "unknown key in a team",
			edit: func(s string) string {
				return strings.Replace(s, "    handover:", "    handovr:\n      x: 1\n    handover:", 1)
			},
			wantAll: []string{`team "data"`, `unknown field "handovr"`, "line 13"},
		},
		{
			name:    "unknown key deep inside a person",
			edit:    func(s string) string { return strings.Replace(s, "        phone:", "        phoen:", 1) },
			wantAll: []string{`team "data"`, "people[0]", `unknown field "phoen"`},
		},
		{
			name:    "unknown key at the top",
			edit:    func(s string) string { return "version: 2\n" + s },
			wantAll: []string{"top level", `unknown field "version"`},
		},
		{
			name:    "unknown time zone",
			edit:    func(s string) string { return strings.Replace(s, "Europe/Berlin", "Europe/Atlantis", 1) },
			wantAll: []string{`team "data": timezone: unknown time zone "Europe/Atlantis"`},
		},
		{
			name:    "rotation member who is not a person",
			edit:    func(s string) string { return strings.Replace(s, "[alice, bob]", "[alice, bobby]", 1) },
			wantAll: []string{`team "data": pager.rotation.members: "bobby" is not a person of this team`},
		},
		{
			name:    "missing channel",
			edit:    func(s string) string { return strings.Replace(s, `      channel: "#data-team"`+"\n", "", 1) },
			wantAll: []string{`team "data": slack.channel: missing`},
		},
		{
			name:    "missing user group",
			edit:    func(s string) string { return strings.Replace(s, "      user_group: data-oncall\n", "", 1) },
			wantAll: []string{`team "data": slack.user_group: missing`},
		},
		{
			name: "both pagers",
			edit: func(s string) string {
				return strings.Replace(s, "    pager:\n", "    pager:\n      opsgenie_schedule: data_sched\n", 1)
			},
			wantAll: []string{`team "data": pager: opsgenie_schedule and rotation are set: set exactly one of opsgenie_schedule, pagerduty_schedule or rotation`},
		},
		{
			name: "a PagerDuty schedule beside the rotation",
			edit: func(s string) string {
				return strings.Replace(s, "    pager:\n", "    pager:\n      pagerduty_schedule: PABC123\n", 1)
			},
			wantAll: []string{`team "data": pager: pagerduty_schedule and rotation are set: set exactly one of`},
		},
		{
			name: "all three pagers",
			edit: func(s string) string {
				return strings.Replace(s, "    pager:\n", "    pager:\n      opsgenie_schedule: data_sched\n      pagerduty_schedule: PABC123\n", 1)
			},
			wantAll: []string{`team "data": pager: opsgenie_schedule and pagerduty_schedule and rotation are set`},
		},
		{
			name:    "no pager",
			edit:    func(s string) string { return withPager(s, "") },
			wantAll: []string{`team "data": pager: missing: set opsgenie_schedule, pagerduty_schedule or rotation`},
		},
		{
			name:    "a PagerDuty schedule by name",
			edit:    func(s string) string { return withPager(s, "      pagerduty_schedule: Data On-Call\n") },
			wantAll: []string{`team "data": pager.pagerduty_schedule: "Data On-Call" is not a PagerDuty schedule ID`, "PABC123"},
		},
		{
			name: "a PagerDuty schedule by URL",
			edit: func(s string) string {
				return withPager(s, "      pagerduty_schedule: https://acme.pagerduty.com/schedules/PABC123\n")
			},
			wantAll: []string{"pager.pagerduty_schedule", "is not a PagerDuty schedule ID"},
		},
		{
			name:    "misspelt pagerduty key",
			edit:    func(s string) string { return withPager(s, "      pager_duty_schedule: PABC123\n") },
			wantAll: []string{`team "data": pager`, `unknown field "pager_duty_schedule"`},
		},
		{
			name: "bad shift and start",
			edit: func(s string) string {
				return strings.Replace(strings.Replace(s, "1w", "1 week", 1), "2026-11-02T09:00", "next monday", 1)
			},
			wantAll: []string{"pager.rotation.shift", "pager.rotation.start"},
		},
		{
			name: "bad handover",
			edit: func(s string) string {
				return strings.Replace(strings.Replace(s, "monday", "funday", 1), `"09:00"`+"\n    permanent", `"9am"`+"\n    permanent", 1)
			},
			wantAll: []string{"handover.weekday", `"funday" is not a weekday`, "handover.time", `"9am" is not a time of day`},
		},
		{
			name:    "phone not E.164, and the number is not echoed",
			edit:    func(s string) string { return strings.Replace(s, "+4915100000001", "0151 0000 0001", 1) },
			wantAll: []string{`team "data": people[0].phone: not in E.164 form`},
		},
		{
			name:    "permanent member unknown",
			edit:    func(s string) string { return strings.Replace(s, "[lead]", "[boss]", 1) },
			wantAll: []string{`permanent_members: "boss" is not a person`},
		},
		{
			name: "person with no way to find them in Slack",
			edit: func(s string) string {
				return strings.Replace(s, "        slack_id: U0BOB\n", "        name: Bob\n", 1)
			},
			wantAll: []string{`people[1]: "bob" needs an email or a slack_id`},
		},
		{
			name: "duplicate team",
			edit: func(s string) string {
				return s + strings.Replace(strings.TrimPrefix(s, "\nteams:\n"), "name: data", "name: data", 1)
			},
			wantAll: []string{`team "data": name: used by more than one team`},
		},
		{
			name:    "team name unfit for IDs",
			edit:    func(s string) string { return strings.Replace(s, "name: data", "name: Data Team", 1) },
			wantAll: []string{`name: "Data Team" must be lower-case`},
		},
		{
			name:    "empty file",
			edit:    func(string) string { return "" },
			wantAll: []string{"the file is empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.edit(goodFile)))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, want := range tc.wantAll {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "0151") {
				t.Errorf("error repeats a phone number: %q", err)
			}
		})
	}
}

// withPager replaces goodFile's rotation with the given pager lines.
func withPager(s, pager string) string {
	const rotation = "      rotation:\n        members: [alice, bob]\n        shift: 1w\n        start: \"2026-11-02T09:00\"\n"
	if !strings.Contains(s, rotation) {
		panic("goodFile's rotation changed")
	}
	return strings.Replace(s, rotation, pager, 1)
}

func TestParsePagerDutySchedule(t *testing.T) {
	f, err := Parse([]byte(withPager(goodFile, "      pagerduty_schedule: PABC123\n")))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := f.Team("data")
	if tm.Pager.PagerDutySchedule != "PABC123" || tm.Pager.OpsgenieSchedule != "" || tm.Pager.Rotation != nil {
		t.Errorf("pager = %+v", tm.Pager)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(path, []byte("teams: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no teams") {
		t.Fatalf("got %v", err)
	}
	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("got %v", err)
	}
}

func TestFallbackMustBeAPersonOfTheTeam(t *testing.T) {
	f, err := Parse([]byte(goodFile + "    fallback: lead\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := f.Team("data"); tm.Fallback != "lead" {
		t.Errorf("fallback = %q", tm.Fallback)
	}
	if _, err := Parse([]byte(goodFile + "    fallback: boss\n")); err == nil || !strings.Contains(err.Error(), `team "data": fallback: "boss" is not a person of this team`) {
		t.Errorf("got %v", err)
	}
}

func TestIncidentPolicyValidation(t *testing.T) {
	withPolicy := func(policy string) string { return goodFile + "    incidents:\n" + policy }
	good := withPolicy(`      page_severities: [critical]
      secondary: lead
      ack_reminder: 30m
      escalation:
        default: {steps: [{after: 5m, action: sms}], repeat: 1}
        critical:
          steps: [{after: 2m, action: call}, {after: 4m, action: call_secondary}]
`)
	f, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := f.Team("data")
	if !tm.Pages("critical") || tm.Pages("high") {
		t.Error("page_severities not honoured")
	}
	if got := tm.EscalationFor("critical").Steps[0].Action; got != ActionCall {
		t.Errorf("critical policy: %s", got)
	}
	if got := tm.RepeatNoteInterval(); got != DefaultRepeatNoteEvery {
		t.Errorf("repeat note interval by default: %s", got)
	}
	if got := tm.EscalationFor("medium").Steps[0].After; got != "5m" {
		t.Errorf("default policy: %s", got)
	}

	for _, tc := range []struct{ policy, want string }{
		{"      page_severities: [urgent]\n", `incidents.page_severities: "urgent" is not one of`},
		{"      escalation:\n        default: {steps: [{after: soon, action: sms}]}\n", `incidents.escalation.default.steps[0].after: "soon" is not a duration`},
		{"      escalation:\n        default: {steps: [{after: 5m, action: email}]}\n", `incidents.escalation.default.steps[0].action: "email" is not one of`},
		{"      escalation:\n        sev1: {steps: [{after: 5m, action: sms}]}\n", `incidents.escalation.sev1: "sev1" is not default or a severity`},
		{"      escalation:\n        default: {steps: [{after: 5m, action: sms, delay: 1}]}\n", `unknown field "delay"`},
		{"      secondary: boss\n", `incidents.secondary: "boss" is not a person`},
		{"      ack_reminder: later\n", `incidents.ack_reminder: "later" is not a duration`},
		{"      repeat_note_every: often\n", `incidents.repeat_note_every: "often" is not a duration`},
		{"      jira_backlog_jql: \"  \"\n", `team "data": incidents.jira_backlog_jql: empty: give a JQL query such as "project = DATA AND`},
		{"      jira_backlog_jql:\n", `team "data": incidents.jira_backlog_jql: empty (line 27): give a value, or leave the key out`},
		{"      jira_backlog_jql: [project = DATA]\n", "line 27: cannot unmarshal !!seq into string"},
	} {
		_, err := Parse([]byte(withPolicy(tc.policy)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("policy %q: got %v, want %q", tc.policy, err, tc.want)
		}
	}
}

// The on-call backlog's query is the team's own JQL, kept as written;
// without it the team has no backlog.
func TestBacklogJQL(t *testing.T) {
	withJQL := func(lines string) string { return goodFile + "    incidents:\n      jira_project: DATA\n" + lines }
	f, err := Parse([]byte(withJQL("      jira_backlog_jql: >-\n        project = DATA AND labels = oncall-backlog\n        AND statusCategory != Done ORDER BY created\n")))
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := f.Team("data")
	if got, want := tm.BacklogJQL(), "project = DATA AND labels = oncall-backlog AND statusCategory != Done ORDER BY created"; got != want {
		t.Errorf("BacklogJQL = %q, want %q", got, want)
	}
	f, err = Parse([]byte(withJQL("")))
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := f.Team("data"); tm.BacklogJQL() != "" || tm.Incidents.JiraBacklogJQL != nil {
		t.Errorf("a team without jira_backlog_jql has %q", tm.BacklogJQL())
	}
}
