package config

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/team"
)

// The names are a contract with tools outside the repository.
var names = []string{
	"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY",
	"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_APP_TOKEN",
	"OPSGENIE_API_KEY", "OPSGENIE_API_URL", "PAGERDUTY_API_TOKEN", "PAGERDUTY_API_URL", "BATON_TEAMS_FILE", "BATON_HTTP_ADDR",
	"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_API_URL",
	"JIRA_URL", "JIRA_USER", "JIRA_API_TOKEN", "BATON_WEBHOOK_TOKEN", "BATON_PUBLIC_URL",
	"BATON_LOG_FORMAT", "BATON_LOG_LEVEL", "BATON_CALENDAR_TOKEN", "BATON_STATUS_TOKEN", "BATON_METRICS_ADDR",
	"BATON_WORKFLOW_CACHE", "BATON_WORKFLOW_POLLERS", "BATON_ACTIVITY_POLLERS", "BATON_STICKY_WAIT", "BATON_PHONE_HEARTBEAT",
}

// load loads the configuration from vars alone, given as name and value
// pairs: every other variable is set, empty.
func load(t *testing.T, vars ...string) (Config, error) {
	t.Helper()
	for _, n := range names {
		t.Setenv(n, "")
	}
	for i := 0; i+1 < len(vars); i += 2 {
		t.Setenv(vars[i], vars[i+1])
	}
	return Load()
}

func TestDefaults(t *testing.T) {
	c, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default",
		SlackAPIURL: "https://slack.com/api/", OpsgenieAPIURL: "api.opsgenie.com", PagerDutyAPIURL: "https://api.pagerduty.com",
		TeamsFile: "teams.yaml", HTTPAddr: "127.0.0.1:8080", TwilioAPIURL: "https://api.twilio.com",
		LogFormat: "text", LogLevel: "info",
		WorkflowCache: 2000, WorkflowPollers: 2, ActivityPollers: 2, StickyWait: Duration(5 * time.Second),
	}
	if c != want {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}

func TestExactNames(t *testing.T) {
	c, err := load(t, "OPSGENIE_API_URL", "api.eu.opsgenie.com", "SLACK_API_URL", "http://127.0.0.1:9/api/",
		"TEMPORAL_API_KEY", "k", "BATON_HTTP_ADDR", ":9999")
	if err != nil {
		t.Fatal(err)
	}
	if c.OpsgenieAPIURL != "api.eu.opsgenie.com" || c.SlackAPIURL != "http://127.0.0.1:9/api/" || c.TemporalAPIKey != "k" || c.HTTPAddr != ":9999" {
		t.Errorf("got %+v", c)
	}
	opts, err := c.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.Credentials == nil || opts.ConnectionOptions.TLS == nil {
		t.Error("an API key must turn on credentials and TLS")
	}
}

func TestTLSPairIsChecked(t *testing.T) {
	_, err := load(t, "TEMPORAL_TLS_CERT", "/tmp/cert.pem")
	if err == nil || !strings.Contains(err.Error(), "TEMPORAL_TLS_KEY") {
		t.Fatalf("got %v", err)
	}
}

func TestUsageListsEveryVariable(t *testing.T) {
	var b bytes.Buffer
	if err := PrintUsage(&b); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !strings.Contains(b.String(), n) {
			t.Errorf("usage lacks %s:\n%s", n, b.String())
		}
	}
	if !strings.Contains(b.String(), "api.opsgenie.com") {
		t.Errorf("usage lacks defaults:\n%s", b.String())
	}
}

func TestGroupsMustBeComplete(t *testing.T) {
	_, err := load(t, "TWILIO_ACCOUNT_SID", "AC123")
	if err == nil || !strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER missing") {
		t.Fatalf("got %v", err)
	}
	_, err = load(t, "JIRA_URL", "https://example.atlassian.net", "JIRA_USER", "bot@example.com")
	if err == nil || !strings.Contains(err.Error(), "JIRA_API_TOKEN missing") {
		t.Fatalf("got %v", err)
	}
}

