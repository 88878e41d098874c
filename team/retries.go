package team

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Retry is a rule of the team's: an alert it matches is retried before
// anyone is paged, and pages only if it still fires after the retry. The
// seeds' flaky job that "a re-run would have fixed" never wakes a person.
type Retry struct {
	// Match says which alerts: every field given must match.
	Match RetryMatch `yaml:"match" json:"match"`
	// Action is RetryAirflow, RetryDbtCloud or RetryWebhook.
	Action string `yaml:"action" json:"action"`
	// Wait is how long after each attempt the alert may take to resolve;
	// empty means DefaultRetryWait.
	Wait string `yaml:"wait,omitempty" json:"wait,omitempty"`
	// Attempts is how many retries are made; 0 means 1.
	Attempts int `yaml:"attempts,omitempty" json:"attempts,omitempty"`
	// PageAtOnce are the severities that are never retried first; nil
	// means critical alone.
	PageAtOnce []string `yaml:"page_at_once,omitempty" json:"page_at_once,omitempty"`
	// Airflow says where the DAG runs are cleared (RetryAirflow).
	Airflow *AirflowRetry `yaml:"airflow,omitempty" json:"airflow,omitempty"`
	// Webhook is the team's own endpoint (RetryWebhook).
	Webhook *WebhookRetry `yaml:"webhook,omitempty" json:"webhook,omitempty"`
	// DbtCloud is the dbt Cloud account whose job is run again
	// (RetryDbtCloud).
	DbtCloud *DbtCloudRetry `yaml:"dbt_cloud,omitempty" json:"dbt_cloud,omitempty"`
}

