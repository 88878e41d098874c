package activities

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/baton-oncall/baton/activities/checks"
	"github.com/baton-oncall/baton/team"
)

// RunCheckInput is one run of a team's check.
type RunCheckInput struct {
	Team  string     `json:"team"`
	Check team.Check `json:"check"`
}

// What a check's run found.
const (
	CheckPassed = "passed"
	CheckFailed = "failed"
	// CheckCannotRun: the check could not tell (no database URL, bad
	// credentials, a query error): never read as the thing it watches
	// failing.
	CheckCannotRun = "cannot_run"
)

// CheckResult is what one run of a check found.
type CheckResult struct {
	// Outcome is CheckPassed, CheckFailed or CheckCannotRun.
	Outcome string `json:"outcome"`
	// Detail says what was found, as a phrase a person reads after the
	// check's name: "is stale: its newest row is 26h10m old, more than 24h".
	Detail string `json:"detail"`
	// Value is a query's number or an http check's status; Age is a
	// freshness check's age. Nil when the run found none.
	Value *float64       `json:"value,omitempty"`
	Age   *time.Duration `json:"age,omitempty"`
	At    time.Time      `json:"at"`
}

// maxCheckBody bounds what an http check reads of an answer's body.
const maxCheckBody = 1 << 20

// RunCheck runs a check once and says what it found. Whatever the check
// finds, even that it cannot run, is a result, not an error: the workflow
// decides what it means over several runs. Each result is also a metric.
func (a *Activities) RunCheck(ctx context.Context, in RunCheckInput) (CheckResult, error) {
	now := time.Now()
	var res CheckResult
	if in.Check.Kind == team.CheckHTTP {
		res = a.httpCheck(ctx, in.Check)
	} else {
		res = a.sqlCheck(ctx, in.Check, now)
	}
	res.At = now
	a.Metrics.CheckRan(in.Team, in.Check.Name, res.Outcome == CheckPassed, res.Value, res.Age)
	return res, nil
}

func cannotRun(format string, args ...any) CheckResult {
	return CheckResult{Outcome: CheckCannotRun, Detail: fmt.Sprintf(format, args...)}
}

// sqlCheck runs a freshness or query check.
func (a *Activities) sqlCheck(ctx context.Context, c team.Check, now time.Time) CheckResult {
	dsn, ok := os.LookupEnv(c.DatabaseURLEnv)
	if !ok || dsn == "" {
		return cannotRun("could not run: %s is not set where the worker runs", c.DatabaseURLEnv)
	}
	if a.SQL == nil {
		return cannotRun("could not run: this worker has no SQL driver")
	}
	v, err := a.SQL.QueryValue(ctx, dsn, c.Query, c.RunTimeout())
	if err != nil {
		return cannotRun("could not run: %v", err)
	}
	return judgeValue(c, v, now)
}

// judgeValue says what a query's value means for the check.
func judgeValue(c team.Check, v checks.Value, now time.Time) CheckResult {
	if c.Kind == team.CheckFreshness {
		switch v.Kind {
		case checks.ValueNull:
			return CheckResult{Outcome: CheckFailed, Detail: "is stale: the query found no timestamp (no rows?)"}
		case checks.ValueTime:
		default:
			return cannotRun("could not run: the query returned a %s, not a timestamp", v.Type)
		}
		age := max(now.Sub(v.Time), 0)
		res := CheckResult{Outcome: CheckPassed, Age: &age, Detail: fmt.Sprintf("is fresh: its newest row is %s old", ageText(age))}
		if limit := c.MaxAgeSpan(); age > limit {
			res.Outcome = CheckFailed
			res.Detail = fmt.Sprintf("is stale: its newest row is %s old, more than %s", ageText(age), c.MaxAge)
		}
		return res
	}
	switch v.Kind {
	case checks.ValueNumber:
	case checks.ValueNull:
		return cannotRun("could not run: the query returned NULL, not a number")
	default:
		return cannotRun("could not run: the query returned a %s, not a number", v.Type)
	}
	n := v.Number
	res := CheckResult{Outcome: CheckPassed, Value: &n, Detail: "is " + number(n)}
	switch {
	case c.Min != nil && n < *c.Min:
		res.Outcome, res.Detail = CheckFailed, fmt.Sprintf("is %s, below its minimum %s", number(n), number(*c.Min))
	case c.Max != nil && n > *c.Max:
		res.Outcome, res.Detail = CheckFailed, fmt.Sprintf("is %s, above its maximum %s", number(n), number(*c.Max))
	}
	return res
}

// httpCheck gets the check's URL and compares the answer.
func (a *Activities) httpCheck(ctx context.Context, c team.Check) CheckResult {
	ctx, cancel := context.WithTimeout(ctx, c.RunTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return cannotRun("could not run: %v", err)
	}
	req.Header.Set("User-Agent", "Baton check")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return CheckResult{Outcome: CheckFailed, Detail: fmt.Sprintf("did not answer within %s: %v", c.RunTimeout(), err)}
	}
	defer resp.Body.Close()
	status := float64(resp.StatusCode)
	res := CheckResult{Outcome: CheckPassed, Value: &status, Detail: fmt.Sprintf("answered %d", resp.StatusCode)}
	if resp.StatusCode != c.Status() {
		res.Outcome, res.Detail = CheckFailed, fmt.Sprintf("answered %d, expected %d", resp.StatusCode, c.Status())
		return res
	}
	if c.ExpectBody != "" {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckBody))
		switch {
		case err != nil:
			res.Outcome, res.Detail = CheckFailed, fmt.Sprintf("answered %d, and its body could not be read: %v", resp.StatusCode, err)
		case !strings.Contains(string(body), c.ExpectBody):
			res.Outcome, res.Detail = CheckFailed, fmt.Sprintf("answered %d without %q in its body", resp.StatusCode, c.ExpectBody)
		}
	}
	return res
}

// ageText writes an age to the second under an hour, to the minute above
// ("26h10m", "3m5s").
func ageText(d time.Duration) string {
	if d >= time.Hour {
		d = d.Round(time.Minute)
	} else {
		d = d.Round(time.Second)
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

// number writes a number without needless decimals.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
