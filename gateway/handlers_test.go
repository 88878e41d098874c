package gateway

// HTTP handler tests: the gateway's routes served with httptest, with a
// *mocks.Client from go.temporal.io/sdk/mocks standing in for Temporal.
//
// Most of them check that a bad request changes nothing: the mock has no
// expectations, so any Temporal call panics inside the handler, which
// htServe turns into a test failure naming the request; and htNoCalls
// checks that the mock saw no call at all.
//
// Identifiers here start with "ht" so that they cannot collide with the
// package's other test files.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/fakeslack"
	"github.com/baton-oncall/baton/team"
	"github.com/baton-oncall/baton/workflows"
)

const (
	htToken  = "s3cret-webhook-token"
	htSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	// htTeamsYAML is a small valid team file: "data" is the team of every
	// sample in testdata.
	htTeamsYAML = `
teams:
  - name: data
    timezone: Europe/Berlin
    slack: {channel: C0DATA, user_group: data-oncall}
    pager: {opsgenie_schedule: data_schedule}
    handover: {weekday: monday, time: "09:00"}
    people:
      - {id: alice, email: alice@example.com, slack_id: U123}
` + htPlatformYAML
	// htPlatformYAML ends a team file with platform, paged through
	// Opsgenie, whose one person has no Slack ID.
	htPlatformYAML = `
  - name: platform
    timezone: America/New_York
    slack: {channel: C0PLAT, user_group: S0PLAT}
    pager: {opsgenie_schedule: platform_schedule}
    handover: {weekday: friday, time: "16:00"}
    people:
      - {id: dana, email: dana@example.com}
`
)

// htNow is the gateway's clock in the Slack tests.
var htNow = time.Date(2026, 3, 2, 6, 5, 0, 0, time.UTC)

// htTeamsFile is the team file of htTeamsYAML, which parses.
func htTeamsFile() *team.File {
	f, err := team.Parse([]byte(htTeamsYAML))
	if err != nil {
		panic(err)
	}
	return f
}

func htTeams(t *testing.T) *team.File {
	t.Helper()
	f, err := team.Parse([]byte(htTeamsYAML))
	if err != nil {
		t.Fatalf("the test's team file: %v", err)
	}
	return f
}

func htTeam(t *testing.T, f *team.File, name string) team.Team {
	t.Helper()
	tm, ok := f.Team(name)
	if !ok {
		t.Fatalf("team %q not in the test's team file", name)
	}
	return tm
}

// htEdit decodes a JSON object, lets edit change it, and encodes it again.
func htEdit(t *testing.T, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// htServe serves req, turning a panic in the handler (an unexpected call
// on the Temporal mock panics) into a clear failure.
func htServe(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s %s: the handler panicked, probably on a Temporal call the test did not expect:\n%v", req.Method, req.URL.Path, p)
		}
	}()
	h.ServeHTTP(rec, req)
	return rec
}

// htNoCalls checks that the mock was not called at all. Only for tests
// whose handler starts no goroutine: it reads c.Calls without the mock's
// lock.
func htNoCalls(t *testing.T, c *mocks.Client) {
	t.Helper()
	c.AssertExpectations(t)
	if len(c.Calls) != 0 {
		var names []string
		for _, call := range c.Calls {
			names = append(names, call.Method)
		}
		t.Errorf("Temporal was called: %s", strings.Join(names, ", "))
	}
}

func htWebhookRequest(method, path, auth string, body []byte) *http.Request {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}

// htJSON checks that rec's answer is JSON and decodes it into v; strictly,
// when strict, so that a field v lacks fails the test.
func htJSON(t *testing.T, rec *httptest.ResponseRecorder, v any, strict bool) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var err error
	if strict {
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	} else {
		err = json.Unmarshal(rec.Body.Bytes(), v)
	}
	if err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
}

// htErrorBody decodes {"error": ...}, beside which an answer to alerts
// lists the alerts it refused.
func htErrorBody(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error    string `json:"error"`
		Rejected []any  `json:"rejected"`
	}
	htJSON(t, rec, &body, true)
	if body.Error == "" {
		t.Fatalf("body %s has no error", rec.Body)
	}
	return body.Error
}

// htAccepted decodes a webhook's 202 answer.
type htAccepted struct {
	Incidents []string `json:"incidents"`
	Ignored   string   `json:"ignored"`
	Rejected  []any    `json:"rejected"`
}

func htAcceptedBody(t *testing.T, rec *httptest.ResponseRecorder) htAccepted {
	t.Helper()
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %s", rec.Code, rec.Body)
	}
	var got htAccepted
	htJSON(t, rec, &got, true)
	if got.Incidents == nil {
		t.Errorf("body %s: incidents is not a list", rec.Body)
	}
	return got
}

// htRoute is one webhook route and its bodies.
type htRoute struct {
	name, path string
	// valid is a body that the route accepts.
	valid []byte
	// unknownTeam is a valid body naming the team "nope".
	unknownTeam []byte
}

