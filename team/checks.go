package team

import (
	"fmt"
	"net/url"
	"time"

	"github.com/baton-oncall/baton/contract"
)

// Check is a probe Baton runs on a Temporal Schedule, for the symptoms a
// data team pages on: a table that stopped loading, a number out of its
// range, an endpoint that does not answer. It fires after FailAfter
// failures in a row, so that one blip does not page, and resolves itself
// when the probe passes again.
type Check struct {
	// Name is unique within the team: part of the check's schedule ID.
	Name string `yaml:"name" json:"name"`
	// Kind is one of CheckFreshness, CheckQuery, CheckHTTP.
	Kind string `yaml:"kind" json:"kind"`
	// Every is how often it runs; empty means DefaultCheckEvery.
	Every string `yaml:"every,omitempty" json:"every,omitempty"`
	// DatabaseURLEnv names the environment variable holding the database's
	// URL (postgres://…; Amazon Redshift speaks the same protocol), for
	// freshness and query checks. The URL, which holds a password, never
	// appears in the team file.
	DatabaseURLEnv string `yaml:"database_url_env,omitempty" json:"database_url_env,omitempty"`
	// Query returns one value in its first row and column: a timestamp
	// for freshness ("select max(loaded_at) from orders"), a number for
	// query. It runs in a read-only transaction.
	Query string `yaml:"query,omitempty" json:"query,omitempty"`
	// MaxAge is how old the freshness timestamp may be ("24h", "1d").
	MaxAge string `yaml:"max_age,omitempty" json:"max_age,omitempty"`
	// Min and Max bound a query's number; either or both.
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// URL is what an http check gets.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// ExpectStatus is the HTTP status expected; 0 means 200.
	ExpectStatus int `yaml:"expect_status,omitempty" json:"expect_status,omitempty"`
	// ExpectBody, when set, must occur in the answer's body.
	ExpectBody string `yaml:"expect_body,omitempty" json:"expect_body,omitempty"`
	// Timeout bounds one run: the query's statement timeout, or the HTTP
	// request; empty means DefaultCheckTimeout.
	Timeout string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// FailAfter is how many failures in a row open the incident; 0 means
	// DefaultFailAfter.
	FailAfter int `yaml:"fail_after,omitempty" json:"fail_after,omitempty"`
	// Severity of the incident; empty means high. A check that cannot
	// run is always low.
	Severity string `yaml:"severity,omitempty" json:"severity,omitempty"`
	Service  string `yaml:"service,omitempty" json:"service,omitempty"`
	Runbook  string `yaml:"runbook,omitempty" json:"runbook,omitempty"`
}

// Kinds of check.
const (
	CheckFreshness = "freshness"
	CheckQuery     = "query"
	CheckHTTP      = "http"
)

// Check defaults.
const (
	DefaultCheckEvery   = 5 * time.Minute
	DefaultCheckTimeout = 10 * time.Second
	DefaultFailAfter    = 2
)

// Interval is how often the check runs.
func (c Check) Interval() time.Duration {
	if d, err := ParseSpan(c.Every); err == nil {
		return d
	}
	return DefaultCheckEvery
}

// RunTimeout bounds one run of the check.
func (c Check) RunTimeout() time.Duration {
	if d, err := time.ParseDuration(c.Timeout); err == nil && d > 0 {
		return d
	}
	return DefaultCheckTimeout
}

// Failures is how many failures in a row open the incident.
func (c Check) Failures() int {
	if c.FailAfter > 0 {
		return c.FailAfter
	}
	return DefaultFailAfter
}

// MaxAgeSpan is a freshness check's max_age.
func (c Check) MaxAgeSpan() time.Duration {
	d, _ := ParseSpan(c.MaxAge)
	return d
}

// Status is the HTTP status an http check expects.
func (c Check) Status() int {
	if c.ExpectStatus != 0 {
		return c.ExpectStatus
	}
	return 200
}

