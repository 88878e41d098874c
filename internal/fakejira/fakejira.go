// Package fakejira is an in-process fake of Jira Cloud's REST API v3, the
// part of it that files tickets, reads their status and searches a team's
// backlog, for tests:
//
//	GET  /rest/api/3/search/jql?jql=...&fields=...&maxResults=...&nextPageToken=...
//	POST /rest/api/3/search/jql             {"jql", "maxResults", "fields", "nextPageToken", ...}
//	POST /rest/api/3/issue                  {"fields": {...}}
//	GET  /rest/api/3/issue/{issueIdOrKey}?fields=...
//
// It speaks Jira's wire format rather than mocking Baton's Tracker
// interface, so that a test exercises the real client: HTTP basic auth with
// an email and an API token, JSON bodies, descriptions in Atlassian
// Document Format, 201 Created with {"id", "key", "self"}, the enhanced
// search's token paging ({"issues", "nextPageToken", "isLast"}, only the
// issue's id unless fields are asked for; the POST form refuses a body
// property it does not document, as Jira does), statuses with their status
// category, priorities, and Jira's error bodies ({"errorMessages": [...],
// "errors": {field: message}}).
//
// Both searches evaluate a part of JQL (jql.go): clauses on project,
// labels, statusCategory and priority joined by AND, and ORDER BY
// priority, created or key. JQL Jira cannot parse is refused with 400 and
// Jira's message, as is JQL the fake cannot evaluate, with a message that
// says so. Requests Jira would refuse are refused with its messages where
// Baton's tests rely on them: a project that does not exist (in JQL and on
// create), an issue type the project does not have, a missing or
// multi-line summary, a label with spaces, a description that is not an
// ADF document.
//
// Issues are filed through the API, or seeded with AddIssue as people
// would file them in Jira's own UI.
//
// Faults come from the shared kit (internal/faults): a fault answers with
// Jira's error body (Retry-After on a 429) before the credentials are
// checked. A route is an endpoint: SearchEndpoint, SearchPostEndpoint,
// CreateEndpoint or GetEndpoint.
package fakejira

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// The only credentials the fake accepts: an Atlassian account's email and
// an API token.
const (
	User     = "baton@example.com"
	APIToken = "jira-token"
)

// The endpoints, as Requests counts them and On takes them.
const (
	SearchEndpoint     = "GET /rest/api/3/search/jql"
	SearchPostEndpoint = "POST /rest/api/3/search/jql"
	CreateEndpoint     = "POST /rest/api/3/issue"
	GetEndpoint        = "GET /rest/api/3/issue/{issueIdOrKey}"
)

// IssueTypes are the issue types every project has, as in a company-managed
// software project.
var IssueTypes = []string{"Task", "Bug", "Story", "Epic"}

// Priorities are Jira's default priorities, highest first; their ids are
// "1" to "5" in this order. An issue filed without one gets
// DefaultPriority, as in Jira's default priority scheme.
var Priorities = []string{"Highest", "High", "Medium", "Low", "Lowest"}

// DefaultPriority is the priority of an issue filed without one.
const DefaultPriority = "Medium"

// priorityRank is a priority's place in Priorities, from 1 (Highest), by
// its name in any case; 0 for none.
func priorityRank(name string) int {
	for i, p := range Priorities {
		if strings.EqualFold(p, name) {
			return i + 1
		}
	}
	return 0
}

const (
	// defaultMaxResults and maxMaxResults are the enhanced search's.
	defaultMaxResults = 50
	maxMaxResults     = 5000
	// maxSummary is Jira's limit on a summary, in characters.
	maxSummary = 255
)

// Issue is an issue as the fake stores it: what the client sent, and the
// status category the test set.
type Issue struct {
	ID        string
	Key       string
	Project   string
	Summary   string
	IssueType string
	Labels    []string
	// Priority is one of Priorities.
	Priority string
	// Description is the ADF document as the client sent it; nil when the
	// issue has none. DescriptionText flattens it.
	Description json.RawMessage
	// StatusCategory is "new" (To Do), "indeterminate" (In Progress) or
	// "done" (Done).
	StatusCategory string
	Created        time.Time
}

// DescriptionText is the description as plain text (see Text).
func (i Issue) DescriptionText() string {
	s, err := Text(i.Description)
	if err != nil {
		return "(invalid ADF: " + err.Error() + ")"
	}
	return s
}