func htRoutes(t *testing.T) []htRoute {
	am := readTestdata(t, "alertmanager_group.json")
	og := readTestdata(t, "opsgenie_create.json")
	return []htRoute{{
		name:  "alertmanager",
		path:  "/webhooks/alertmanager",
		valid: am,
		unknownTeam: htEdit(t, am, func(m map[string]any) {
			for _, a := range m["alerts"].([]any) {
				a.(map[string]any)["labels"].(map[string]any)["team"] = "nope"
			}
		}),
	}, {
		name:        "opsgenie",
		path:        "/webhooks/opsgenie",
		valid:       og,
		unknownTeam: htEdit(t, og, func(m map[string]any) { m["alert"].(map[string]any)["details"].(map[string]any)["team"] = "nope" }),
	}, {
		name:        "generic",
		path:        "/webhooks/generic",
		valid:       []byte(GenericExample),
		unknownTeam: htEdit(t, []byte(GenericExample), func(m map[string]any) { m["team"] = "nope" }),
	}}
}

func TestWebhookRefusalsChangeNothing(t *testing.T) {
	teams := htTeams(t)
	for _, rt := range htRoutes(t) {
		for _, tc := range []struct {
			name string
			// token is Options.WebhookToken.
			token, auth string
			body        []byte
			code        int
			// wantErr are substrings of the answer's error.
			wantErr []string
		}{
			{name: "webhooks off", token: "", auth: "Bearer " + htToken, body: rt.valid,
				code: http.StatusServiceUnavailable, wantErr: []string{"BATON_WEBHOOK_TOKEN"}},
			{name: "webhooks off, no auth", token: "", body: rt.valid,
				code: http.StatusServiceUnavailable, wantErr: []string{"BATON_WEBHOOK_TOKEN"}},
			{name: "no Authorization", token: htToken, body: rt.valid,
				code: http.StatusUnauthorized, wantErr: []string{"bearer token"}},
			{name: "wrong token", token: htToken, auth: "Bearer " + strings.ToUpper(htToken), body: rt.valid,
				code: http.StatusUnauthorized, wantErr: []string{"bearer token"}},
			{name: "shorter token", token: htToken, auth: "Bearer " + htToken[:len(htToken)-1], body: rt.valid,
				code: http.StatusUnauthorized},
			{name: "longer token", token: htToken, auth: "Bearer " + htToken + "x", body: rt.valid,
				code: http.StatusUnauthorized},
			{name: "empty token", token: htToken, auth: "Bearer ", body: rt.valid,
				code: http.StatusUnauthorized},
			{name: "Basic scheme", token: htToken, auth: "Basic " + htToken, body: rt.valid,
				code: http.StatusUnauthorized},
			{name: "token without scheme", token: htToken, auth: htToken, body: rt.valid,
				code: http.StatusUnauthorized},
			{name: "empty body", token: htToken, auth: "Bearer " + htToken, body: nil,
				code: http.StatusBadRequest, wantErr: []string{"the body is empty"}},
			{name: "cut short", token: htToken, auth: "Bearer " + htToken, body: rt.valid[:len(rt.valid)/2],
				code: http.StatusBadRequest, wantErr: []string{"invalid JSON", "ends in the middle"}},
			{name: "syntax error", token: htToken, auth: "Bearer " + htToken, body: []byte(`{"team": "data",}`),
				code: http.StatusBadRequest, wantErr: []string{"invalid JSON at byte 17"}},
			{name: "not an object", token: htToken, auth: "Bearer " + htToken, body: []byte(`["data"]`),
				code: http.StatusBadRequest, wantErr: []string{"must be a JSON object, not an array"}},
			{name: "two values", token: htToken, auth: "Bearer " + htToken, body: append(append([]byte{}, rt.valid...), "{}"...),
				code: http.StatusBadRequest, wantErr: []string{"more after the JSON object"}},
			{name: "over MaxBody", token: htToken, auth: "Bearer " + htToken, body: bytes.Repeat([]byte(" "), MaxBody+1),
				code: http.StatusRequestEntityTooLarge, wantErr: []string{strconv.Itoa(MaxBody)}},
			{name: "valid JSON over MaxBody", token: htToken, auth: "Bearer " + htToken,
				body: append(bytes.Repeat([]byte(" "), MaxBody), rt.valid...),
				code: http.StatusRequestEntityTooLarge},
			{name: "unknown team", token: htToken, auth: "Bearer " + htToken, body: rt.unknownTeam,
				code: http.StatusUnprocessableEntity, wantErr: []string{`unknown team "nope"`, "data, platform"}},
		} {
			t.Run(rt.name+"/"+tc.name, func(t *testing.T) {
				c := &mocks.Client{}
				g := New(Options{Temporal: c, Teams: teams, WebhookToken: tc.token})
				rec := htServe(t, g, htWebhookRequest(http.MethodPost, rt.path, tc.auth, tc.body))
				if rec.Code != tc.code {
					t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
				}
				msg := htErrorBody(t, rec)
				for _, w := range tc.wantErr {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not say %q", msg, w)
					}
				}
				if tc.code == http.StatusUnauthorized {
					if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
					}
					if strings.Contains(msg, htToken) {
						t.Errorf("the error %q gives the token away", msg)
					}
				} else if got := rec.Header().Get("WWW-Authenticate"); got != "" {
					t.Errorf("WWW-Authenticate %q on a %d", got, rec.Code)
				}
				htNoCalls(t, c)
			})
		}
	}
}

