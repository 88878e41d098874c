package team

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/baton-oncall/baton/contract"
	"gopkg.in/yaml.v3"
)

// Load reads and validates a team file. Every problem found is reported,
// each naming the team and the field.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("team file: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("team file %s: %w", path, err)
	}
	return f, nil
}

// Parse decodes and validates a team file's contents.
func Parse(data []byte) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, errors.New("the file is empty: it needs a list of teams under 'teams:'")
	}
	if err := checkKeys(root.Content[0], reflect.TypeOf(File{}), ""); err != nil {
		return nil, err
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkKeys rejects keys that no field takes, so that a misspelt key is an
// error rather than a setting silently ignored.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			fields[name] = t.Field(i).Type
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			ft, ok := fields[key]
			if !ok {
				return fmt.Errorf("%s: unknown field %q (line %d)", where(path), key, n.Content[i].Line)
			}
			// A text that may be left out is a *string, nil when it is:
			// given with no value, it is an error, not left out.
			if v := n.Content[i+1]; ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.String && v.Tag == "!!null" {
				return fmt.Errorf("%s: empty (line %d): give a value, or leave the key out", joinPath(path, key), v.Line)
			}
			if err := checkKeys(n.Content[i+1], ft, joinPath(path, key)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKeys(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if path == "teams" {
				p = teamPath(item, i)
			}
			if err := checkKeys(item, t.Elem(), p); err != nil {
				return err
			}
		}
	}
	return nil
}

// teamPath names a team by its name when it has one, so that errors point at
// "team "data"" rather than "teams[0]".
func teamPath(n *yaml.Node, i int) string {
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == "name" && n.Content[j+1].Value != "" {
			return fmt.Sprintf("team %q", n.Content[j+1].Value)
		}
	}
	return fmt.Sprintf("team #%d", i+1)
}

func where(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	if strings.HasPrefix(path, "team ") && !strings.Contains(path, ":") {
		return path + ": " + key
	}
	return path + "." + key
}

var (
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	personIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	// pagerDutyIDRE is a PagerDuty object ID: upper-case letters and
	// digits, such as PABC123.
	pagerDutyIDRE = regexp.MustCompile(`^[A-Z0-9]{2,32}$`)
	actions       = map[string]bool{ActionSMS: true, ActionCall: true, ActionSMSSecondary: true, ActionCallSecondary: true}
	severities    = map[string]bool{"critical": true, "high": true, "medium": true, "low": true}
)

