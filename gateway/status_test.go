package gateway

// Status page tests: GET /status, /status/{team} and their JSON twins
// served with httptest from a fake source that counts its reads, and the
// Temporal source's reading of visibility against a *mocks.Client.
//
// Identifiers here start with "sp" so that they cannot collide with the
// package's other test files.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/texttest"
	"github.com/baton-oncall/baton/statuspage"
	"github.com/baton-oncall/baton/summary"
	"github.com/baton-oncall/baton/team"
)

const (
	spToken = "status-s3cret-token"
	// spTeamsYAML: data lists orders and events and keeps who is on call
	// to itself; platform shows who is on call.
	spTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: "#data-team", user_group: data-oncall}
    pager:
      rotation: {members: [alice], shift: 1w, start: "2026-11-02T09:00"}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, name: Alice Adler, email: alice@example.com}
    services:
      - {name: orders, description: Orders loaded hourly from the shop}
      - {name: events}
  - name: platform
    timezone: America/New_York
    slack: {channel: C0PLAT, user_group: S0PLAT}
    pager: {opsgenie_schedule: platform_schedule}
    handover: {weekday: friday, time: "16:00"}
    people:
      - {id: dana, name: Dana Diaz, email: dana@example.com}
    status_page: {show_on_call: true}
`
)

// spNow is Thursday 5 November 2026, 14:05 in Berlin.
var spNow = time.Date(2026, 11, 5, 13, 5, 0, 0, time.UTC)

// spSource is a status source that counts its reads; with block set, a
// read of incidents waits until it is closed.
type spSource struct {
	mu      sync.Mutex
	reads   map[string]int
	checks  int
	records map[string][]statuspage.Record
	err     error
	block   chan struct{}
}

func (s *spSource) Incidents(_ context.Context, team string, since time.Time) ([]statuspage.Record, bool, error) {
	s.mu.Lock()
	s.reads[team]++
	block, err := s.block, s.err
	s.mu.Unlock()
	if block != nil {
		<-block
	}
	if err != nil {
		return nil, false, err
	}
	return s.records[team], false, nil
}

func (s *spSource) Checks(_ context.Context, t team.Team) ([]statuspage.Check, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks++
	if t.Name == "data" {
		return []statuspage.Check{{Name: "events_fresh", Service: "events", Failing: true}}, nil
	}
	return nil, nil
}

func (s *spSource) readsOf(team string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[team]
}

type spFixture struct {
	gw     *Gateway
	client *mocks.Client
	src    *spSource
	logs   *texttest.Log
	// now is the gateway's clock; onCalls counts the pager's answers.
	mu      sync.Mutex
	now     time.Time
	onCalls []string
}

// spNew is a gateway on the fake source, with the token (or none).
func spNew(t *testing.T, token string) *spFixture {
	t.Helper()
	teams, err := team.Parse([]byte(spTeamsYAML))
	if err != nil {
		t.Fatalf("the test's team file: %v", err)
	}
	f := &spFixture{client: &mocks.Client{}, logs: &texttest.Log{}, now: spNow, src: &spSource{reads: map[string]int{}, records: map[string][]statuspage.Record{
		"data": {{Incident: summary.Incident{Team: "data", Service: "orders", Severity: "critical", Summary: "orders_daily has not loaded",
			Triggered: time.Date(2026, 11, 5, 13, 2, 0, 0, time.UTC), AcknowledgedBy: "alice", OnCall: []string{"alice"}},
			State: contract.StateTriggered, Running: true}},
	}}}
	f.gw = New(Options{
		Temporal: f.client, Teams: teams, StatusToken: token,
		Now:    func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now },
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
		OnCall: func(_ context.Context, tm team.Team, _ time.Time) ([]team.Person, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.onCalls = append(f.onCalls, tm.Name)
			p, _ := tm.Person(tm.People[0].ID)
			return []team.Person{p}, nil
		},
	})
	f.gw.statusSource = f.src
	return f
}

func (f *spFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *spFixture) get(t *testing.T, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	return htServe(t, f.gw, req)
}

// spOK checks a 200 and its headers.
func spOK(t *testing.T, rec *httptest.ResponseRecorder, contentType string) string {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type %q, want %q", ct, contentType)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q: no script may run on the page", csp)
	}
	return rec.Body.String()
}

func TestStatusPageShowsEachTeamsServices(t *testing.T) {
	f := spNew(t, "")
	html := spOK(t, f.get(t, "/status/data", nil), "text/html; charset=utf-8")
	for _, want := range []string{
		`<title>Status: data</title>`,
		`<li class="service" data-service="orders" data-status="down">`,
		`<li class="service" data-service="events" data-status="degraded">`,
		`orders_daily has not loaded`,
		`Investigating since 14:02`,
		`1 check failing`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("/status/data lacks %s", want)
		}
	}
	if strings.Contains(html, "platform") || strings.Contains(html, "alice") || strings.Contains(html, "Alice") {
		t.Error("/status/data shows another team, or names someone of a team that keeps who is on call to itself")
	}

	var page struct {
		Status string
		Teams  []struct {
			Name     string
			Status   string
			OnCall   []string `json:"on_call"`
			Services []struct{ Name, Status string }
		}
	}
	if err := json.Unmarshal([]byte(spOK(t, f.get(t, "/status.json", nil), "application/json")), &page); err != nil {
		t.Fatal(err)
	}
	if page.Status != "down" || len(page.Teams) != 2 || page.Teams[0].Name != "data" || page.Teams[1].Name != "platform" ||
		page.Teams[1].Status != "operational" || len(page.Teams[1].Services) != 0 {
		t.Errorf("/status.json %+v", page)
	}
	if got := page.Teams[1].OnCall; len(got) != 1 || got[0] != "Dana Diaz" {
		t.Errorf("platform shows who is on call: %v, want Dana Diaz", got)
	}
	if len(page.Teams[0].OnCall) != 0 {
		t.Errorf("data keeps who is on call to itself, but the page says %v", page.Teams[0].OnCall)
	}
	f.mu.Lock()
	asked := strings.Join(f.onCalls, ",")
	f.mu.Unlock()
	if asked != "platform" {
		t.Errorf("the pager was asked for %q: only for a team that shows who is on call", asked)
	}

	all := spOK(t, f.get(t, "/status", nil), "text/html; charset=utf-8")
	if !strings.Contains(all, `data-team="data"`) || !strings.Contains(all, `data-team="platform"`) || !strings.Contains(all, "On call: Dana Diaz.") {
		t.Errorf("/status lacks a team, or platform's on-call:\n%s", all)
	}
	var one struct{ Teams []struct{ Name string } }
	if err := json.Unmarshal([]byte(spOK(t, f.get(t, "/status/platform.json", nil), "application/json")), &one); err != nil || len(one.Teams) != 1 || one.Teams[0].Name != "platform" {
		t.Errorf("/status/platform.json %+v %v", one, err)
	}
}

func TestStatusUnknownTeam(t *testing.T) {
	f := spNew(t, "")
	rec := f.get(t, "/status/nosuch.json", nil)
	ctJSONError(t, rec, http.StatusNotFound, `unknown team "nosuch"`, "data, platform")
	rec = f.get(t, "/status/nosuch", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "data, platform") {
		t.Errorf("/status/nosuch: %d %s", rec.Code, rec.Body)
	}
	if f.src.readsOf("nosuch") != 0 {
		t.Error("an unknown team was read")
	}
}

func TestStatusToken(t *testing.T) {
	f := spNew(t, spToken)
	for _, path := range []string{"/status", "/status.json", "/status/data", "/status/data.json", "/status/nosuch"} {
		for _, c := range []struct {
			query  string
			header http.Header
		}{
			{"", nil},
			{"?token=guess", nil},
			{"?token=" + strings.ToUpper(spToken), nil},
			{"?token=" + spToken + "x", nil},
			{"", http.Header{"Authorization": {"Bearer guess"}}},
			{"", http.Header{"Authorization": {spToken}}},
			{"", http.Header{"Authorization": {"Basic " + spToken}}},
		} {
			rec := f.get(t, path+c.query, c.header)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s%s %v: status %d, want 403", path, c.query, c.header, rec.Code)
			}
			msg := rec.Body.String()
			if !strings.Contains(msg, "BATON_STATUS_TOKEN") || strings.Contains(msg, spToken) || strings.Contains(msg, "nosuch") || strings.Contains(msg, "platform") {
				t.Errorf("%s: the refusal %q does not say why, or tells what exists, or echoes the token", path, msg)
			}
		}
	}
	if strings.Contains(f.logs.String(), spToken) {
		t.Error("the log holds the token")
	}
	f.src.mu.Lock()
	reads, checks := len(f.src.reads), f.src.checks
	f.src.mu.Unlock()
	if reads != 0 || checks != 0 || len(f.onCalls) != 0 {
		t.Errorf("a refused request read %d teams' incidents, %d teams' checks, asked the pager %d times: it must reach nothing", reads, checks, len(f.onCalls))
	}
	htNoCalls(t, f.client)

	rec := f.get(t, "/status/data?token="+spToken, nil)
	spOK(t, rec, "text/html; charset=utf-8")
	if cc := rec.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("Cache-Control %q: a page behind a token must not sit in a shared cache", cc)
	}
	if rp := rec.Header().Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("Referrer-Policy %q: the address holds the token", rp)
	}
	spOK(t, f.get(t, "/status.json", http.Header{"Authorization": {"bearer " + spToken}}), "application/json")
}

func TestStatusWithoutTokenIsPublic(t *testing.T) {
	f := spNew(t, "")
	rec := f.get(t, "/status", nil)
	spOK(t, rec, "text/html; charset=utf-8")
	if cc := rec.Header().Get("Cache-Control"); cc != fmt.Sprintf("public, max-age=%d", int(statusTTL.Seconds())) {
		t.Errorf("Cache-Control %q", cc)
	}
}

// A crowd reading a page whose status has just expired costs one read:
// the first reader reads, the others wait for it.
func TestStatusHundredConcurrentReadersShareOneRead(t *testing.T) {
	f := spNew(t, "")
	spOK(t, f.get(t, "/status/data", nil), "text/html; charset=utf-8")
	if n := f.src.readsOf("data"); n != 1 {
		t.Fatalf("%d reads for the first reader", n)
	}
	f.advance(statusTTL + time.Second)
	f.src.mu.Lock()
	f.src.block = make(chan struct{})
	f.src.mu.Unlock()

	const readers = 100
	codes := make(chan int, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			f.gw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status/data.json", nil))
			codes <- rec.Code
		})
	}
	// Wait until every reader is either reading or waiting on the read.
	waiting := func() int {
		f.gw.statusCache.mu.Lock()
		defer f.gw.statusCache.mu.Unlock()
		if e := f.gw.statusCache.entries["data"]; e != nil && !e.done {
			return e.waiters
		}
		return -1
	}
	for deadline := time.Now().Add(30 * time.Second); waiting() != readers-1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d readers waiting on the read, want %d", waiting(), readers-1)
		}
	}
	close(f.src.block)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("a reader got %d", code)
		}
	}
	if n := f.src.readsOf("data"); n != 2 {
		t.Errorf("%d reads in all, want 2: one for the first reader, one for the %d that came after it expired", n, readers)
	}
}

func TestStatusIsKeptForItsTTLAndAFailureIsNot(t *testing.T) {
	f := spNew(t, "")
	for range 5 {
		spOK(t, f.get(t, "/status/data", nil), "text/html; charset=utf-8")
		f.advance(statusTTL / 5)
	}
	if n := f.src.readsOf("data"); n != 1 {
		t.Errorf("%d reads within %s, want 1", n, statusTTL)
	}
	f.advance(statusTTL)
	spOK(t, f.get(t, "/status/data.json", nil), "application/json")
	if n := f.src.readsOf("data"); n != 2 {
		t.Errorf("%d reads after it expired, want 2 (the HTML and the JSON share the team's status)", n)
	}

	f.advance(statusTTL)
	f.src.mu.Lock()
	f.src.err = errors.New("dial tcp 10.0.0.7:7233: connection refused")
	f.src.mu.Unlock()
	rec := f.get(t, "/status/data", nil)
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "10.0.0.7") || !strings.Contains(rec.Body.String(), "try again") {
		t.Errorf("Temporal down: %d %q; want 503 that keeps Temporal's error to the log", rec.Code, rec.Body)
	}
	if !strings.Contains(f.logs.String(), "10.0.0.7") {
		t.Error("Temporal's error is not logged")
	}
	f.src.mu.Lock()
	f.src.err = nil
	f.src.mu.Unlock()
	spOK(t, f.get(t, "/status/data", nil), "text/html; charset=utf-8")
	if n := f.src.readsOf("data"); n != 4 {
		t.Errorf("%d reads, want 4: a failed read is not kept", n)
	}
}

// spExec is one run as visibility lists it.
func spExec(t *testing.T, id string, status enumspb.WorkflowExecutionStatus, start, closed time.Time, memo map[string]any, attrs map[string]string) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	e := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: id + "-" + start.Format("150405")},
		Status:    status, StartTime: timestamppb.New(start),
		Memo: &commonpb.Memo{Fields: map[string]*commonpb.Payload{}}, SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{}},
	}
	if !closed.IsZero() {
		e.CloseTime = timestamppb.New(closed)
	}
	for k, v := range memo {
		p, err := dc.ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		e.Memo.Fields[k] = p
	}
	for k, v := range attrs {
		p, err := dc.ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		e.SearchAttributes.IndexedFields[k] = p
	}
	return e
}

func TestTemporalStatusReadsIncidentsFromOneVisibilityQuery(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 5, h, m, 0, 0, time.UTC) }
	running, done, continued := enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
	state, sev, svc := contract.StateKey.GetName(), contract.SeverityKey.GetName(), contract.ServiceKey.GetName()
	execs := []*workflowpb.WorkflowExecutionInfo{
		// Acknowledged, its record in the memo.
		spExec(t, "incident:data:a", running, at(9, 0), time.Time{},
			map[string]any{contract.IncidentMemoKey: summary.Incident{Team: "data", Severity: "critical", Service: "orders", Summary: "orders late",
				Triggered: at(9, 0), Acknowledged: at(9, 5), AcknowledgedBy: "alice"}, contract.IncidentSummaryMemoKey: "orders late"},
			map[string]string{state: contract.StateAcknowledged, sev: "critical", svc: "orders"}),
		// Just started: only the gateway's summary memo and attributes.
		spExec(t, "incident:data:b", running, at(13, 0), time.Time{},
			map[string]any{contract.IncidentSummaryMemoKey: "events stale"},
			map[string]string{state: contract.StateTriggered, sev: "low", svc: "events"}),
		// Continued as new: the running run is the incident, listed once.
		spExec(t, "incident:data:c", running, at(12, 0), time.Time{},
			map[string]any{contract.IncidentMemoKey: summary.Incident{Severity: "high", Summary: "long one", Triggered: at(1, 0)}},
			map[string]string{state: contract.StateMitigated}),
		spExec(t, "incident:data:c", continued, at(1, 0), at(12, 0),
			map[string]any{contract.IncidentMemoKey: summary.Incident{Severity: "high", Summary: "long one", Triggered: at(1, 0)}},
			map[string]string{state: contract.StateAcknowledged}),
		// Closed this morning.
		spExec(t, "incident:data:d", done, at(7, 0), at(8, 30),
			map[string]any{contract.IncidentMemoKey: summary.Incident{Severity: "critical", Service: "orders", Summary: "done", Triggered: at(7, 0), Resolved: at(8, 0)}},
			map[string]string{state: contract.StateClosed}),
		// A drill: the team's own exercise, which stakeholders never see.
		spExec(t, contract.DrillIncidentWorkflowID("data", "20261105T100000Z"), running, at(10, 0), time.Time{},
			map[string]any{contract.IncidentMemoKey: summary.Incident{Severity: "critical", Summary: "Drill", Triggered: at(10, 0), Drill: &summary.Drill{Steps: []string{"sms"}}}},
			map[string]string{state: contract.StateTriggered, sev: "critical"}),
	}
	c := &mocks.Client{}
	var query string
	c.On("ListWorkflow", mock.Anything, mock.Anything).Return(func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
		query = req.GetQuery()
		if req.GetPageSize() != statusPageSize {
			t.Errorf("page size %d", req.GetPageSize())
		}
		return &workflowservice.ListWorkflowExecutionsResponse{Executions: execs}, nil
	}, nil)
	since := at(0, 0).AddDate(0, 0, -30)
	got, partial, err := temporalStatus{client: c}.Incidents(context.Background(), "data", since)
	if err != nil || partial {
		t.Fatal(err, partial)
	}
	want := `WorkflowType = "Incident" AND BatonTeam = "data" AND (ExecutionStatus = 'Running' OR CloseTime >= "2026-10-06T00:00:00Z")`
	if query != want {
		t.Errorf("query\n%s\nwant\n%s", query, want)
	}
	c.AssertNumberOfCalls(t, "ListWorkflow", 1)
	if len(got) != 4 {
		t.Fatalf("%d records, want 4 (a run continued as new read once, a drill not at all): %+v", len(got), got)
	}
	for i, w := range []struct {
		summary, severity, service, state string
		running                           bool
		triggered                         time.Time
	}{
		{"orders late", "critical", "orders", contract.StateAcknowledged, true, at(9, 0)},
		{"events stale", "low", "events", contract.StateTriggered, true, at(13, 0)},
		{"long one", "high", "", contract.StateMitigated, true, at(1, 0)},
		{"done", "critical", "orders", contract.StateClosed, false, at(7, 0)},
	} {
		r := got[i]
		if r.Summary != w.summary || r.Severity != w.severity || r.Service != w.service || r.State != w.state || r.Running != w.running || !r.Triggered.Equal(w.triggered) {
			t.Errorf("record %d: %+v, want %+v", i, r, w)
		}
	}
	if !got[3].Ended.Equal(at(8, 30)) || !got[0].Ended.IsZero() {
		t.Errorf("ended: %s, %s", got[3].Ended, got[0].Ended)
	}
}

func TestTemporalStatusReadsAtMostItsBound(t *testing.T) {
	c := &mocks.Client{}
	calls := 0
	c.On("ListWorkflow", mock.Anything, mock.Anything).Return(func(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
		page := &workflowservice.ListWorkflowExecutionsResponse{NextPageToken: []byte("more")}
		for i := range statusPageSize {
			page.Executions = append(page.Executions, spExec(t, fmt.Sprintf("incident:data:%d-%d", calls, i), enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
				spNow.Add(-time.Hour), spNow, nil, nil))
		}
		calls++
		return page, nil
	}, nil)
	got, partial, err := temporalStatus{client: c}.Incidents(context.Background(), "data", spNow.AddDate(0, 0, -30))
	if err != nil || !partial || len(got) != statusMostRuns {
		t.Errorf("%d records, partial %v, %v: want %d, and partial", len(got), partial, err, statusMostRuns)
	}
	c.AssertNumberOfCalls(t, "ListWorkflow", statusMostRuns/statusPageSize+1)
}

// A read that panics still ends: the readers waiting on it are answered,
// and the next reader reads again.
func TestStatusCacheAReadThatPanicsIsDone(t *testing.T) {
	c := newStatusCache(func() time.Time { return spNow })
	func() {
		defer func() { _ = recover() }()
		_, _ = c.get(context.Background(), "data", func(context.Context) (teamStatus, error) { panic("boom") })
	}()
	c.mu.Lock()
	e := c.entries["data"]
	c.mu.Unlock()
	select {
	case <-e.ready:
	default:
		t.Fatal("the read that panicked left its waiters waiting")
	}
	st, err := c.get(context.Background(), "data", func(context.Context) (teamStatus, error) { return teamStatus{at: spNow}, nil })
	if err != nil || !st.at.Equal(spNow) {
		t.Errorf("the next read: %+v, %v", st, err)
	}
}