// Route-specific problems in well-formed JSON are 400s that say what is
// wrong, and change nothing.
func TestWebhookInvalidPayloads(t *testing.T) {
	teams := htTeams(t)
	for _, tc := range []struct {
		name, path string
		body       []byte
		wantErr    []string
	}{
		{"alertmanager version", "/webhooks/alertmanager",
			htEdit(t, readTestdata(t, "alertmanager_group.json"), func(m map[string]any) { m["version"] = "3" }),
			[]string{`field "version" is "3"`}},
		{"alertmanager every alert without team", "/webhooks/alertmanager",
			htEdit(t, readTestdata(t, "alertmanager_group.json"), func(m map[string]any) {
				for _, a := range m["alerts"].([]any) {
					delete(a.(map[string]any)["labels"].(map[string]any), "team")
				}
			}),
			[]string{`alerts[0]`, `alerts[1]`, `label "team" is missing`}},
		{"opsgenie without action", "/webhooks/opsgenie",
			htEdit(t, readTestdata(t, "opsgenie_create.json"), func(m map[string]any) { delete(m, "action") }),
			[]string{`field "action" is missing`}},
		{"generic misspelt field", "/webhooks/generic",
			htEdit(t, []byte(GenericExample), func(m map[string]any) { m["dedupe_key"] = m["dedup_key"]; delete(m, "dedup_key") }),
			[]string{`unknown field "dedupe_key"`}},
		{"generic missing fields", "/webhooks/generic", []byte(`{"team": "data"}`),
			[]string{`"dedup_key" is missing`, `"summary" is missing`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			g := New(Options{Temporal: c, Teams: teams, WebhookToken: htToken})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, tc.path, "Bearer "+htToken, tc.body))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", rec.Code, rec.Body)
			}
			msg := htErrorBody(t, rec)
			for _, w := range tc.wantErr {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			htNoCalls(t, c)
		})
	}
}

func TestWebhookRoutesTakeOnlyPOST(t *testing.T) {
	teams := htTeams(t)
	for _, rt := range htRoutes(t) {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			t.Run(rt.name+"/"+method, func(t *testing.T) {
				c := &mocks.Client{}
				g := New(Options{Temporal: c, Teams: teams, WebhookToken: htToken})
				rec := htServe(t, g, htWebhookRequest(method, rt.path, "Bearer "+htToken, rt.valid))
				if rec.Code != http.StatusMethodNotAllowed {
					t.Fatalf("status %d, want 405", rec.Code)
				}
				if allow := rec.Header().Get("Allow"); !strings.Contains(allow, http.MethodPost) {
					t.Errorf("Allow %q does not list POST", allow)
				}
				htNoCalls(t, c)
			})
		}
	}
}

// htCtxWithDeadline matches the webhook's context: bounded, so that a
// Temporal that hangs does not hold the request forever.
func htCtxWithDeadline() any {
	return mock.MatchedBy(func(ctx context.Context) bool {
		_, ok := ctx.Deadline()
		return ok
	})
}

// htStartOptions matches the StartWorkflowOptions of an incident start.
func htStartOptions(t *testing.T, id string) any {
	return mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		ok := o.ID == id &&
			o.TaskQueue == "baton" &&
			o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
		if !ok {
			t.Logf("StartWorkflowOptions ID %q, TaskQueue %q, WorkflowIDReusePolicy %v: want %q, baton, ALLOW_DUPLICATE",
				o.ID, o.TaskQueue, o.WorkflowIDReusePolicy, id)
		}
		return ok
	})
}

// htAlertSignal matches an AlertSignal by the fields that matter.
func htAlertSignal(t *testing.T, want workflows.Alert) any {
	return mock.MatchedBy(func(s workflows.AlertSignal) bool {
		a := s.Alert
		ok := a.Team == want.Team && a.DedupKey == want.DedupKey && a.Status == want.Status &&
			a.Severity == want.Severity && a.Summary == want.Summary && a.Source == want.Source
		if !ok {
			t.Logf("AlertSignal %+v does not match %+v", a, want)
		}
		return ok
	})
}