// Validate checks every team and returns all problems found at once.
func (f *File) Validate() error {
	var errs []error
	if len(f.Teams) == 0 {
		errs = append(errs, errors.New("no teams: the file needs at least one team under 'teams:'"))
	}
	seen := map[string]bool{}
	for i, t := range f.Teams {
		if t.Name != "" && seen[t.Name] {
			errs = append(errs, fmt.Errorf("team %q: name: used by more than one team", t.Name))
		}
		seen[t.Name] = true
		if err := t.Validate(); err != nil {
			if t.Name == "" {
				err = fmt.Errorf("team #%d: %w", i+1, err)
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Validate checks one team. Errors name the team and the field.
func (t Team) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("team %q: %s: %s", t.Name, field, fmt.Sprintf(format, args...)))
	}
	if t.Name == "" {
		return errors.New("name: missing")
	}
	if !contract.ValidTeamName(t.Name) {
		bad("name", "%q must be lower-case letters, digits and dashes", t.Name)
	}
	if t.TimeZone == "" {
		bad("timezone", "missing (an IANA zone such as Europe/Berlin)")
	} else if _, err := time.LoadLocation(t.TimeZone); err != nil {
		bad("timezone", "unknown time zone %q", t.TimeZone)
	}
	if t.Slack.Channel == "" {
		bad("slack.channel", "missing (a channel ID such as C0123ABCD, or #name)")
	}
	if t.Slack.UserGroup == "" {
		bad("slack.user_group", "missing (a user group handle such as data-oncall, or its ID)")
	}

	ids := map[string]bool{}
	for i, p := range t.People {
		field := fmt.Sprintf("people[%d]", i)
		switch {
		case p.ID == "":
			bad(field+".id", "missing")
		case !personIDRE.MatchString(p.ID):
			bad(field+".id", "%q must be letters, digits, dots, dashes or underscores", p.ID)
		case ids[p.ID]:
			bad(field+".id", "%q is used by more than one person", p.ID)
		}
		ids[p.ID] = true
		if p.Email == "" && p.SlackID == "" {
			bad(field, "%q needs an email or a slack_id to be found in Slack", p.ID)
		}
		if p.Email != "" && !strings.Contains(p.Email, "@") {
			bad(field+".email", "%q is not an email address", p.Email)
		}
		if p.Phone != "" && !e164RE.MatchString(p.Phone) {
			// The number itself stays out of the message: it is personal data.
			bad(field+".phone", "not in E.164 form (such as +4915112345678)")
		}
		if p.TimeZone != "" {
			if _, err := time.LoadLocation(p.TimeZone); err != nil {
				bad(field+".timezone", "unknown time zone %q", p.TimeZone)
			}
		}
		if wh := p.WorkingHours; wh != nil {
			if _, _, err := ParseClock(wh.Start); err != nil {
				bad(field+".working_hours.start", "%v", err)
			}
			if _, _, err := ParseClock(wh.End); err != nil {
				bad(field+".working_hours.end", "%v", err)
			}
			for _, d := range wh.Days {
				if _, err := ParseWeekday(d); err != nil {
					bad(field+".working_hours.days", "%v", err)
				}
			}
		}
	}

	var pagers []string
	if t.Pager.OpsgenieSchedule != "" {
		pagers = append(pagers, "opsgenie_schedule")
	}
	if t.Pager.PagerDutySchedule != "" {
		pagers = append(pagers, "pagerduty_schedule")
	}
	if t.Pager.Rotation != nil {
		pagers = append(pagers, "rotation")
	}
	switch {
	case len(pagers) > 1:
		bad("pager", "%s are set: set exactly one of opsgenie_schedule, pagerduty_schedule or rotation", strings.Join(pagers, " and "))
	case len(pagers) == 0:
		bad("pager", "missing: set opsgenie_schedule, pagerduty_schedule or rotation")
	case t.Pager.PagerDutySchedule != "":
		if id := t.Pager.PagerDutySchedule; !pagerDutyIDRE.MatchString(id) {
			bad("pager.pagerduty_schedule", "%q is not a PagerDuty schedule ID: give the ID, such as PABC123, the last part of the schedule's URL (https://<subdomain>.pagerduty.com/schedules/PABC123)", id)
		}
	case t.Pager.Rotation != nil:
		r := t.Pager.Rotation
		if len(r.Members) == 0 {
			bad("pager.rotation.members", "missing: list the person IDs in the order they take the pager")
		}
		for _, m := range r.Members {
			if !ids[m] {
				bad("pager.rotation.members", "%q is not a person of this team (people[].id)", m)
			}
		}
		if _, err := parseShift(r.Shift); err != nil {
			bad("pager.rotation.shift", "%v", err)
		}
		if _, err := time.Parse(localTimeLayout, r.Start); err != nil {
			bad("pager.rotation.start", "%q is not a local time such as 2026-11-02T09:00", r.Start)
		}
	}

	if _, err := ParseWeekday(t.Handover.Weekday); err != nil {
		bad("handover.weekday", "%v", err)
	}
	if _, _, err := ParseClock(t.Handover.Time); err != nil {
		bad("handover.time", "%v", err)
	}
	switch t.Handover.TestPage {
	case "", TestPageSMS, TestPageCall, TestPageNone:
	default:
		bad("handover.test_page", "%q is not one of sms, call, none", t.Handover.TestPage)
	}
	if w := t.Handover.AcceptWithin; w != "" {
		if d, err := time.ParseDuration(w); err != nil || d <= 0 || d > 24*time.Hour {
			bad("handover.accept_within", "%q is not a duration between 1s and 24h, such as 30m", w)
		}
	}
	for _, m := range t.PermanentMembers {
		if !ids[m] {
			bad("permanent_members", "%q is not a person of this team (people[].id)", m)
		}
	}
	if t.Fallback != "" && !ids[t.Fallback] {
		bad("fallback", "%q is not a person of this team (people[].id)", t.Fallback)
	}
	for i, l := range t.Runbooks {
		if !absoluteURL(l.URL) {
			bad(fmt.Sprintf("runbooks[%d].url", i), "%q is not an absolute URL", l.URL)
		}
	}
	t.validateHeartbeats(bad)
	t.validateChecks(bad)
	t.validateRetries(bad)
	t.validateGroupBy(bad)
	t.validateServices(bad)
	t.validateSupport(bad)
	t.validateDrills(bad)
	inc := t.Incidents
	for _, sev := range inc.PageSeverities {
		if !severities[sev] {
			bad("incidents.page_severities", "%q is not one of critical, high, medium, low", sev)
		}
	}
	for sev, e := range inc.Escalation {
		field := "incidents.escalation." + sev
		if sev != "default" && !severities[sev] {
			bad(field, "%q is not default or a severity (critical, high, medium, low)", sev)
		}
		if len(e.Steps) == 0 {
			bad(field+".steps", "missing: a policy needs at least one step")
		}
		for i, s := range e.Steps {
			if d, err := time.ParseDuration(s.After); err != nil || d <= 0 {
				bad(fmt.Sprintf("%s.steps[%d].after", field, i), "%q is not a duration such as 10m", s.After)
			}
			if !actions[s.Action] {
				bad(fmt.Sprintf("%s.steps[%d].action", field, i), "%q is not one of sms, call, sms_secondary, call_secondary", s.Action)
			}
		}
		if e.Repeat < 0 || e.Repeat > 20 {
			bad(field+".repeat", "must be between 0 and 20")
		}
	}
	if inc.Secondary != "" && !ids[inc.Secondary] {
		bad("incidents.secondary", "%q is not a person of this team (people[].id)", inc.Secondary)
	}
	if inc.RepeatNoteEvery != "" {
		if d, err := time.ParseDuration(inc.RepeatNoteEvery); err != nil || d <= 0 {
			bad("incidents.repeat_note_every", "%q is not a duration such as 5m", inc.RepeatNoteEvery)
		}
	}
	if inc.Responders != "" && inc.Responders != RespondersTeam && inc.Responders != RespondersAllTeams {
		bad("incidents.responders", "%q is not %s or %s", inc.Responders, RespondersTeam, RespondersAllTeams)
	}
	if inc.WebhookTokenEnv != "" && !envNameRE.MatchString(inc.WebhookTokenEnv) {
		bad("incidents.webhook_token_env", "%q is not an environment variable name such as DATA_WEBHOOK_TOKEN", inc.WebhookTokenEnv)
	}
	if inc.AckReminder != "" {
		if d, err := time.ParseDuration(inc.AckReminder); err != nil || d <= 0 {
			bad("incidents.ack_reminder", "%q is not a duration such as 60m", inc.AckReminder)
		}
	}
	if q := inc.JiraBacklogJQL; q != nil && strings.TrimSpace(*q) == "" {
		bad("incidents.jira_backlog_jql", "empty: give a JQL query such as %q, or leave the key out", "project = DATA AND labels = oncall-backlog AND statusCategory != Done")
	}
	return errors.Join(errs...)
}

// absoluteURL reports whether s is a URL with a scheme and a host.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}
