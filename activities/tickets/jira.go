package tickets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/internal/retryafter"
)

const (
	// searchPath is Jira Cloud's enhanced JQL search, which replaced
	// /rest/api/3/search.
	searchPath = "/rest/api/3/search/jql"
	// issuePath creates issues, and with a key reads one.
	issuePath = "/rest/api/3/issue"
	// maxAnswer bounds how much of an answer is read; Baton asks for one
	// issue's status, or a page of a backlog's keys, summaries, priorities
	// and statuses, at most.
	maxAnswer = 1 << 20
	// maxPages bounds how many pages a search reads to fill its limit, in
	// case a site pages far below the maxResults asked for.
	maxPages = 10
	// maxDescription keeps a description within Jira's 32,767 characters
	// for a text field, with room for the document's structure.
	maxDescription = 30000
	// maxErrorText bounds what of Jira's error messages goes into an error.
	maxErrorText = 500
)

// Jira files tickets through Jira Cloud's REST API v3, authenticating with
// a user's email and API token (HTTP basic).
//
// Jira takes no idempotency key, so File looks before it writes: it
// searches the project for an issue with the dedup label and creates one
// only when there is none. Jira's search is eventually consistent, and an
// issue created seconds ago may not be found yet; the client therefore also
// remembers, for as long as it lives, what it filed and found, and files
// one key at a time, so that retries within one worker never file twice.
type Jira struct {
	base    string
	user    string
	token   string
	hc      *http.Client
	baseErr bool // base is not an http(s) URL

	mu    sync.Mutex
	filed map[string]Ticket      // project + "\x00" + dedup label
	locks map[string]*sync.Mutex // the same keys, held while filing
}

// NewJira returns a client for the Jira site at baseURL, such as
// https://example.atlassian.net (JIRA_URL), acting as user (JIRA_USER, an
// email) with apiToken (JIRA_API_TOKEN). httpClient may be nil: the default
// client then gives up after 15 seconds, because Temporal retries and a
// hung request must not hold an activity slot.
func NewJira(baseURL, user, apiToken string, httpClient *http.Client) *Jira {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	u, err := url.Parse(base)
	return &Jira{
		base:    base,
		user:    user,
		token:   apiToken,
		hc:      httpClient,
		baseErr: err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "",
		filed:   map[string]Ticket{},
		locks:   map[string]*sync.Mutex{},
	}
}

// File implements Tracker.
func (j *Jira) File(ctx context.Context, in Issue) (Ticket, error) {
	if err := validate(in); err != nil {
		return Ticket{}, err
	}
	project := strings.TrimSpace(in.Project)
	lbls := labels(in)
	id := project + "\x00" + lbls[0]
	defer j.lock(id)()

	j.mu.Lock()
	t, ok := j.filed[id]
	j.mu.Unlock()
	if ok {
		return t, nil
	}
	t, found, err := j.find(ctx, project, lbls[0])
	if err != nil {
		return Ticket{}, err
	}
	if !found {
		if t, err = j.create(ctx, project, in, lbls); err != nil {
			return Ticket{}, err
		}
	}
	j.mu.Lock()
	j.filed[id] = t
	j.mu.Unlock()
	return t, nil
}