func TestAlertmanagerGroupDelivers(t *testing.T) {
	const firingKey, resolvedKey = "7f3a9c2e1b4d6a80", "c1d2e3f4a5b60718"
	firingID := contract.IncidentWorkflowID("data", firingKey)
	resolvedID := contract.IncidentWorkflowID("data", resolvedKey)
	for _, tc := range []struct {
		name string
		// resolvedErr is what signalling the resolved alert returns.
		resolvedErr error
		code        int
		incidents   []string
	}{
		{"both delivered", nil, http.StatusAccepted, []string{firingID, resolvedID}},
		{"resolved incident not found", serviceerror.NewNotFound("workflow not found for ID: " + resolvedID),
			http.StatusAccepted, []string{firingID}},
		{"resolved incident already closed", errors.New("workflow execution already completed"),
			http.StatusAccepted, []string{firingID}},
		{"signal fails", errors.New("connection refused"), http.StatusServiceUnavailable, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			teams := htTeams(t)
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("SignalWithStartWorkflow", htCtxWithDeadline(), firingID, contract.IncidentAlertSignal,
				htAlertSignal(t, workflows.Alert{
					Team: "data", DedupKey: firingKey, Status: workflows.AlertFiring, Source: workflows.SourceAlertmanager,
					Severity: workflows.SeverityCritical, Summary: "orders_daily has not finished by 06:00 UTC",
				}),
				htStartOptions(t, firingID),
				contract.IncidentWorkflowName, workflows.IncidentInput{Team: htTeam(t, teams, "data")},
			).Return(nil, nil).Once()
			c.On("SignalWorkflow", htCtxWithDeadline(), resolvedID, "", contract.IncidentAlertSignal,
				htAlertSignal(t, workflows.Alert{
					Team: "data", DedupKey: resolvedKey, Status: workflows.AlertResolved, Source: workflows.SourceAlertmanager,
					Severity: workflows.SeverityMedium,
					Summary:  `OrdersDailyLate{dag_id="orders_hourly", instance="airflow-scheduler-0:9102", job="airflow"}`,
				}),
			).Return(tc.resolvedErr).Once()

			g := New(Options{Temporal: c, Teams: teams, WebhookToken: htToken})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+htToken,
				readTestdata(t, "alertmanager_group.json")))
			c.AssertExpectations(t)
			c.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
			c.AssertNumberOfCalls(t, "SignalWorkflow", 1)
			if tc.code != http.StatusAccepted {
				if rec.Code != tc.code {
					t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
				}
				if msg := htErrorBody(t, rec); !strings.Contains(msg, resolvedID) || !strings.Contains(msg, "connection refused") {
					t.Errorf("error %q does not name the incident and the cause", msg)
				}
				return
			}
			got := htAcceptedBody(t, rec)
			if !reflect.DeepEqual(got.Incidents, tc.incidents) || got.Ignored != "" {
				t.Errorf("answer %+v, want incidents %q", got, tc.incidents)
			}
		})
	}
}

// Temporal down: the start fails and the sender gets a 503 to retry on;
// the notification's other alert is still delivered, and a retry of the
// whole is a repeat on its incident.
func TestWebhookTemporalDownIs503(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		body       []byte
		id         string
	}{
		{"alertmanager", "/webhooks/alertmanager", readTestdata(t, "alertmanager_group.json"), contract.IncidentWorkflowID("data", "7f3a9c2e1b4d6a80")},
		{"opsgenie", "/webhooks/opsgenie", readTestdata(t, "opsgenie_create.json"), contract.IncidentWorkflowID("data", "orders_daily")},
		{"generic", "/webhooks/generic", []byte(GenericExample), contract.IncidentWorkflowID("data", "orders_daily")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("SignalWithStartWorkflow", mock.Anything, tc.id, contract.IncidentAlertSignal, mock.Anything, mock.Anything,
				contract.IncidentWorkflowName, mock.Anything).
				Return(nil, serviceerror.NewUnavailable("connection refused")).Once()
			if tc.name == "alertmanager" {
				c.On("SignalWorkflow", mock.Anything, contract.IncidentWorkflowID("data", "c1d2e3f4a5b60718"), "",
					contract.IncidentAlertSignal, mock.Anything).Return(nil).Once()
			}
			g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, tc.path, "Bearer "+htToken, tc.body))
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503; body %s", rec.Code, rec.Body)
			}
			if msg := htErrorBody(t, rec); !strings.Contains(msg, tc.id) || !strings.Contains(msg, "connection refused") {
				t.Errorf("error %q does not name the incident and the cause", msg)
			}
			c.AssertExpectations(t)
			c.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
		})
	}
}

func TestGenericAndOpsgenieCreateStart(t *testing.T) {
	padded := append([]byte(GenericExample), bytes.Repeat([]byte(" "), MaxBody-len(GenericExample))...)
	for _, tc := range []struct {
		name, path string
		body       []byte
		want       workflows.Alert
	}{
		{"generic example", "/webhooks/generic", []byte(GenericExample), workflows.Alert{
			Team: "data", DedupKey: "orders_daily", Status: workflows.AlertFiring, Source: workflows.SourceGeneric,
			Severity: workflows.SeverityHigh, Summary: "orders_daily has not finished by 06:00 UTC",
		}},
		{"generic example of exactly MaxBody bytes", "/webhooks/generic", padded, workflows.Alert{
			Team: "data", DedupKey: "orders_daily", Status: workflows.AlertFiring, Source: workflows.SourceGeneric,
			Severity: workflows.SeverityHigh, Summary: "orders_daily has not finished by 06:00 UTC",
		}},
		{"opsgenie create", "/webhooks/opsgenie", readTestdata(t, "opsgenie_create.json"), workflows.Alert{
			Team: "data", DedupKey: "orders_daily", Status: workflows.AlertFiring, Source: workflows.SourceOpsgenie,
			Severity: workflows.SeverityHigh, Summary: "orders_daily has not finished by 06:00 UTC",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.body) > MaxBody {
				t.Fatalf("body of %d bytes", len(tc.body))
			}
			teams := htTeams(t)
			id := contract.IncidentWorkflowID(tc.want.Team, tc.want.DedupKey)
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.IncidentAlertSignal,
				htAlertSignal(t, tc.want), htStartOptions(t, id),
				contract.IncidentWorkflowName, workflows.IncidentInput{Team: htTeam(t, teams, "data")},
			).Return(nil, nil).Once()
			g := New(Options{Temporal: c, Teams: teams, WebhookToken: htToken})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, tc.path, "Bearer "+htToken, tc.body))
			got := htAcceptedBody(t, rec)
			if !reflect.DeepEqual(got.Incidents, []string{id}) || got.Ignored != "" {
				t.Errorf("answer %+v, want incidents [%s]", got, id)
			}
			c.AssertExpectations(t)
			c.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
		})
	}
}

