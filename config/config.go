// Package config reads Baton's settings from the environment, in one place.
// Names are spelt out in tags because tools outside the repository (and
// Temporal's own clients) rely on them exactly.
package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/team"
)

// Config is every setting Baton reads from the environment.
type Config struct {
	TemporalAddress   string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" desc:"Temporal frontend host:port"`
	TemporalNamespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default" desc:"Temporal namespace"`
	TemporalAPIKey    string `envconfig:"TEMPORAL_API_KEY" desc:"API key for Temporal Cloud (implies TLS)"`
	TemporalTLSCert   string `envconfig:"TEMPORAL_TLS_CERT" desc:"client certificate file for mTLS"`
	TemporalTLSKey    string `envconfig:"TEMPORAL_TLS_KEY" desc:"client key file for mTLS"`
	TemporalUIURL     string `envconfig:"TEMPORAL_UI_URL" desc:"Temporal Web UI base URL, for links in summaries, such as http://localhost:8233"`

	SlackBotToken      string `envconfig:"SLACK_BOT_TOKEN" desc:"Slack bot token (xoxb-...); unset: chat is printed to the console"`
	SlackSigningSecret string `envconfig:"SLACK_SIGNING_SECRET" desc:"Slack signing secret, to verify button presses"`
	SlackAPIURL        string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL"`
	// SlackAppToken, when set, has the gateway take button presses and
	// /baton over a Socket Mode WebSocket, which needs no public URL; the
	// HTTP endpoints keep working beside it.
	SlackAppToken string `envconfig:"SLACK_APP_TOKEN" desc:"Slack app-level token (xapp-...) with connections:write; set: buttons and /baton arrive over Socket Mode, no public URL needed"`

	OpsgenieAPIKey string `envconfig:"OPSGENIE_API_KEY" desc:"Opsgenie API key; unset: teams with an Opsgenie schedule cannot run"`
	OpsgenieAPIURL string `envconfig:"OPSGENIE_API_URL" default:"api.opsgenie.com" desc:"Opsgenie API host: api.eu.opsgenie.com for EU accounts"`

	PagerDutyAPIToken string `envconfig:"PAGERDUTY_API_TOKEN" desc:"PagerDuty REST API key (read-only is enough); unset: teams with a PagerDuty schedule cannot run"`
	PagerDutyAPIURL   string `envconfig:"PAGERDUTY_API_URL" default:"https://api.pagerduty.com" desc:"PagerDuty REST API base URL: https://api.eu.pagerduty.com for EU accounts"`

	TwilioAccountSID string `envconfig:"TWILIO_ACCOUNT_SID" desc:"Twilio account SID; unset: SMS and calls are printed to the console"`
	TwilioAuthToken  string `envconfig:"TWILIO_AUTH_TOKEN" desc:"Twilio auth token"`
	TwilioFromNumber string `envconfig:"TWILIO_FROM_NUMBER" desc:"the Twilio number SMS and calls come from (E.164)"`
	TwilioAPIURL     string `envconfig:"TWILIO_API_URL" default:"https://api.twilio.com" desc:"Twilio REST API base URL"`

	JiraURL      string `envconfig:"JIRA_URL" desc:"Jira site for RCA tickets, such as https://example.atlassian.net"`
	JiraUser     string `envconfig:"JIRA_USER" desc:"Jira user (email) for the API token"`
	JiraAPIToken string `envconfig:"JIRA_API_TOKEN" desc:"Jira API token"`

	WebhookToken string `envconfig:"BATON_WEBHOOK_TOKEN" desc:"bearer token of the alert webhooks, for every team (a team's own token: incidents.webhook_token_env in the team file)"`
	TeamsFile    string `envconfig:"BATON_TEAMS_FILE" default:"teams.yaml" desc:"the team file (YAML)"`
	HTTPAddr     string `envconfig:"BATON_HTTP_ADDR" default:"127.0.0.1:8080" desc:"address of the gateway (webhooks, Slack, /healthz)"`
	// MetricsAddr, when set, moves /metrics off the public port: an
	// internal listener serves it with the probes.
	MetricsAddr string `envconfig:"BATON_METRICS_ADDR" desc:"internal address for /metrics and the probes (/livez, /readyz, /healthz), such as 0.0.0.0:9090; set: BATON_HTTP_ADDR no longer serves /metrics"`
	// PublicURL is where Twilio reaches the gateway; its webhooks are
	// signed over this URL, not over the Host a proxy passes on.
	PublicURL string `envconfig:"BATON_PUBLIC_URL" desc:"the gateway's public base URL, such as https://baton.example.com; set: SMS can be answered by reply"`

	CalendarToken string `envconfig:"BATON_CALENDAR_TOKEN" desc:"token the calendar feeds (/calendar/<team>.ics?token=...) ask for; unset: the feeds are off"`
	// StatusToken guards the status page; unset, the page is public and
	// shows what each team's status_page allows.
	StatusToken string `envconfig:"BATON_STATUS_TOKEN" desc:"token the status page (/status, /status/<team>, and their .json) asks for, as ?token=... or Authorization: Bearer; unset: the page is public"`

	// The worker's capacity. The cache is the SDK's sticky cache, one per
	// process: a workflow kept there takes its next step from memory, one
	// not kept replays its history first (README, "More than one
	// machine").
	WorkflowCache   Count `envconfig:"BATON_WORKFLOW_CACHE" default:"2000" desc:"workflows (open incidents, handovers) the worker keeps in memory between their steps; fewer: less memory, and a step of one not kept replays its history first"`
	WorkflowPollers Count `envconfig:"BATON_WORKFLOW_POLLERS" default:"2" desc:"requests the worker keeps open to Temporal for workflow steps, on each of its task queues"`
	ActivityPollers Count `envconfig:"BATON_ACTIVITY_POLLERS" default:"2" desc:"requests the worker keeps open to Temporal for activities (posts, SMS, calls), on each of its task queues"`

	// How soon the work of a worker that died goes on elsewhere: the SDK's
	// defaults (5 s, and a phone step's 10 s attempt) can make an
	// escalation step 10-20 s late; shorter settings cost a busy worker
	// replays and retries it did not need (README, "More than one
	// machine").
	StickyWait     Duration `envconfig:"BATON_STICKY_WAIT" default:"5s" desc:"how long a workflow's next step waits for the worker that ran its last one before any worker may take it; shorter: a dead worker holds its workflows up less, a busy one sees more of them replayed elsewhere"`
	PhoneHeartbeat Duration `envconfig:"BATON_PHONE_HEARTBEAT" desc:"how soon an SMS or call whose worker stopped mid-step is tried elsewhere, such as 3s; unset: once its 10 s attempt is over"`

	LogFormat string `envconfig:"BATON_LOG_FORMAT" default:"text" desc:"log format of the worker: text or json"`
	LogLevel  string `envconfig:"BATON_LOG_LEVEL" default:"info" desc:"least log level of the worker: debug, info, warn or error"`
}