// cloneIssue is a copy of is that shares no memory with it.
func cloneIssue(is *Issue) Issue {
	out := *is
	out.Labels = slices.Clone(is.Labels)
	out.Description = bytes.Clone(is.Description)
	return out
}

// Server is a fake Jira Cloud site served over HTTP.
type Server struct {
	faults.Kit
	tb  testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	mu       sync.Mutex
	projects map[string]*project // by key
	issues   []*Issue            // oldest first
	nextID   int
	requests map[string]int
	// pageSize, when not 0, caps a search's page below its maxResults.
	pageSize int
}

// project is a Jira project and the number of its last issue.
type project struct {
	key  string
	id   string
	last int
}

// New starts a fake Jira site with no projects; it is shut down when the
// test ends.
func New(tb testing.TB) *Server {
	s := &Server{tb: tb, projects: map[string]*project{}, requests: map[string]int{}, nextID: 10000}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(SearchEndpoint, s.search)
	s.mux.HandleFunc(SearchPostEndpoint, s.searchPost)
	s.mux.HandleFunc(CreateEndpoint, s.create)
	s.mux.HandleFunc(GetEndpoint, s.get)
	s.srv = fakehttp.Start(tb, s.serveHTTP)
	return s
}

// URL is the site's base, as JIRA_URL takes it.
func (s *Server) URL() string {
	return s.srv.URL
}

// AddProject creates a project with the key, such as "DATA". Its issues
// are DATA-1, DATA-2, ...
func (s *Server) AddProject(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToUpper(key)
	if _, ok := s.projects[k]; !ok {
		s.projects[k] = &project{key: k, id: strconv.Itoa(10000 + len(s.projects))}
	}
}

// Issues returns every issue created, oldest first.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.issues, cloneIssue)
}

// AddIssue files an issue as a person would in Jira's own UI, for a search
// to find: in is.Project, which must exist, with is.Summary, is.IssueType
// ("Task" when empty), is.Labels, is.Priority (DefaultPriority when
// empty) and is.StatusCategory ("new" when empty), created at is.Created
// (now when zero). The fake gives it its ID and key, which it returns.
func (s *Server) AddIssue(is Issue) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(is.Project)
	if p == nil {
		s.tb.Errorf("fakejira: AddIssue: no project %q; add it with AddProject", is.Project)
		return ""
	}
	is.IssueType = cmp.Or(is.IssueType, IssueTypes[0])
	is.Priority = cmp.Or(is.Priority, DefaultPriority)
	is.StatusCategory = cmp.Or(is.StatusCategory, "new")
	if is.Created.IsZero() {
		is.Created = time.Now()
	}
	switch {
	case !slices.Contains(IssueTypes, is.IssueType):
		s.tb.Errorf("fakejira: AddIssue: no issue type %q; want one of %q", is.IssueType, IssueTypes)
	case priorityRank(is.Priority) == 0:
		s.tb.Errorf("fakejira: AddIssue: no priority %q; want one of %q", is.Priority, Priorities)
	case statuses[is.StatusCategory].name == "":
		s.tb.Errorf("fakejira: AddIssue: no status category %q; want new, indeterminate or done", is.StatusCategory)
	default:
		return s.add(p, is).Key
	}
	return ""
}

// add files is in p, giving it its ID and key; the caller holds mu.
func (s *Server) add(p *project, is Issue) *Issue {
	p.last++
	s.nextID++
	is.ID = strconv.Itoa(s.nextID)
	is.Key = fmt.Sprintf("%s-%d", p.key, p.last)
	is.Project = p.key
	is.Labels = slices.Clone(is.Labels)
	is.Description = bytes.Clone(is.Description)
	s.issues = append(s.issues, &is)
	return &is
}