func TestOpsgenieIgnoredActionChangesNothing(t *testing.T) {
	c := &mocks.Client{}
	g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
	rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/opsgenie", "Bearer "+htToken,
		readTestdata(t, "opsgenie_takeownership.json")))
	got := htAcceptedBody(t, rec)
	if len(got.Incidents) != 0 || !strings.Contains(got.Ignored, "ignored") || !strings.Contains(got.Ignored, "TakeOwnership") {
		t.Errorf("answer %s, want no incidents and an ignored TakeOwnership", rec.Body)
	}
	htNoCalls(t, c)
}

func TestOpsgenieCloseAndAcknowledge(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "orders_daily")
	t.Run("close signals", func(t *testing.T) {
		c := &mocks.Client{}
		itNoLegacyRuns(c)
		c.On("SignalWorkflow", htCtxWithDeadline(), id, "", contract.IncidentAlertSignal,
			htAlertSignal(t, workflows.Alert{
				Team: "data", DedupKey: "orders_daily", Status: workflows.AlertResolved, Source: workflows.SourceOpsgenie,
				Severity: workflows.SeverityMedium, Summary: "orders_daily has not finished by 06:00 UTC",
			})).Return(nil).Once()
		g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
		rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/opsgenie", "Bearer "+htToken,
			readTestdata(t, "opsgenie_close.json")))
		if got := htAcceptedBody(t, rec); !reflect.DeepEqual(got.Incidents, []string{id}) {
			t.Errorf("answer %s", rec.Body)
		}
		c.AssertExpectations(t)
	})
	for _, tc := range []struct {
		name        string
		getErr      error
		wantIgnored string
	}{
		{"acknowledge updates", nil, ""},
		{"acknowledge refused", temporal.NewApplicationError("already acknowledged by <@U123>", ""), "already acknowledged by <@U123>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &mocks.WorkflowUpdateHandle{}
			h.On("Get", mock.Anything, mock.Anything).Return(tc.getErr).Once()
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("UpdateWorkflow", htCtxWithDeadline(), mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
				return o.WorkflowID == id && o.UpdateName == contract.IncidentActionUpdate &&
					reflect.DeepEqual(o.Args, []any{workflows.ActionRequest{Action: workflows.ActionAck, By: "alice@example.com", Via: "opsgenie"}})
			})).Return(h, nil).Once()
			g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/opsgenie", "Bearer "+htToken,
				readTestdata(t, "opsgenie_acknowledge.json")))
			got := htAcceptedBody(t, rec)
			if !reflect.DeepEqual(got.Incidents, []string{id}) || !strings.Contains(got.Ignored, tc.wantIgnored) || (tc.wantIgnored == "") != (got.Ignored == "") {
				t.Errorf("answer %s, want incidents [%s], ignored %q", rec.Body, id, tc.wantIgnored)
			}
			c.AssertExpectations(t)
			h.AssertExpectations(t)
		})
	}
}

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		want map[string]string
	}{
		{"Temporal answers", nil, http.StatusOK, map[string]string{"status": "ok", "temporal": "ok"}},
		// Anyone may ask: Temporal's error goes to the log only.
		{"Temporal down", errors.New("connection refused to temporal.internal:7233"), http.StatusServiceUnavailable,
			map[string]string{"status": "unavailable", "temporal": "unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			var resp *client.CheckHealthResponse
			if tc.err == nil {
				resp = &client.CheckHealthResponse{}
			}
			c.On("CheckHealth", htCtxWithDeadline(), mock.IsType(&client.CheckHealthRequest{})).Return(resp, tc.err).Once()
			logs := &itLogs{}
			rec := htServe(t, New(Options{Temporal: c, Logger: slog.New(logs)}), httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("body %s (%v), want %v", rec.Body, err, tc.want)
			}
			if tc.err != nil && !strings.Contains(logs.all(), tc.err.Error()) {
				t.Errorf("Temporal's error is not logged: %q", logs.all())
			}
			c.AssertExpectations(t)
		})
	}
}

// --- Slack interactions ---