// Load reads the environment.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, err
	}
	emptyMeansDefault(&c)
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		return Config{}, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both or neither")
	}
	if err := together("TWILIO_ACCOUNT_SID", c.TwilioAccountSID, "TWILIO_AUTH_TOKEN", c.TwilioAuthToken, "TWILIO_FROM_NUMBER", c.TwilioFromNumber); err != nil {
		return Config{}, err
	}
	if err := together("JIRA_URL", c.JiraURL, "JIRA_USER", c.JiraUser, "JIRA_API_TOKEN", c.JiraAPIToken); err != nil {
		return Config{}, err
	}
	if c.SlackAppToken != "" {
		if !strings.HasPrefix(c.SlackAppToken, "xapp-") {
			// The value is a secret: say what it looks like, never what it is.
			return Config{}, errors.New("SLACK_APP_TOKEN must be an app-level token, starting xapp- (Basic Information → App-Level Tokens, scope connections:write); a bot token (xoxb-) goes in SLACK_BOT_TOKEN")
		}
		if c.SlackBotToken == "" {
			return Config{}, errors.New("SLACK_APP_TOKEN is set, but SLACK_BOT_TOKEN is missing: Socket Mode brings button presses and /baton in, and Baton answers them with the bot token; set both")
		}
	}
	u, err := url.Parse(c.PagerDutyAPIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return Config{}, errors.New("PAGERDUTY_API_URL must be an absolute http(s) URL without a query, such as https://api.pagerduty.com or https://api.eu.pagerduty.com")
	}
	c.PagerDutyAPIURL = strings.TrimRight(c.PagerDutyAPIURL, "/")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, fmt.Errorf("BATON_LOG_FORMAT=%q: want text or json", c.LogFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return Config{}, fmt.Errorf("BATON_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return Config{}, fmt.Errorf("BATON_METRICS_ADDR=%q: want host:port, such as 0.0.0.0:9090", c.MetricsAddr)
		}
		if c.MetricsAddr == c.HTTPAddr {
			return Config{}, fmt.Errorf("BATON_METRICS_ADDR is BATON_HTTP_ADDR (%s): the metrics address is meant to be an internal one apart from the public port", c.HTTPAddr)
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			return Config{}, errors.New("BATON_PUBLIC_URL must be an absolute http(s) URL without a query, such as https://baton.example.com")
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
		if c.TwilioAuthToken == "" {
			return Config{}, errors.New("BATON_PUBLIC_URL is set for Twilio's replies, which need TWILIO_AUTH_TOKEN to be verified")
		}
	}
	return c, nil
}