// RetryMatch selects alerts by their service, alert name and labels (the
// alert's details): each one given must equal the alert's.
type RetryMatch struct {
	Service   string            `yaml:"service,omitempty" json:"service,omitempty"`
	AlertName string            `yaml:"alert_name,omitempty" json:"alert_name,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
}

// AirflowRetry reaches Airflow's stable REST API. The alert names the run
// to clear by its details dag_id and run_id (or dag_run_id).
type AirflowRetry struct {
	// URL is the API's base, such as https://airflow.example.com/api/v1.
	URL string `yaml:"url" json:"url"`
	// UserEnv and PasswordEnv name the variables holding a user's
	// credentials (basic auth), or TokenEnv a bearer token's.
	UserEnv     string `yaml:"user_env,omitempty" json:"user_env,omitempty"`
	PasswordEnv string `yaml:"password_env,omitempty" json:"password_env,omitempty"`
	TokenEnv    string `yaml:"token_env,omitempty" json:"token_env,omitempty"`
}

// WebhookRetry is an endpoint of the team's that retries the job the
// alert names; Baton signs each POST with HMAC-SHA256 under the secret in
// SecretEnv.
type WebhookRetry struct {
	URL       string `yaml:"url" json:"url"`
	SecretEnv string `yaml:"secret_env" json:"secret_env"`
}

// DbtCloudRetry reaches dbt Cloud's Administrative API. The alert names
// the failed run by its detail run_id (retried from its point of
// failure), or the job by job_id (run again); else JobID is run again.
type DbtCloudRetry struct {
	// URL is dbt Cloud's address, such as https://cloud.getdbt.com or the
	// account's access URL.
	URL       string `yaml:"url" json:"url"`
	AccountID string `yaml:"account_id" json:"account_id"`
	// TokenEnv names the variable holding a service token.
	TokenEnv string `yaml:"token_env" json:"token_env"`
	JobID    string `yaml:"job_id,omitempty" json:"job_id,omitempty"`
}

// Retry actions.
const (
	RetryAirflow  = "airflow"
	RetryWebhook  = "webhook"
	RetryDbtCloud = "dbt_cloud"
)

// Retry defaults.
const (
	DefaultRetryWait = 20 * time.Minute
	maxRetryAttempts = 5
)

// defaultPageAtOnce are the severities never retried first.
var defaultPageAtOnce = []string{"critical"}

// WaitFor is how long after each attempt the alert may take to resolve.
func (r Retry) WaitFor() time.Duration {
	if d, err := ParseSpan(r.Wait); err == nil {
		return d
	}
	return DefaultRetryWait
}

// Tries is how many retries are made.
func (r Retry) Tries() int { return max(r.Attempts, 1) }

// RetryFor returns the team's first retry rule that takes an alert of this
// severity, service, alert name and details; ok is false when the alert
// pages at once.
func (t Team) RetryFor(severity, service, alertName string, details map[string]string) (Retry, bool) {
	for _, r := range t.Incidents.Retries {
		at := r.PageAtOnce
		if at == nil {
			at = defaultPageAtOnce
		}
		if slices.Contains(at, severity) || !r.Match.matches(service, alertName, details) {
			continue
		}
		return r, true
	}
	return Retry{}, false
}

func (m RetryMatch) matches(service, alertName string, details map[string]string) bool {
	if m.Service != "" && m.Service != service || m.AlertName != "" && m.AlertName != alertName {
		return false
	}
	for k, v := range m.Labels {
		if got, ok := details[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// validateRetries checks the team's retry rules; bad reports a problem
// with a field.
func (t Team) validateRetries(bad func(field, format string, args ...any)) {
	for i, r := range t.Incidents.Retries {
		field := fmt.Sprintf("incidents.retries[%d]", i)
		if r.Match.Service == "" && r.Match.AlertName == "" && len(r.Match.Labels) == 0 {
			bad(field+".match", "missing: give a service, an alert_name or labels, so that not every alert waits for a retry")
		}
		if r.Wait != "" {
			if d, err := ParseSpan(r.Wait); err != nil || d < time.Second || d > 24*time.Hour {
				bad(field+".wait", "%q is not a duration between 1s and 1d, such as 20m", r.Wait)
			}
		}
		if r.Attempts < 0 || r.Attempts > maxRetryAttempts {
			bad(field+".attempts", "must be between 1 and %d", maxRetryAttempts)
		}
		for _, s := range r.PageAtOnce {
			if !severities[s] {
				bad(field+".page_at_once", "%q is not one of critical, high, medium, low", s)
			}
		}
		env := func(f, name string) {
			if name != "" && !envNameRE.MatchString(name) {
				bad(f, "%q is not an environment variable name", name)
			}
		}
		switch r.Action {
		case RetryAirflow:
			a := r.Airflow
			switch {
			case a == nil:
				bad(field+".airflow", "missing: an airflow retry needs airflow.url and its credentials' variables")
			case !absoluteURL(a.URL):
				bad(field+".airflow.url", "%q is not an absolute URL such as https://airflow.example.com/api/v1", a.URL)
			case a.TokenEnv == "" && (a.UserEnv == "" || a.PasswordEnv == ""):
				bad(field+".airflow", "name user_env and password_env, or token_env: the variables holding the credentials")
			}
			if a != nil {
				env(field+".airflow.user_env", a.UserEnv)
				env(field+".airflow.password_env", a.PasswordEnv)
				env(field+".airflow.token_env", a.TokenEnv)
			}
		case RetryWebhook:
			h := r.Webhook
			switch {
			case h == nil:
				bad(field+".webhook", "missing: a webhook retry needs webhook.url and webhook.secret_env")
			case !absoluteURL(h.URL):
				bad(field+".webhook.url", "%q is not an absolute URL", h.URL)
			case h.SecretEnv == "":
				bad(field+".webhook.secret_env", "missing: the variable holding the secret Baton signs with")
			}
			if h != nil {
				env(field+".webhook.secret_env", h.SecretEnv)
			}
		case RetryDbtCloud:
			d := r.DbtCloud
			switch {
			case d == nil:
				bad(field+".dbt_cloud", "missing: a dbt_cloud retry needs dbt_cloud.url, account_id and token_env")
			case !absoluteURL(d.URL):
				bad(field+".dbt_cloud.url", "%q is not an absolute URL such as https://cloud.getdbt.com", d.URL)
			case !digits(d.AccountID):
				bad(field+".dbt_cloud.account_id", "%q is not a dbt Cloud account ID (its number)", d.AccountID)
			case d.TokenEnv == "":
				bad(field+".dbt_cloud.token_env", "missing: the variable holding a service token")
			case d.JobID != "" && !digits(d.JobID):
				bad(field+".dbt_cloud.job_id", "%q is not a dbt Cloud job ID (its number)", d.JobID)
			}
			if d != nil {
				env(field+".dbt_cloud.token_env", d.TokenEnv)
			}
		default:
			bad(field+".action", "%q is not one of airflow, dbt_cloud, webhook", r.Action)
		}
	}
}

// digits reports whether s is a number of decimal digits, as dbt Cloud's
// IDs are.
func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