// htSlackPayload is a block_actions payload for a press by U123.
func htSlackPayload(t *testing.T, actionID, value, responseURL string) []byte {
	t.Helper()
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "T0TEAM"},
		"user":         map[string]any{"id": "U123", "username": "alice", "team_id": "T0TEAM"},
		"channel":      map[string]any{"id": "C0DATA"},
		"container":    map[string]any{"type": "message", "message_ts": "1772431213.000200", "channel_id": "C0DATA"},
		"message":      map[string]any{"ts": "1772431213.000200"},
		"trigger_id":   "1.2.3",
		"response_url": responseURL,
		"actions": []any{map[string]any{
			"action_id": actionID, "block_id": "incident", "type": "button", "value": value,
		}},
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return htSlackForm(b)
}

func htSlackForm(payload []byte) []byte {
	return []byte("payload=" + url.QueryEscape(string(payload)))
}

// htSigned is a POST of a form to path signed with secret at ts, as Slack
// sends one.
func htSigned(path, secret string, ts time.Time, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header = fakeslack.Sign(secret, body, ts)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// htSlackRequest is a POST /slack/interactions signed with secret at ts.
func htSlackRequest(secret string, ts time.Time, body []byte) *http.Request {
	return htSigned("/slack/interactions", secret, ts, body)
}

// htRefusal is a request that the gateway must refuse before it acts.
type htRefusal struct {
	name string
	// secret is the gateway's; the request is signed with htSecret.
	secret string
	req    func() *http.Request
	code   int
	// wantErr is a substring of the error; "" for none checked.
	wantErr string
}

// htSignatureRefusals are the requests to path, a Slack endpoint, that
// Slack did not provably send at now: valid is a body the endpoint takes,
// other another one, which must not pass with valid's signature.
func htSignatureRefusals(path string, now time.Time, valid, other []byte) []htRefusal {
	signed := func(secret string, ts time.Time) func() *http.Request {
		return func() *http.Request { return htSigned(path, secret, ts, valid) }
	}
	without := func(header string) func() *http.Request {
		return func() *http.Request {
			req := htSigned(path, htSecret, now, valid)
			req.Header.Del(header)
			return req
		}
	}
	return []htRefusal{
		{"no signing secret configured", "", signed(htSecret, now), http.StatusServiceUnavailable, "SLACK_SIGNING_SECRET"},
		{"signed with another secret", htSecret, signed("another-secret", now), http.StatusUnauthorized, "does not match"},
		{"body changed after signing", htSecret, func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(other))
			req.Header = htSigned(path, htSecret, now, valid).Header.Clone()
			return req
		}, http.StatusUnauthorized, "does not match"},
		{"no signature", htSecret, without("X-Slack-Signature"), http.StatusUnauthorized, "missing"},
		{"no timestamp", htSecret, without("X-Slack-Request-Timestamp"), http.StatusUnauthorized, "missing"},
		{"stale timestamp", htSecret, signed(htSecret, now.Add(-6*time.Minute)), http.StatusUnauthorized, "old"},
		{"future timestamp", htSecret, signed(htSecret, now.Add(6*time.Minute)), http.StatusUnauthorized, "future"},
	}
}

// htRefuses serves each refusal to the gateway that gateway makes with the
// refusal's secret, and checks the answer, that it keeps the secret, and
// that Temporal was not called.
func htRefuses(t *testing.T, refusals []htRefusal, gateway func(t *testing.T, c client.Client, secret string) *Gateway) {
	t.Helper()
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			rec := htServe(t, gateway(t, c, tc.secret), tc.req())
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			if msg := htErrorBody(t, rec); !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error %q does not say %q", msg, tc.wantErr)
			}
			if strings.Contains(rec.Body.String(), htSecret) {
				t.Errorf("the answer gives the secret away: %s", rec.Body)
			}
			htNoCalls(t, c)
		})
	}
}

// htOutbound is the gateway's HTTP client's transport: it records every
// request and lets through only those to the test's response server.
type htOutbound struct {
	allowHost string
	mu        sync.Mutex
	urls      []string
}

func (o *htOutbound) RoundTrip(r *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.urls = append(o.urls, r.URL.String())
	o.mu.Unlock()
	if r.URL.Host != o.allowHost {
		return nil, errors.New("the test refuses outbound requests to " + r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (o *htOutbound) requests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.urls...)
}

// htLogs is a slog handler passing each record's message to a channel.
type htLogs chan string

func (l htLogs) Enabled(context.Context, slog.Level) bool { return true }
func (l htLogs) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Message:
	default:
	}
	return nil
}
func (l htLogs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l htLogs) WithGroup(string) slog.Handler      { return l }

// htSlackFixture is a Slack response_url server and a gateway configured
// to trust it.
type htSlackFixture struct {
	// replies gets every request body the response server receives.
	replies  chan []byte
	server   *httptest.Server
	outbound *htOutbound
	logs     htLogs
}

func newHTSlackFixture(t *testing.T) *htSlackFixture {
	t.Helper()
	f := &htSlackFixture{replies: make(chan []byte, 10), logs: make(htLogs, 100)}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("response_url got %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		f.replies <- b.Bytes()
	}))
	t.Cleanup(f.server.Close)
	f.outbound = &htOutbound{allowHost: strings.TrimPrefix(f.server.URL, "http://")}
	return f
}