// TeamWebhookTokens reads each team's own webhook token from the variable
// its incidents.webhook_token_env names, by lookup (os.LookupEnv), into a
// map from team name to token. A variable named but unset or empty is an
// error naming it: the team would otherwise find its alerts refused only
// when it next pages. So is a team token that is BATON_WEBHOOK_TOKEN's,
// which acts for every team.
func (c Config) TeamWebhookTokens(teams *team.File, lookup func(string) (string, bool)) (map[string]string, error) {
	tokens := map[string]string{}
	for _, t := range teams.Teams {
		name := t.Incidents.WebhookTokenEnv
		if name == "" {
			continue
		}
		token, ok := lookup(name)
		if !ok || token == "" {
			return nil, fmt.Errorf("team %q: incidents.webhook_token_env names %s, which is not set: set it to the team's webhook token, or remove the setting from %s", t.Name, name, c.TeamsFile)
		}
		if token == c.WebhookToken {
			// The value is a secret: say whose it is, never what it is.
			return nil, fmt.Errorf("team %q: %s holds BATON_WEBHOOK_TOKEN's token, which acts for every team: give the team a token of its own", t.Name, name)
		}
		tokens[t.Name] = token
	}
	return tokens, nil
}

// Logger is the worker's logger, as BATON_LOG_FORMAT and BATON_LOG_LEVEL
// say. Workflows and activities log with their team and incident as
// attributes, which JSON keeps as fields; no secret or phone number is
// ever logged.
func (c Config) Logger(out io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel)) // checked by Load; info if empty
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// together checks that a group of variables is set in full or not at all,
// naming the ones missing. Pairs alternate name, value.
func together(pairs ...string) error {
	var set, missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, pairs[i])
		} else {
			set = append(set, pairs[i])
		}
	}
	if len(set) > 0 && len(missing) > 0 {
		return fmt.Errorf("%s set, but %s missing: set all of them or none", strings.Join(set, ", "), strings.Join(missing, ", "))
	}
	return nil
}

// emptyMeansDefault gives a variable that is set but empty its default:
// envconfig takes "" as a value, and `SLACK_API_URL=` in a shell or a
// compose file would otherwise leave Baton with no Slack URL at all.
func emptyMeansDefault(c *Config) {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		def, ok := v.Type().Field(i).Tag.Lookup("default")
		switch f := v.Field(i); {
		case !ok:
		case f.Kind() == reflect.String && f.String() == "":
			f.SetString(def)
		case f.CanInt() && f.Int() == 0:
			// A Count or a Duration; the defaults are well formed.
			_ = f.Addr().Interface().(envconfig.Decoder).Decode(def)
		}
	}
}

// Duration is a setting that is a span of time, more than zero, such as
// 3s. Empty means its default, as for every setting.
type Duration time.Duration

// Decode is how envconfig reads a Duration.
func (d *Duration) Decode(value string) error {
	if value == "" {
		return nil
	}
	v, err := time.ParseDuration(value)
	if err != nil || v <= 0 {
		return fmt.Errorf("want a span of time such as 3s or 500ms, not %q", value)
	}
	*d = Duration(v)
	return nil
}

// Count is a setting that counts something: a whole number, at least 1.
// Empty means its default, as for every setting.
type Count int

// Decode is how envconfig reads a Count.
func (n *Count) Decode(value string) error {
	if value == "" {
		return nil
	}
	v, err := strconv.Atoi(value)
	if err != nil || v < 1 {
		return fmt.Errorf("want a whole number, at least 1, not %q", value)
	}
	*n = Count(v)
	return nil
}

// PrintUsage writes every variable with its default and meaning.
func PrintUsage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	if err := envconfig.Usagef("", &Config{}, tw, `{{range .}}{{usage_key .}}	{{usage_default .}}	{{usage_description .}}
{{end}}`); err != nil {
		return err
	}
	return tw.Flush()
}

// ClientOptions are the Temporal client options these settings describe:
// an API key (Temporal Cloud) or mTLS certificates turn TLS on.
func (c Config) ClientOptions() (client.Options, error) {
	opts := client.Options{HostPort: c.TemporalAddress, Namespace: c.TemporalNamespace}
	if c.TemporalTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TemporalTLSCert, c.TemporalTLSKey)
		if err != nil {
			return client.Options{}, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		opts.ConnectionOptions.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if c.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.TemporalAPIKey)
		if opts.ConnectionOptions.TLS == nil {
			opts.ConnectionOptions.TLS = &tls.Config{}
		}
	}
	return opts, nil
}