// LimitPages makes a search answer at most n issues a page, whatever its
// maxResults: Atlassian documents that the enhanced search may return
// fewer than asked, when fields are asked for, and that the rest come with
// nextPageToken.
func (s *Server) LimitPages(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// SetStatusCategory moves the issue to a status of the category: "new",
// "indeterminate" or "done", as a person working on it would.
func (s *Server) SetStatusCategory(key, category string) {
	s.tb.Helper()
	if _, ok := statuses[category]; !ok {
		s.tb.Errorf("fakejira: no status category %q; want new, indeterminate or done", category)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issue(key)
	if is == nil {
		s.tb.Errorf("fakejira: no issue %q", key)
		return
	}
	is.StatusCategory = category
}

// Requests is how many requests were made to the endpoint
// (SearchEndpoint, CreateEndpoint or GetEndpoint), failed ones included.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// fields is a JSON object.
type fields = map[string]any

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, pattern := s.mux.Handler(r)
	s.requests[pattern]++

	// Injected faults come before the credentials check: Atlassian's edge
	// answers 429 and 5xx whatever the request holds.
	if f, ok := s.Take(pattern); ok {
		f.SetRetryAfter(w.Header())
		writeError(w, f.Status, nil, cmp.Or(f.Error, http.StatusText(f.Status)))
		return
	}
	if !fakehttp.BasicAuth(w, r, User, APIToken, "protected-area") {
		writeError(w, http.StatusUnauthorized, nil, "You are not authenticated. Authentication required to perform this operation.")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultMaxResults
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, nil, "The maxResults parameter must be a non-negative integer.")
			return
		}
		limit = n
	}
	s.searchPage(w, q.Get("jql"), limit, requested(q.Get("fields"), false), q.Get("nextPageToken"))
}