// gateway returns a gateway whose Slack signing secret is secret.
func (f *htSlackFixture) gateway(c client.Client, secret string) *Gateway {
	return New(Options{
		Temporal:            c,
		Teams:               htTeamsFile(), // U123, who presses, is data's alice
		SlackSigningSecret:  secret,
		Now:                 func() time.Time { return htNow },
		HTTPClient:          &http.Client{Transport: f.outbound, Timeout: 5 * time.Second},
		ResponseURLPrefixes: []string{f.server.URL + "/"},
		Logger:              slog.New(f.logs),
	})
}

// responseURL is a response_url on the test's server.
func (f *htSlackFixture) responseURL() string { return f.server.URL + "/actions/T0TEAM/1/abc" }

// sentNothing checks that no request went out, to the response server or
// anywhere else.
func (f *htSlackFixture) sentNothing(t *testing.T) {
	t.Helper()
	if got := f.outbound.requests(); len(got) != 0 {
		t.Errorf("outbound requests %q, want none", got)
	}
	select {
	case b := <-f.replies:
		t.Errorf("response_url got %s", b)
	default:
	}
}

// sentOnlyTheReply checks that the one request that went out was the
// reply to responseURL.
func (f *htSlackFixture) sentOnlyTheReply(t *testing.T) {
	t.Helper()
	if got := f.outbound.requests(); len(got) != 1 || got[0] != f.responseURL() {
		t.Errorf("outbound requests %q, want only %s", got, f.responseURL())
	}
}

func htWait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestSlackInteractionRefusalsChangeNothing(t *testing.T) {
	f := newHTSlackFixture(t)
	valid := htSlackPayload(t, "incident.ack", "incident-data-x", f.responseURL())
	refusals := htSignatureRefusals("/slack/interactions", htNow, valid, htSlackPayload(t, "incident.resolve", "incident-data-x", f.responseURL()))
	refusals = append(refusals, []htRefusal{
		{"not Baton's action_id", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, htSlackPayload(t, "handover.ack", "incident-data-x", f.responseURL()))
		}, http.StatusBadRequest, "handover.ack"},
		{"action_id without prefix (the testdata sample)", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, htSlackForm(readTestdata(t, "slack_block_actions.json")))
		}, http.StatusBadRequest, "not one of Baton's incident buttons"},
		{"value not an incident", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, htSlackPayload(t, "incident.ack", "handover-data-x", f.responseURL()))
		}, http.StatusBadRequest, "not one of Baton's incident buttons"},
		{"Accept naming no handover", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, htSlackPayload(t, "handover.accept", "incident-data-x", f.responseURL()))
		}, http.StatusBadRequest, "the Accept button names no handover"},
		{"no payload", htSecret, func() *http.Request { return htSlackRequest(htSecret, htNow, []byte("token=x")) },
			http.StatusBadRequest, `"payload" is missing`},
		{"payload not JSON", htSecret, func() *http.Request { return htSlackRequest(htSecret, htNow, htSlackForm([]byte("{"))) },
			http.StatusBadRequest, "invalid JSON"},
		{"view_submission", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, htSlackForm([]byte(`{"type": "view_submission", "view": {}}`)))
		}, http.StatusBadRequest, "view_submission"},
		{"over MaxBody", htSecret, func() *http.Request {
			return htSlackRequest(htSecret, htNow, append(valid, bytes.Repeat([]byte("x"), MaxBody)...))
		}, http.StatusRequestEntityTooLarge, ""},
	}...)
	htRefuses(t, refusals, func(_ *testing.T, c client.Client, secret string) *Gateway { return f.gateway(c, secret) })
	// The handler answered every one of those before starting anything,
	// so nothing can still be on its way out.
	f.sentNothing(t)
}

