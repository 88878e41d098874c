// Package pagerduty is a pager.Pager on PagerDuty schedules, through
// PagerDuty's REST API. Like every vendor's adapter, it is apart from
// package pager, which holds the interface the workflows see.
package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/internal/retryafter"
	"github.com/baton-oncall/baton/team"
)

// DefaultPagerDutyURL is PagerDuty's REST API (api.eu.pagerduty.com for EU
// accounts).
const DefaultPagerDutyURL = "https://api.pagerduty.com"

// pagerDutyPageSize is the most on-calls PagerDuty returns in one page.
const pagerDutyPageSize = 100

// pagerDutyMaxRecords is as far as PagerDuty's classic pagination reaches:
// offset plus limit may not pass it.
const pagerDutyMaxRecords = 10000

// PagerDuty reads who is on call from PagerDuty schedules, through the REST
// API's list of on-calls (GET /oncalls).
//
// PagerDuty computes on-calls from escalation policies: a schedule that no
// escalation policy uses has none, and reads as nobody on call. When a
// schedule is on several levels (or policies), the people of its lowest
// level are the ones on call; a higher level is a backup.
type PagerDuty struct {
	token   string
	baseURL string
	http    *http.Client
}

var _ pager.Pager = (*PagerDuty)(nil)

// NewPagerDuty returns a PagerDuty pager for a REST API key (an account key,
// read-only access is enough, or a user's key). apiURL is the API's base
// URL; empty means DefaultPagerDutyURL.
func NewPagerDuty(token, apiURL string) *PagerDuty {
	if apiURL == "" {
		apiURL = DefaultPagerDutyURL
	}
	// Temporal owns retries: one try per activity attempt, bounded, so a
	// hung connection becomes a retry rather than a stuck activity.
	return &PagerDuty{token: token, baseURL: strings.TrimRight(apiURL, "/"), http: &http.Client{Timeout: 15 * time.Second}}
}

// pdOnCalls is a page of GET /oncalls with include[]=users.
type pdOnCalls struct {
	OnCalls []pdOnCall `json:"oncalls"`
	Limit   int        `json:"limit"`
	Offset  int        `json:"offset"`
	More    bool       `json:"more"`
}

type pdOnCall struct {
	User struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
		Name    string `json:"name"`
		Email   string `json:"email"`
	} `json:"user"`
	// Schedule is null for a user the escalation policy names directly.
	Schedule *struct {
		ID string `json:"id"`
	} `json:"schedule"`
	EscalationLevel int `json:"escalation_level"`
	// Start is null for an on-call that always was; End for one that does
	// not end.
	Start *string `json:"start"`
	End   *string `json:"end"`
}

// pdError is PagerDuty's error body.
type pdError struct {
	Error struct {
		Message string   `json:"message"`
		Code    int      `json:"code"`
		Errors  []string `json:"errors"`
	} `json:"error"`
}

// OnCall implements pager.Pager.
//
// PagerDuty lists the on-calls that overlap a range (since, until), and
// does not say whether one that ends or starts exactly at a bound
// overlaps it; at a handover instant both the outgoing and the incoming
// shift may touch it. So OnCall asks for the second that holds the instant
// and keeps, itself, the on-calls with start <= at < end: the incoming
// person at a handover, never both.
func (p *PagerDuty) OnCall(ctx context.Context, t team.Team, at time.Time) ([]team.Person, error) {
	schedule := t.Pager.PagerDutySchedule
	since := at.UTC().Truncate(time.Second)
	q := url.Values{
		"schedule_ids[]": {schedule},
		"include[]":      {"users"},
		"since":          {since.Format(time.RFC3339)},
		"until":          {since.Add(time.Second).Format(time.RFC3339)},
		"time_zone":      {"UTC"},
		"limit":          {strconv.Itoa(pagerDutyPageSize)},
	}
	var entries []pdOnCall
	for offset := 0; ; {
		q.Set("offset", strconv.Itoa(offset))
		page, err := p.list(ctx, t, q)
		if err != nil {
			return nil, err
		}
		entries = append(entries, page.OnCalls...)
		if !page.More {
			break
		}
		step := page.Limit
		if step <= 0 {
			step = len(page.OnCalls)
		}
		if step <= 0 {
			return nil, fmt.Errorf("team %q: PagerDuty schedule %q: an empty page of on-calls that says there are more", t.Name, schedule)
		}
		offset += step
		if offset+pagerDutyPageSize > pagerDutyMaxRecords {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("team %q: PagerDuty schedule %q has more than %d on-calls at %s, more than PagerDuty's pagination reaches",
					t.Name, schedule, offset, at.UTC().Format(time.RFC3339)),
				"PagerDutyError", nil)
		}
	}

	// The schedule's people at its lowest level, each once: a schedule on
	// two escalation policies lists its people once per policy.
	var onCall []pdOnCall
	lowest := 0
	for _, e := range entries {
		if e.Schedule == nil || e.Schedule.ID != schedule {
			continue
		}
		covers, err := coversInstant(e, at)
		if err != nil {
			return nil, fmt.Errorf("team %q: PagerDuty schedule %q: %w", t.Name, schedule, err)
		}
		if !covers {
			continue
		}
		switch {
		case len(onCall) == 0 || e.EscalationLevel < lowest:
			onCall, lowest = []pdOnCall{e}, e.EscalationLevel
		case e.EscalationLevel == lowest:
			onCall = append(onCall, e)
		}
	}
	people := make([]team.Person, 0, len(onCall))
	seen := map[string]bool{}
	for _, e := range onCall {
		key := strings.ToLower(e.User.Email)
		if key == "" {
			key = "id:" + e.User.ID
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		switch p, ok := t.PersonByEmail(e.User.Email); {
		case e.User.Email != "" && ok:
			people = append(people, p)
		case e.User.Email != "":
			people = append(people, team.Person{ID: e.User.Email, Email: e.User.Email})
		default:
			// Without an email nobody can find them in Slack; the handover
			// names them and warns.
			name := e.User.Name
			if name == "" {
				name = e.User.Summary
			}
			people = append(people, team.Person{ID: e.User.ID, Name: name})
		}
	}
	return people, nil
}