// Resolved implements Tracker.
func (j *Jira) Resolved(ctx context.Context, key string) (bool, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return false, temporal.NewNonRetryableApplicationError("Jira get issue: no issue key", "TicketInvalid", nil)
	}
	var res struct {
		Fields struct {
			Status struct {
				Name           string `json:"name"`
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	}
	err := j.do(ctx, call{
		op:     "get issue " + key,
		method: http.MethodGet,
		path:   issuePath + "/" + url.PathEscape(key) + "?fields=status",
	}, &res)
	if err != nil {
		return false, err
	}
	return res.Fields.Status.StatusCategory.Key == "done", nil
}

// Search implements Tracker, with the enhanced search's POST form, which
// takes JQL of any length.
func (j *Jira) Search(ctx context.Context, q Query) ([]Found, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	jql := ordered(q.JQL)
	found := []Found{}
	token := ""
	for range maxPages {
		body := map[string]any{
			"jql":        jql,
			"maxResults": q.Limit - len(found),
			"fields":     []string{"summary", "priority", "status"},
		}
		if token != "" {
			body["nextPageToken"] = token
		}
		var res struct {
			Issues []struct {
				Key    string `json:"key"`
				Fields struct {
					Summary  string `json:"summary"`
					Priority *struct {
						Name string `json:"name"`
					} `json:"priority"`
					Status struct {
						Name string `json:"name"`
					} `json:"status"`
				} `json:"fields"`
			} `json:"issues"`
			NextPageToken string `json:"nextPageToken"`
			IsLast        bool   `json:"isLast"`
		}
		err := j.do(ctx, call{
			op:        "search",
			method:    http.MethodPost,
			path:      searchPath,
			body:      body,
			teamField: "jira_backlog_jql",
		}, &res)
		if err != nil {
			return nil, err
		}
		for _, is := range res.Issues {
			if is.Key == "" || len(found) == q.Limit {
				continue
			}
			f := Found{Key: is.Key, Summary: is.Fields.Summary, Status: is.Fields.Status.Name, URL: j.ticket(is.Key).URL}
			if is.Fields.Priority != nil {
				f.Priority = is.Fields.Priority.Name
			}
			found = append(found, f)
		}
		// The last page may come without isLast, or without a token.
		if len(found) == q.Limit || res.IsLast || res.NextPageToken == "" || res.NextPageToken == token {
			break
		}
		token = res.NextPageToken
	}
	return found, nil
}

// Searchable implements Tracker.
func (j *Jira) Searchable() bool { return true }

// lock holds the lock for one project and dedup label, and returns its
// release: two Files of one key wait for each other instead of both
// finding nothing and both filing.
func (j *Jira) lock(id string) func() {
	j.mu.Lock()
	l, ok := j.locks[id]
	if !ok {
		l = &sync.Mutex{}
		j.locks[id] = l
	}
	j.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// find returns the project's issue with the label, if there is one.
func (j *Jira) find(ctx context.Context, project, label string) (Ticket, bool, error) {
	q := url.Values{
		"jql":        {"project = " + jqlString(project) + " AND labels = " + jqlString(label)},
		"fields":     {"status"},
		"maxResults": {"1"},
	}
	var res struct {
		Issues []struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"issues"`
	}
	err := j.do(ctx, call{
		op:      "search",
		method:  http.MethodGet,
		path:    searchPath + "?" + q.Encode(),
		project: project,
	}, &res)
	if err != nil {
		return Ticket{}, false, err
	}
	for _, is := range res.Issues {
		if is.Key != "" {
			return j.ticket(is.Key), true, nil
		}
	}
	return Ticket{}, false, nil
}

// create files the issue in the project.
func (j *Jira) create(ctx context.Context, project string, in Issue, lbls []string) (Ticket, error) {
	fields := map[string]any{
		"project":   map[string]string{"key": project},
		"summary":   summaryLine(in.Summary),
		"issuetype": map[string]string{"name": issueType(in)},
		"labels":    lbls,
	}
	if doc := ADF(in.Description); doc != nil {
		fields["description"] = doc
	}
	var res struct {
		ID   string `json:"id"`
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	err := j.do(ctx, call{
		op:        "create issue",
		method:    http.MethodPost,
		path:      issuePath,
		body:      map[string]any{"fields": fields},
		project:   project,
		issueType: issueType(in),
	}, &res)
	if err != nil {
		return Ticket{}, err
	}
	if res.Key == "" {
		// Retryable: if the issue was created, the next try finds it.
		return Ticket{}, temporal.NewApplicationError("Jira create issue: the answer names no issue key", "JiraBadAnswer")
	}
	return j.ticket(res.Key), nil
}

// ticket is the Ticket for an issue key on this site.
func (j *Jira) ticket(key string) Ticket {
	return Ticket{Key: key, URL: j.base + "/browse/" + url.PathEscape(key)}
}

// jqlString quotes s as a JQL string literal.
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// call is one request to Jira. op names it in errors; the URL never does.
// project and issueType, when set, make a 400 or 403 say what to check;
// teamField, when set, is the team file's field a 400 is about.
type call struct {
	op        string
	method    string
	path      string // with the query
	body      any    // sent as JSON when not nil
	project   string
	issueType string
	teamField string
}

// do sends one request and decodes a 2xx answer into out.
func (j *Jira) do(ctx context.Context, c call, out any) error {
	if j.baseErr {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Jira %s: JIRA_URL is not an http(s) URL such as https://example.atlassian.net", c.op), "JiraBadURL", nil)
	}
	var body io.Reader
	if c.body != nil {
		data, err := json.Marshal(c.body)
		if err != nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("Jira %s: encoding the request: %v", c.op, err), "JiraBadRequest", nil)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, j.base+c.path, body)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Jira %s: cannot build the request: check JIRA_URL", c.op), "JiraBadURL", nil)
	}
	req.SetBasicAuth(j.user, j.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := j.hc.Do(req)
	if err != nil {
		return networkError(c.op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return networkError(c.op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return j.classify(c, resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A proxy's page in place of Jira's answer; it may pass.
		return temporal.NewApplicationError(fmt.Sprintf("Jira %s: reading the answer: %v", c.op, err), "JiraBadAnswer")
	}
	return nil
}

// networkError keeps Temporal retrying with backoff, and drops the request
// URL that net/http puts in its errors.
func networkError(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("Jira %s: network error", op), "JiraUnreachable",
		temporal.ApplicationErrorOptions{Cause: err})
}

// jiraError is the body of Jira's error answers.
type jiraError struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

// text is Jira's messages on one line: errorMessages, then the errors map
// as "field: message", by field.
func (e jiraError) text() string {
	parts := slices.Clone(e.ErrorMessages)
	for _, f := range slices.Sorted(maps.Keys(e.Errors)) {
		parts = append(parts, f+": "+e.Errors[f])
	}
	return strings.Join(parts, "; ")
}

// mentions reports whether Jira's answer is about the field.
func (e jiraError) mentions(field string) bool {
	if _, ok := e.Errors[field]; ok {
		return true
	}
	return slices.ContainsFunc(e.ErrorMessages, func(m string) bool {
		return strings.Contains(m, "'"+field+"'")
	})
}

// classify turns an error answer into one Temporal retries rightly: 429
// waits for Retry-After, 5xx backs off, and every other refusal fails the
// activity at once, since sending the same request again cannot help.
func (j *Jira) classify(c call, resp *http.Response, data []byte) error {
	var je jiraError
	isJira := json.Unmarshal(data, &je) == nil // a proxy's HTML page is not
	msg := fmt.Sprintf("Jira %s: HTTP %d", c.op, resp.StatusCode)
	if t := je.text(); t != "" {
		msg += ": " + strings.TrimSuffix(truncate(j.redact(t), maxErrorText), ".")
	}
	switch status := resp.StatusCode; {
	case status == http.StatusTooManyRequests:
		opts := temporal.ApplicationErrorOptions{}
		if d, ok := retryafter.Parse(resp.Header.Get("Retry-After")); ok {
			opts.NextRetryDelay = d
			msg += fmt.Sprintf(", retry after %s", d)
		}
		return temporal.NewApplicationErrorWithOptions(msg, "JiraRateLimited", opts)
	case status >= 500:
		return temporal.NewApplicationError(msg, "JiraUnavailable")
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		msg += ": check JIRA_USER and JIRA_API_TOKEN"
		if status == http.StatusForbidden && c.project != "" {
			msg += fmt.Sprintf(", and that the user may browse and create issues in project %q", c.project)
		}
		return temporal.NewNonRetryableApplicationError(msg, "JiraAuth", nil)
	case status == http.StatusBadRequest:
		switch {
		case c.project != "" && je.mentions("project"):
			msg += fmt.Sprintf(": is there a Jira project %q? check jira_project in the team file", c.project)
		case c.issueType != "" && je.mentions("issuetype"):
			msg += fmt.Sprintf(": project %q has no issue type %q; check jira_project in the team file", c.project, c.issueType)
		case c.teamField != "":
			msg += fmt.Sprintf(": check %s in the team file", c.teamField)
		}
		return temporal.NewNonRetryableApplicationError(msg, "JiraBadRequest", nil)
	case status == http.StatusNotFound:
		if !isJira || len(je.ErrorMessages)+len(je.Errors) == 0 {
			msg += ": is JIRA_URL a Jira Cloud site?"
		}
		return temporal.NewNonRetryableApplicationError(msg, "JiraNotFound", nil)
	default:
		return temporal.NewNonRetryableApplicationError(msg, "JiraError", nil)
	}
}

// redact takes the API token out of a message from Jira, though Jira is not
// known to quote it.
func (j *Jira) redact(s string) string {
	if j.token != "" {
		s = strings.ReplaceAll(s, j.token, "…")
	}
	return s
}

// ADFNode is a node of an Atlassian Document Format document, the rich
// text Jira Cloud's v3 API takes for a description.
type ADFNode struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"` // 1, on the doc only
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []ADFNode      `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
}

// ADF converts a plain-text description to an ADF document: blank lines
// separate paragraphs, lines within one are joined by hard breaks, runs of
// lines starting with "- " make a bullet list, and a line starting with
// "## " is a heading ("# " to "###### " give levels 1 to 6). An empty
// description gives nil; a description longer than Jira takes is cut.
func ADF(text string) *ADFNode {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	text = truncate(text, maxDescription)
	var (
		blocks []ADFNode
		para   []string  // lines of the paragraph being read
		items  []ADFNode // items of the bullet list being read
	)
	endPara := func() {
		if len(para) > 0 {
			blocks = append(blocks, ADFNode{Type: "paragraph", Content: lines(para)})
			para = nil
		}
	}
	endList := func() {
		if len(items) > 0 {
			blocks = append(blocks, ADFNode{Type: "bulletList", Content: items})
			items = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		bare := strings.TrimLeft(line, " \t")
		switch level, title := heading(bare); {
		case line == "":
			endPara()
			endList()
		case bare == "-" || strings.HasPrefix(bare, "- "):
			endPara()
			item := ADFNode{Type: "paragraph", Content: lines([]string{strings.TrimSpace(bare[1:])})}
			items = append(items, ADFNode{Type: "listItem", Content: []ADFNode{item}})
		case level > 0:
			endPara()
			endList()
			blocks = append(blocks, ADFNode{Type: "heading", Attrs: map[string]any{"level": level}, Content: lines([]string{title})})
		default:
			endList()
			para = append(para, line)
		}
	}
	endPara()
	endList()
	return &ADFNode{Type: "doc", Version: 1, Content: blocks}
}

// heading reads a heading line, "## Title": its level, or 0 when the line
// is no heading, and its title.
func heading(line string) (int, string) {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(line) || line[n] != ' ' {
		return 0, ""
	}
	return n, strings.TrimSpace(line[n:])
}

// lines are text nodes separated by hard breaks. ADF allows no empty text
// node, so empty lines are left out.
func lines(ls []string) []ADFNode {
	var out []ADFNode
	for _, l := range ls {
		if l == "" {
			continue
		}
		if len(out) > 0 {
			out = append(out, ADFNode{Type: "hardBreak"})
		}
		out = append(out, ADFNode{Type: "text", Text: l})
	}
	return out
}