func TestSlackInteractionOnlyPOST(t *testing.T) {
	f := newHTSlackFixture(t)
	c := &mocks.Client{}
	rec := htServe(t, f.gateway(c, htSecret), httptest.NewRequest(http.MethodGet, "/slack/interactions", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", rec.Code)
	}
	htNoCalls(t, c)
}

// A valid press is answered at once; the update runs after, and its
// outcome goes to the presser through response_url.
func TestSlackInteractionActs(t *testing.T) {
	id := contract.IncidentWorkflowID("data", "x")
	for _, tc := range []struct {
		name      string
		actionID  string
		action    workflows.Action
		updateErr error
		// getErr and result are what the update handle's Get gives.
		getErr error
		result workflows.ActionResult
		// describe, when set, is what DescribeWorkflowExecution returns.
		describe error
		wantText string
	}{
		{name: "acknowledged", actionID: "incident.ack", action: workflows.ActionAck,
			result:   workflows.ActionResult{State: "acknowledged", Message: "Acknowledged by <@U123> via slack"},
			wantText: "Acknowledged by <@U123> via slack"},
		{name: "resolved", actionID: "incident.resolve", action: workflows.ActionResolve,
			result:   workflows.ActionResult{State: "resolved", Message: "Resolved by <@U123> via slack"},
			wantText: "Resolved by <@U123> via slack"},
		{name: "refused", actionID: "incident.ack", action: workflows.ActionAck,
			getErr:   temporal.NewApplicationError("already resolved by <@U999>", ""),
			wantText: "already resolved by <@U999>"},
		{name: "incident gone", actionID: "incident.ack", action: workflows.ActionAck,
			updateErr: serviceerror.NewNotFound("workflow not found"), describe: serviceerror.NewNotFound("workflow not found"),
			wantText: "no such incident: " + id},
		{name: "Temporal fails", actionID: "incident.ack", action: workflows.ActionAck,
			getErr:   errors.New("context deadline exceeded"),
			wantText: "Baton could not record that. Try again, or use the starter."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHTSlackFixture(t)
			release := make(chan struct{})
			type updateCall struct {
				opts client.UpdateWorkflowOptions
				// beforeAnswer: the update ran before the press was
				// answered, as if the handler waited for it.
				beforeAnswer bool
			}
			gotUpdate := make(chan updateCall, 1)

			h := &mocks.WorkflowUpdateHandle{}
			if tc.updateErr == nil {
				h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
					if p, ok := args.Get(1).(*workflows.ActionResult); ok {
						*p = tc.result
					}
				}).Return(tc.getErr).Once()
			}
			c := &mocks.Client{}
			var handle client.WorkflowUpdateHandle
			if tc.updateErr == nil {
				handle = h
			}
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
				// Hold the update until the press has been answered.
				call := updateCall{opts: args.Get(1).(client.UpdateWorkflowOptions)}
				select {
				case <-release:
				case <-time.After(2 * time.Second):
					call.beforeAnswer = true
				}
				gotUpdate <- call
			}).Return(handle, tc.updateErr).Once()
			if tc.describe != nil {
				c.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(nil, tc.describe).Once()
			}

			body := htSlackPayload(t, tc.actionID, id, f.responseURL())
			rec := htServe(t, f.gateway(c, htSecret), htSlackRequest(htSecret, htNow, body))
			// Answered while the update is still held.
			close(release)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}

			call := htWait(t, gotUpdate, "UpdateWorkflow")
			if call.beforeAnswer {
				t.Error("the press was answered only after the update: Slack wants its answer within 3 seconds")
			}
			opts := call.opts
			if opts.WorkflowID != id || opts.UpdateName != "incident.action" {
				t.Errorf("UpdateWorkflow on %q, update %q; want %q, incident.action", opts.WorkflowID, opts.UpdateName, id)
			}
			wantReq := workflows.FromChat(tc.action, "U123", "alice")
			if len(opts.Args) != 1 || !reflect.DeepEqual(opts.Args[0], wantReq) {
				t.Errorf("UpdateWorkflow args %#v, want [%#v]", opts.Args, wantReq)
			}
			if opts.WaitForStage != client.WorkflowUpdateStageCompleted {
				t.Errorf("UpdateWorkflow waits for stage %v, want completed", opts.WaitForStage)
			}

			var reply map[string]any
			raw := htWait(t, f.replies, "the reply on response_url")
			if err := json.Unmarshal(raw, &reply); err != nil {
				t.Fatalf("reply %s: %v", raw, err)
			}
			want := map[string]any{"response_type": "ephemeral", "replace_original": false, "text": tc.wantText}
			if !reflect.DeepEqual(reply, want) {
				t.Errorf("reply %s, want %v", raw, want)
			}
			c.AssertExpectations(t)
			h.AssertExpectations(t)
			f.sentOnlyTheReply(t)
		})
	}
}

// A response_url on a host not allowed is never called; the press is
// still acted on.
func TestSlackInteractionUntrustedResponseURL(t *testing.T) {
	for _, responseURL := range []string{
		"http://evil.example/actions/1",
		"https://hooks.slack.com.evil.example/actions/1",
		"https://hooks.slack.com@evil.example/actions/1",
		"http://hooks.slack.com/actions/1",
		"",
	} {
		t.Run(responseURL, func(t *testing.T) {
			f := newHTSlackFixture(t)
			h := &mocks.WorkflowUpdateHandle{}
			h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
				*args.Get(1).(*workflows.ActionResult) = workflows.ActionResult{State: "acknowledged", Message: "Acknowledged by <@U123> via slack"}
			}).Return(nil).Once()
			acted := make(chan struct{}, 1)
			c := &mocks.Client{}
			c.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
				return o.WorkflowID == contract.IncidentWorkflowID("data", "x") && len(o.Args) == 1 &&
					o.Args[0] == any(workflows.FromChat(workflows.ActionAck, "U123", "alice"))
			})).Run(func(mock.Arguments) { acted <- struct{}{} }).Return(h, nil).Once()

			body := htSlackPayload(t, "incident.ack", contract.IncidentWorkflowID("data", "x"), responseURL)
			rec := htServe(t, f.gateway(c, htSecret), htSlackRequest(htSecret, htNow, body))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			htWait(t, acted, "UpdateWorkflow")
			// respond logs when it drops the reply; it is the last thing
			// the press does, so after it nothing more can go out.
			for {
				msg := htWait[string](t, f.logs, "the log of the dropped reply")
				if strings.Contains(msg, "no usable response_url") {
					break
				}
			}
			f.sentNothing(t)
			c.AssertExpectations(t)
			h.AssertExpectations(t)
		})
	}
}