// coversInstant says whether the on-call holds at: start <= at < end, a
// null start or end reaching forever.
func coversInstant(e pdOnCall, at time.Time) (bool, error) {
	if e.Start != nil {
		start, err := time.Parse(time.RFC3339, *e.Start)
		if err != nil {
			return false, fmt.Errorf("on-call start %q: %w", *e.Start, err)
		}
		if at.Before(start) {
			return false, nil
		}
	}
	if e.End != nil {
		end, err := time.Parse(time.RFC3339, *e.End)
		if err != nil {
			return false, fmt.Errorf("on-call end %q: %w", *e.End, err)
		}
		if !at.Before(end) {
			return false, nil
		}
	}
	return true, nil
}

// list asks for one page of on-calls.
func (p *PagerDuty) list(ctx context.Context, t team.Team, q url.Values) (*pdOnCalls, error) {
	schedule := t.Pager.PagerDutySchedule
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.baseURL+"/oncalls?"+q.Encode(), nil)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: PagerDuty schedule %q: PAGERDUTY_API_URL: %v", t.Name, schedule, err), "PagerDutyError", nil)
	}
	req.Header.Set("Authorization", "Token token="+p.token)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		// Network errors and timeouts: Temporal retries with backoff. The
		// URL carries no secret, but the error says only what failed.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("team %q: PagerDuty schedule %q: %w", t.Name, schedule, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("team %q: PagerDuty schedule %q: reading the answer: %w", t.Name, schedule, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, classifyPagerDuty(t, resp, body)
	}
	var page pdOnCalls
	if err := json.Unmarshal(body, &page); err != nil {
		// A proxy's page, or a cut answer: worth another try.
		return nil, fmt.Errorf("team %q: PagerDuty schedule %q: the answer is not PagerDuty's list of on-calls: %w", t.Name, schedule, err)
	}
	return &page, nil
}

// classifyPagerDuty turns an HTTP error into a retryable error (rate
// limits, timeouts and PagerDuty's own failures) or a non-retryable one that
// says what to fix.
func classifyPagerDuty(t team.Team, resp *http.Response, body []byte) error {
	schedule := t.Pager.PagerDutySchedule
	var e pdError
	detail := http.StatusText(resp.StatusCode)
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		detail = e.Error.Message
		if len(e.Error.Errors) > 0 {
			detail += ": " + strings.Join(e.Error.Errors, "; ")
		}
		if e.Error.Code != 0 {
			detail += fmt.Sprintf(" (code %d)", e.Error.Code)
		}
	}
	status := fmt.Sprintf("HTTP %d: %s", resp.StatusCode, detail)
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: PagerDuty refused the API token for schedule %q (%s): check PAGERDUTY_API_TOKEN, a REST API key (Integrations → API Access Keys; read-only is enough)",
				t.Name, schedule, status),
			"PagerDutyUnauthorized", nil)
	case code == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: PagerDuty does not let the API token read the on-calls of schedule %q (%s): check PAGERDUTY_API_TOKEN: a user's key needs a user who may see the schedule, an OAuth token the scope oncalls.read",
				t.Name, schedule, status),
			"PagerDutyUnauthorized", nil)
	case code == http.StatusNotFound,
		code == http.StatusBadRequest && e.Error.Code != 2004 && e.Error.Code != 2005:
		// An unknown schedule ID is an invalid argument of GET /oncalls
		// (400); 404 is what PagerDuty answers for one by its own path.
		// 2004 and 2005 are a bad time range: Baton's fault, not the file's.
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: PagerDuty does not know the schedule %q (%s): check pager.pagerduty_schedule in the team file: the schedule's ID, the last part of its URL (https://<subdomain>.pagerduty.com/schedules/PABC123), and PAGERDUTY_API_URL for EU accounts",
				t.Name, schedule, status),
			"PagerDutyScheduleNotFound", nil)
	case code == http.StatusTooManyRequests:
		msg := fmt.Sprintf("team %q: PagerDuty schedule %q: %s", t.Name, schedule, status)
		// PagerDuty says when the limit resets in ratelimit-reset; a proxy
		// may say Retry-After.
		wait, ok := retryafter.Parse(resp.Header.Get("Retry-After"))
		if !ok {
			wait, ok = retryafter.Parse(resp.Header.Get("ratelimit-reset"))
		}
		if ok {
			return temporal.NewApplicationErrorWithOptions(msg, "PagerDutyRateLimited",
				temporal.ApplicationErrorOptions{NextRetryDelay: max(wait, time.Second)})
		}
		return errors.New(msg)
	case code == http.StatusRequestTimeout || code >= 500:
		return fmt.Errorf("team %q: PagerDuty schedule %q: %s", t.Name, schedule, status)
	default:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("team %q: PagerDuty schedule %q: %s", t.Name, schedule, status),
			"PagerDutyError", nil)
	}
}