func TestPublicURLIsChecked(t *testing.T) {
	twilio := []string{"TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "token", "TWILIO_FROM_NUMBER", "+15005550006"}
	for _, bad := range []string{"baton.example.com", "ftp://baton.example.com", "https://baton.example.com/?x=1", "https://"} {
		if _, err := load(t, append(twilio, "BATON_PUBLIC_URL", bad)...); err == nil || !strings.Contains(err.Error(), "BATON_PUBLIC_URL must be an absolute http(s) URL") {
			t.Errorf("%q: got %v", bad, err)
		}
	}
	if _, err := load(t, "BATON_PUBLIC_URL", "https://baton.example.com"); err == nil || !strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN") {
		t.Errorf("without Twilio: got %v", err)
	}
	if c, err := load(t, append(twilio, "BATON_PUBLIC_URL", "https://baton.example.com/")...); err != nil || c.PublicURL != "https://baton.example.com" {
		t.Errorf("got %q, %v; want the URL without its trailing slash", c.PublicURL, err)
	}
}

func TestLogSettingsAreChecked(t *testing.T) {
	if _, err := load(t, "BATON_LOG_FORMAT", "xml"); err == nil || !strings.Contains(err.Error(), `BATON_LOG_FORMAT="xml": want text or json`) {
		t.Errorf("bad format: %v", err)
	}
	if _, err := load(t, "BATON_LOG_LEVEL", "loud"); err == nil || !strings.Contains(err.Error(), `BATON_LOG_LEVEL="loud"`) {
		t.Errorf("bad level: %v", err)
	}
	c, err := load(t, "BATON_LOG_FORMAT", "json", "BATON_LOG_LEVEL", "warn")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	logger := c.Logger(&out)
	logger.Info("not shown")
	logger.Warn("handover incomplete", "team", "data", "incident", "incident-data-x")
	if got := out.String(); strings.Contains(got, "not shown") ||
		!strings.Contains(got, `"msg":"handover incomplete","team":"data","incident":"incident-data-x"`) {
		t.Errorf("logged %q", got)
	}
}

func TestCountsAreChecked(t *testing.T) {
	for _, v := range []string{"0", "-3", "many", "1.5"} {
		if _, err := load(t, "BATON_WORKFLOW_CACHE", v); err == nil || !strings.Contains(err.Error(), "BATON_WORKFLOW_CACHE") ||
			!strings.Contains(err.Error(), "want a whole number, at least 1") {
			t.Errorf("BATON_WORKFLOW_CACHE=%s: %v", v, err)
		}
	}
	for _, v := range []string{"0s", "-1s", "3", "soon"} {
		if _, err := load(t, "BATON_PHONE_HEARTBEAT", v); err == nil || !strings.Contains(err.Error(), "BATON_PHONE_HEARTBEAT") ||
			!strings.Contains(err.Error(), "want a span of time such as 3s") {
			t.Errorf("BATON_PHONE_HEARTBEAT=%s: %v", v, err)
		}
	}
	c, err := load(t, "BATON_WORKFLOW_CACHE", "2000", "BATON_ACTIVITY_POLLERS", "8", "BATON_STICKY_WAIT", "2s", "BATON_PHONE_HEARTBEAT", "1500ms")
	if err != nil {
		t.Fatal(err)
	}
	if c.WorkflowCache != 2000 || c.ActivityPollers != 8 || c.WorkflowPollers != 2 {
		t.Errorf("got cache %d, pollers %d and %d", c.WorkflowCache, c.WorkflowPollers, c.ActivityPollers)
	}
	if c.StickyWait != Duration(2*time.Second) || c.PhoneHeartbeat != Duration(1500*time.Millisecond) {
		t.Errorf("got sticky wait %v, phone heartbeat %v", time.Duration(c.StickyWait), time.Duration(c.PhoneHeartbeat))
	}
}

func TestSlackAppTokenIsChecked(t *testing.T) {
	for _, tc := range []struct {
		name, app, bot string
		// want is a substring of the error; "" for none.
		want []string
	}{
		{name: "unset", bot: ""},
		{name: "with the bot token", app: "xapp-1-A0BATON-1-secret", bot: "xoxb-1-secret"},
		{name: "a bot token in its place", app: "xoxb-1-secret", bot: "xoxb-1-secret",
			want: []string{"SLACK_APP_TOKEN", "xapp-", "SLACK_BOT_TOKEN"}},
		{name: "a user token in its place", app: "xoxp-1-secret", bot: "xoxb-1-secret",
			want: []string{"SLACK_APP_TOKEN", "xapp-"}},
		{name: "without the bot token", app: "xapp-1-A0BATON-1-secret",
			want: []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN is missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, "SLACK_APP_TOKEN", tc.app, "SLACK_BOT_TOKEN", tc.bot)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if c.SlackAppToken != tc.app {
					t.Errorf("SlackAppToken %q, want %q", c.SlackAppToken, tc.app)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %+v; want an error", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q gives the token away", err)
			}
		})
	}
}