// searchPost is the enhanced search's POST form, for JQL too long for a
// URL: the same search, its parameters in a JSON body.
func (s *Server) searchPost(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, nil, "Unsupported Media Type: send the search as application/json.")
		return
	}
	// The body's properties, as Atlassian documents them; Jira refuses a
	// body with any other (startAt, say) as an invalid payload.
	var body struct {
		JQL             string   `json:"jql"`
		MaxResults      *int     `json:"maxResults"`
		Fields          []string `json:"fields"`
		NextPageToken   string   `json:"nextPageToken"`
		Expand          string   `json:"expand"`
		Properties      []string `json:"properties"`
		FieldsByKeys    bool     `json:"fieldsByKeys"`
		FailFast        bool     `json:"failFast"`
		ReconcileIssues []int64  `json:"reconcileIssues"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || (body.MaxResults != nil && *body.MaxResults < 0) {
		writeError(w, http.StatusBadRequest, nil, "Invalid request payload. Refer to the REST API documentation and try again.")
		return
	}
	limit := defaultMaxResults
	if body.MaxResults != nil {
		limit = *body.MaxResults
	}
	s.searchPage(w, body.JQL, limit, requested(strings.Join(body.Fields, ","), false), body.NextPageToken)
}

// searchPage answers one page of a search: the issues that jql finds, in
// its order, from the one nextPageToken names, at most limit of them, with
// the fields in want.
func (s *Server) searchPage(w http.ResponseWriter, jql string, limit int, want map[string]bool, nextPageToken string) {
	q, err := parse(jql)
	if err == nil {
		err = s.check(q)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, nil, err.Error())
		return
	}
	if len(q.where) == 0 {
		// The enhanced search refuses unbounded queries.
		writeError(w, http.StatusBadRequest, nil, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
		return
	}
	limit = min(limit, maxMaxResults)
	if s.pageSize > 0 {
		limit = min(limit, s.pageSize)
	}
	start := 0
	if nextPageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(nextPageToken)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 {
			writeError(w, http.StatusBadRequest, nil, "The nextPageToken is invalid.")
			return
		}
	}
	var found []*Issue
	for _, is := range s.issues {
		if q.matches(is) {
			found = append(found, is)
		}
	}
	q.sort(found)
	start = min(start, len(found))
	end := min(start+limit, len(found))
	page := []fields{}
	for _, is := range found[start:end] {
		page = append(page, s.issueJSON(is, want, true))
	}
	res := fields{"issues": page, "isLast": end == len(found)}
	if end < len(found) {
		res["nextPageToken"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	is := s.issue(r.PathValue("issueIdOrKey"))
	if is == nil {
		writeError(w, http.StatusNotFound, nil, "Issue does not exist or you do not have permission to see it.")
		return
	}
	writeJSON(w, http.StatusOK, s.issueJSON(is, requested(r.URL.Query().Get("fields"), true), false))
}

// issue finds an issue by key (in any case) or id; the caller holds mu.
func (s *Server) issue(idOrKey string) *Issue {
	for _, is := range s.issues {
		if is.ID == idOrKey || strings.EqualFold(is.Key, idOrKey) {
			return is
		}
	}
	return nil
}

// requested reads a fields parameter: the fields asked for, or all of
// them. A search returns only ids unless asked; a get returns every field.
func requested(param string, all bool) map[string]bool {
	want := map[string]bool{}
	if param == "" && all {
		param = "*all"
	}
	for _, f := range strings.Split(param, ",") {
		switch f = strings.TrimSpace(f); f {
		case "*all", "*navigable":
			for _, k := range []string{"status", "summary", "issuetype", "project", "labels", "priority", "description", "created"} {
				want[k] = true
			}
		case "":
		default:
			want[f] = !strings.HasPrefix(f, "-")
		}
	}
	return want
}

// issueJSON shows an issue as Jira does, with the fields asked for. A
// search with no fields asked for shows only the id.
func (s *Server) issueJSON(is *Issue, want map[string]bool, inSearch bool) fields {
	self := s.srv.URL + "/rest/api/3/issue/" + is.ID
	if inSearch && len(want) == 0 {
		return fields{"id": is.ID}
	}
	f := fields{}
	if want["status"] {
		f["status"] = statusJSON(s.srv.URL, is.StatusCategory)
	}
	if want["summary"] {
		f["summary"] = is.Summary
	}
	if want["issuetype"] {
		f["issuetype"] = fields{"name": is.IssueType, "subtask": false}
	}
	if want["project"] {
		f["project"] = fields{"key": is.Project, "id": s.projects[is.Project].id}
	}
	if want["labels"] {
		f["labels"] = is.Labels
	}
	if want["priority"] {
		f["priority"] = priorityJSON(s.srv.URL, is.Priority)
	}
	if want["description"] {
		f["description"] = nil
		if is.Description != nil {
			f["description"] = is.Description
		}
	}
	if want["created"] {
		f["created"] = is.Created.UTC().Format("2006-01-02T15:04:05.000-0700")
	}
	return fields{"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations", "id": is.ID, "self": self, "key": is.Key, "fields": f}
}

// statuses are a status of each category, as in Jira's default workflow:
// status name and id, category id and colour.
var statuses = map[string]struct {
	name, id          string
	catID             int
	catColor, catName string
}{
	"new":           {"To Do", "10000", 2, "blue-gray", "To Do"},
	"indeterminate": {"In Progress", "3", 4, "yellow", "In Progress"},
	"done":          {"Done", "10001", 3, "green", "Done"},
}

func statusJSON(base, category string) fields {
	st := statuses[category]
	return fields{
		"self":           base + "/rest/api/3/status/" + st.id,
		"description":    "",
		"iconUrl":        base + "/",
		"name":           st.name,
		"id":             st.id,
		"statusCategory": fields{"self": base + "/rest/api/3/statuscategory/" + strconv.Itoa(st.catID), "id": st.catID, "key": category, "colorName": st.catColor, "name": st.catName},
	}
}

// priorityJSON is a priority as Jira shows it in an issue's fields.
func priorityJSON(base, name string) fields {
	id := strconv.Itoa(priorityRank(name))
	return fields{
		"self":    base + "/rest/api/3/priority/" + id,
		"iconUrl": base + "/images/icons/priorities/" + strings.ToLower(name) + ".svg",
		"name":    name,
		"id":      id,
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, nil, "Unexpected character in the request body: "+err.Error())
		return
	}
	errs := map[string]string{}
	var in struct {
		Project struct {
			Key string `json:"key"`
			ID  string `json:"id"`
		} `json:"project"`
		IssueType struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		} `json:"issuetype"`
		Summary     *string         `json:"summary"`
		Labels      []string        `json:"labels"`
		Description json.RawMessage // checked by Text
	}
	for name, raw := range body.Fields {
		var err error
		switch name {
		case "project":
			err = json.Unmarshal(raw, &in.Project)
		case "issuetype":
			err = json.Unmarshal(raw, &in.IssueType)
		case "summary":
			err = json.Unmarshal(raw, &in.Summary)
		case "labels":
			err = json.Unmarshal(raw, &in.Labels)
		case "description":
			if string(raw) != "null" {
				in.Description = raw
			}
		default:
			errs[name] = fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", name)
		}
		if err != nil {
			errs[name] = "data was not an object"
		}
	}

	p := s.project(in.Project.Key)
	if in.Project.Key == "" && in.Project.ID != "" {
		p = s.project(in.Project.ID)
	}
	if p == nil {
		errs["project"] = "valid project is required"
	}
	if !slices.Contains(IssueTypes, in.IssueType.Name) {
		errs["issuetype"] = "valid issue type is required"
	}
	switch {
	case in.Summary == nil || strings.TrimSpace(*in.Summary) == "":
		errs["summary"] = "You must specify a summary of the issue."
	case strings.ContainsAny(*in.Summary, "\r\n"):
		errs["summary"] = "The summary is invalid because it contains newline characters."
	case utf8.RuneCountInString(*in.Summary) > maxSummary:
		errs["summary"] = "Summary must be less than 255 characters."
	}
	for _, l := range in.Labels {
		if strings.ContainsAny(l, " \t\r\n") || l == "" {
			errs["labels"] = fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
		}
	}
	if in.Description != nil {
		if _, err := Text(in.Description); err != nil {
			errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, errs)
		return
	}

	is := s.add(p, Issue{
		Summary:        *in.Summary,
		IssueType:      in.IssueType.Name,
		Labels:         in.Labels,
		Description:    in.Description,
		Priority:       DefaultPriority,
		StatusCategory: "new",
		Created:        time.Now(),
	})
	writeJSON(w, http.StatusCreated, fields{"id": is.ID, "key": is.Key, "self": s.srv.URL + "/rest/api/3/issue/" + is.ID})
}

// adfNode is a node of an Atlassian Document Format document.
type adfNode struct {
	Type    string          `json:"type"`
	Version *int            `json:"version"`
	Attrs   json.RawMessage `json:"attrs"`
	Content []adfNode       `json:"content"`
	Text    *string         `json:"text"`
}

// Text checks an ADF document as Jira would, for the nodes a plain-text
// description turns into, and flattens it to text: blocks separated by a
// blank line, a hard break as a line break, a heading as "## Title" (as
// many "#" as its level), bullet items as "- item" and ordered ones as
// "1. item", one a line. Nil or JSON null is the empty text.
func Text(doc json.RawMessage) (string, error) {
	if len(doc) == 0 || string(doc) == "null" {
		return "", nil
	}
	var root adfNode
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&root); err != nil {
		return "", fmt.Errorf("not a JSON object: %w", err)
	}
	if root.Type != "doc" || root.Version == nil || *root.Version != 1 {
		return "", fmt.Errorf(`the root is not {"type": "doc", "version": 1}`)
	}
	if root.Content == nil {
		return "", fmt.Errorf("the doc has no content")
	}
	return blocks(root.Content, "\n\n")
}

// blocks flattens block nodes, joined by sep.
func blocks(nodes []adfNode, sep string) (string, error) {
	var out []string
	for _, n := range nodes {
		var s string
		var err error
		switch n.Type {
		case "paragraph":
			s, err = inline(n.Content)
		case "heading":
			var a struct {
				Level int `json:"level"`
			}
			if json.Unmarshal(n.Attrs, &a) != nil || a.Level < 1 || a.Level > 6 {
				return "", fmt.Errorf("a heading needs attrs.level from 1 to 6")
			}
			s, err = inline(n.Content)
			s = strings.Repeat("#", a.Level) + " " + s
		case "bulletList", "orderedList":
			if len(n.Content) == 0 {
				return "", fmt.Errorf("a %s needs items", n.Type)
			}
			var items []string
			for i, it := range n.Content {
				if it.Type != "listItem" || len(it.Content) == 0 {
					return "", fmt.Errorf("a %s holds only listItems with content", n.Type)
				}
				t, err := blocks(it.Content, "\n")
				if err != nil {
					return "", err
				}
				mark := "- "
				if n.Type == "orderedList" {
					mark = strconv.Itoa(i+1) + ". "
				}
				items = append(items, mark+t)
			}
			s = strings.Join(items, "\n")
		case "codeBlock":
			s, err = inline(n.Content)
		case "rule":
			s = "---"
		default:
			return "", fmt.Errorf("unsupported block node %q", n.Type)
		}
		if err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return strings.Join(out, sep), nil
}

// inline flattens inline nodes: text, and hard breaks as line breaks.
func inline(nodes []adfNode) (string, error) {
	var b strings.Builder
	for _, n := range nodes {
		switch n.Type {
		case "text":
			if n.Text == nil || *n.Text == "" {
				return "", fmt.Errorf("a text node needs non-empty text")
			}
			b.WriteString(*n.Text)
		case "hardBreak":
			b.WriteString("\n")
		default:
			return "", fmt.Errorf("unsupported inline node %q", n.Type)
		}
	}
	return b.String(), nil
}

// writeError answers with Jira's error body: messages, and errors by field.
func writeError(w http.ResponseWriter, status int, errs map[string]string, messages ...string) {
	if errs == nil {
		errs = map[string]string{}
	}
	if messages == nil {
		messages = []string{}
	}
	writeJSON(w, status, fields{"errorMessages": messages, "errors": errs})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	fakehttp.WriteJSON(w, status, "application/json;charset=UTF-8", body)
}