// CheckSeverity is the severity of the check's incident.
func (c Check) CheckSeverity() string {
	if c.Severity == "" {
		return DefaultHeartbeatSeverity
	}
	return c.Severity
}

// Check returns the team's check of that name.
func (t Team) Check(name string) (Check, bool) {
	for _, c := range t.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// validateChecks checks the team's checks; bad reports a problem with a
// field.
func (t Team) validateChecks(bad func(field, format string, args ...any)) {
	seen := map[string]bool{}
	for i, c := range t.Checks {
		field := fmt.Sprintf("checks[%d]", i)
		switch {
		case c.Name == "":
			bad(field+".name", "missing")
		case !contract.ValidProbeName(c.Name):
			bad(field+".name", "%q must be letters, digits, dots, dashes or underscores", c.Name)
		case seen[c.Name]:
			bad(field+".name", "%q is used by more than one check", c.Name)
		}
		seen[c.Name] = true
		if c.Every != "" {
			if d, err := ParseSpan(c.Every); err != nil || d < time.Second || d > 24*time.Hour {
				bad(field+".every", "%q is not a duration between 1s and 1d, such as 5m", c.Every)
			}
		}
		if c.Timeout != "" {
			if d, err := time.ParseDuration(c.Timeout); err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
				bad(field+".timeout", "%q is not a duration between 100ms and 5m, such as 10s", c.Timeout)
			}
		}
		if c.FailAfter < 0 || c.FailAfter > 100 {
			bad(field+".fail_after", "must be between 1 and 100")
		}
		if c.Severity != "" && !severities[c.Severity] {
			bad(field+".severity", "%q is not one of critical, high, medium, low", c.Severity)
		}
		if c.Runbook != "" && !absoluteURL(c.Runbook) {
			bad(field+".runbook", "%q is not an absolute URL", c.Runbook)
		}
		sql := func() {
			switch {
			case c.DatabaseURLEnv == "":
				bad(field+".database_url_env", "missing: name the environment variable that holds the database's URL")
			case !envNameRE.MatchString(c.DatabaseURLEnv):
				bad(field+".database_url_env", "%q is not an environment variable name such as WAREHOUSE_URL", c.DatabaseURLEnv)
			}
			if c.Query == "" {
				bad(field+".query", "missing: a query that returns one value")
			}
			if c.URL != "" || c.ExpectStatus != 0 || c.ExpectBody != "" {
				bad(field, "url, expect_status and expect_body are for http checks")
			}
		}
		switch c.Kind {
		case CheckFreshness:
			sql()
			if d, err := ParseSpan(c.MaxAge); err != nil || d <= 0 {
				bad(field+".max_age", "%q is not a duration such as 24h or 1d", c.MaxAge)
			}
			if c.Min != nil || c.Max != nil {
				bad(field, "min and max are for query checks")
			}
		case CheckQuery:
			sql()
			switch {
			case c.Min == nil && c.Max == nil:
				bad(field, "a query check needs min, max or both")
			case c.Min != nil && c.Max != nil && *c.Min > *c.Max:
				bad(field, "min %v is above max %v", *c.Min, *c.Max)
			}
			if c.MaxAge != "" {
				bad(field+".max_age", "is for freshness checks")
			}
		case CheckHTTP:
			if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(field+".url", "%q is not an http or https URL", c.URL)
			}
			if c.ExpectStatus != 0 && (c.ExpectStatus < 100 || c.ExpectStatus > 599) {
				bad(field+".expect_status", "%d is not an HTTP status", c.ExpectStatus)
			}
			if c.DatabaseURLEnv != "" || c.Query != "" || c.MaxAge != "" || c.Min != nil || c.Max != nil {
				bad(field, "database_url_env, query, max_age, min and max are for freshness and query checks")
			}
		default:
			bad(field+".kind", "%q is not one of freshness, query, http", c.Kind)
		}
	}
}