func TestPagerDutySettings(t *testing.T) {
	c, err := load(t, "PAGERDUTY_API_TOKEN", "u+pd-secret", "PAGERDUTY_API_URL", "https://api.eu.pagerduty.com/")
	if err != nil {
		t.Fatal(err)
	}
	if c.PagerDutyAPIToken != "u+pd-secret" || c.PagerDutyAPIURL != "https://api.eu.pagerduty.com" {
		t.Errorf("got token %q, URL %q; want the token as set and the URL without its trailing slash", c.PagerDutyAPIToken, c.PagerDutyAPIURL)
	}

	// Set but empty: the default, as for every variable.
	if c, err := load(t); err != nil || c.PagerDutyAPIURL != "https://api.pagerduty.com" || c.PagerDutyAPIToken != "" {
		t.Errorf("got %q %q, %v", c.PagerDutyAPIURL, c.PagerDutyAPIToken, err)
	}

	for _, bad := range []string{"api.pagerduty.com", "ftp://api.pagerduty.com", "https://api.pagerduty.com/?x=1", "https://"} {
		_, err := load(t, "PAGERDUTY_API_TOKEN", "u+pd-secret", "PAGERDUTY_API_URL", bad)
		if err == nil || !strings.Contains(err.Error(), "PAGERDUTY_API_URL must be an absolute http(s) URL") {
			t.Errorf("%q: got %v", bad, err)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error %q gives the token away", err)
		}
	}

	var b bytes.Buffer
	if err := PrintUsage(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "https://api.pagerduty.com") {
		t.Errorf("usage lacks the PagerDuty default:\n%s", b.String())
	}
}

func TestMetricsAddrIsChecked(t *testing.T) {
	for _, tc := range []struct {
		addr, want string
	}{
		{"0.0.0.0:9090", ""},
		{":9090", ""},
		{"9090", "want host:port"},
		{"0.0.0.0:", "want host:port"},
		{"127.0.0.1:8080", "is BATON_HTTP_ADDR"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			c, err := load(t, "BATON_METRICS_ADDR", tc.addr)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "" && c.MetricsAddr != tc.addr:
				t.Errorf("MetricsAddr %q", c.MetricsAddr)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestTeamWebhookTokens(t *testing.T) {
	teams, err := team.Parse([]byte(`
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: data-oncall}
    pager: {rotation: {members: [alice], shift: 1w, start: "2026-11-02T09:00"}}
    handover: {weekday: monday, time: "09:00"}
    incidents: {webhook_token_env: DATA_WEBHOOK_TOKEN}
    people:
      - {id: alice, email: alice@example.com}
  - name: web
    timezone: Europe/Berlin
    slack: {channel: C0WEB, user_group: web-oncall}
    pager: {rotation: {members: [bob], shift: 1w, start: "2026-11-02T09:00"}}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: bob, email: bob@example.com}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := Config{WebhookToken: "global-token", TeamsFile: "teams.yaml"}
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	}
	got, err := c.TeamWebhookTokens(teams, env(map[string]string{"DATA_WEBHOOK_TOKEN": "data-token"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["data"] != "data-token" {
		t.Errorf("tokens %v, want data's alone", got)
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unset", nil, `team "data": incidents.webhook_token_env names DATA_WEBHOOK_TOKEN, which is not set`},
		{"empty", map[string]string{"DATA_WEBHOOK_TOKEN": ""}, "DATA_WEBHOOK_TOKEN, which is not set"},
		{"BATON_WEBHOOK_TOKEN's", map[string]string{"DATA_WEBHOOK_TOKEN": "global-token"}, "DATA_WEBHOOK_TOKEN holds BATON_WEBHOOK_TOKEN's token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.TeamWebhookTokens(teams, env(tc.vars))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "global-token") {
				t.Errorf("the error gives the token away: %v", err)
			}
		})
	}
}
