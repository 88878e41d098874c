package gateway

// Intake tests: a batch of alerts is taken alert by alert. Identifiers
// start with "it" so that they cannot collide with the package's other
// test files; the ht* helpers of handlers_test.go are shared.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/metrics"
	"github.com/baton-oncall/baton/workflows"
)

// itNoLegacyRuns answers the look-up of an incident open under the old ID
// scheme (incidentclient.Locate): there is none.
func itNoLegacyRuns(c *mocks.Client) {
	c.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, "").
		Return(nil, serviceerror.NewNotFound("workflow not found")).Maybe()
}

// itAnswer is a webhook's answer: the incidents taken and the alerts
// refused, or the error when none was taken.
type itAnswer struct {
	Incidents []string    `json:"incidents"`
	Ignored   string      `json:"ignored"`
	Error     string      `json:"error"`
	Rejected  []itRefusal `json:"rejected"`
}

type itRefusal struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

func itDecode(t *testing.T, rec *httptest.ResponseRecorder) itAnswer {
	t.Helper()
	var a itAnswer
	htJSON(t, rec, &a, false)
	return a
}

// itLogs collects the gateway's log records, attributes and all.
type itLogs struct {
	mu      sync.Mutex
	records []string
}

func (l *itLogs) Enabled(context.Context, slog.Level) bool { return true }
func (l *itLogs) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, b.String())
	l.mu.Unlock()
	return nil
}
func (l *itLogs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *itLogs) WithGroup(string) slog.Handler      { return l }

func (l *itLogs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.records, "\n")
}

// itScrape reads /metrics of m.
func itScrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// itTwoFiring is the Alertmanager sample with both alerts firing, changed
// by edit (alerts[i]'s labels).
func itTwoFiring(t *testing.T, edit func(i int, labels map[string]any)) []byte {
	return htEdit(t, readTestdata(t, "alertmanager_group.json"), func(m map[string]any) {
		for i, a := range m["alerts"].([]any) {
			a := a.(map[string]any)
			a["status"] = "firing"
			if edit != nil {
				edit(i, a["labels"].(map[string]any))
			}
		}
	})
}

var itKeys = []string{"7f3a9c2e1b4d6a80", "c1d2e3f4a5b60718"}

// One bad alert in an Alertmanager group is refused alone: the good one
// pages, and the answer is a 202 that says what was refused and why, so
// that Alertmanager (which does not retry a 4xx) does not drop the rest.
func TestAlertmanagerGroupWithOneBadAlertPagesTheGoodOne(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bad    int
		edit   func(labels map[string]any)
		reason string
		errSay []string
	}{
		{"alerts[1] of an unknown team", 1, func(l map[string]any) { l["team"] = "nope" },
			"unknown_team", []string{`unknown team "nope"`}},
		{"alerts[0] of an unknown team", 0, func(l map[string]any) { l["team"] = "nope" },
			"unknown_team", []string{`unknown team "nope"`}},
		{"alerts[1] without severity", 1, func(l map[string]any) { delete(l, "severity") },
			"invalid", []string{`label "severity" is missing`}},
		{"alerts[0] without team", 0, func(l map[string]any) { delete(l, "team") },
			"invalid", []string{`label "team" is missing`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := 1 - tc.bad
			body := itTwoFiring(t, func(i int, l map[string]any) {
				if i == tc.bad {
					tc.edit(l)
				}
			})
			id := contract.IncidentWorkflowID("data", itKeys[good])
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.IncidentAlertSignal,
				mock.MatchedBy(func(s workflows.AlertSignal) bool { return s.Alert.DedupKey == itKeys[good] }),
				htStartOptions(t, id), contract.IncidentWorkflowName, mock.Anything,
			).Return(nil, nil).Once()
			m := metrics.New()
			logs := &itLogs{}
			g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken, Metrics: m, Logger: slog.New(logs)})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+htToken, body))
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status %d, want 202; body %s", rec.Code, rec.Body)
			}
			c.AssertExpectations(t)
			c.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)

			got := itDecode(t, rec)
			if !reflect.DeepEqual(got.Incidents, []string{id}) {
				t.Errorf("incidents %q, want [%s]", got.Incidents, id)
			}
			if len(got.Rejected) != 1 {
				t.Fatalf("rejected %+v, want the one bad alert", got.Rejected)
			}
			r := got.Rejected[0]
			if r.Index != tc.bad || r.Name != "OrdersDailyLate" || r.Reason != tc.reason {
				t.Errorf("rejected %+v, want index %d, name OrdersDailyLate, reason %s", r, tc.bad, tc.reason)
			}
			for _, w := range tc.errSay {
				if !strings.Contains(r.Error, w) {
					t.Errorf("refusal %q does not say %q", r.Error, w)
				}
			}
			text := itScrape(t, m)
			for _, w := range []string{
				fmt.Sprintf(`baton_alerts_rejected_total{reason=%q,source="alertmanager"} 1`, tc.reason),
				`baton_alerts_received_total{source="alertmanager",team="data"} 1`,
			} {
				if !strings.Contains(text, w) {
					t.Errorf("/metrics lacks %s", w)
				}
			}
			if l := logs.all(); !strings.Contains(l, "reason="+tc.reason) || !strings.Contains(l, fmt.Sprintf("index=%d", tc.bad)) {
				t.Errorf("no log line of the refusal:\n%s", l)
			}
		})
	}
}

// When no alert of a group can be taken, the answer is a 4xx that gives
// every reason, and nothing is started.
func TestAlertmanagerGroupWithNoValidAlert(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(i int, l map[string]any)
		code    int
		reasons []string
	}{
		{"both of unknown teams", func(i int, l map[string]any) { l["team"] = fmt.Sprintf("nope%d", i) },
			http.StatusUnprocessableEntity, []string{"unknown_team", "unknown_team"}},
		{"both without severity", func(_ int, l map[string]any) { delete(l, "severity") },
			http.StatusBadRequest, []string{"invalid", "invalid"}},
		{"one unknown team, one without severity", func(i int, l map[string]any) {
			if i == 0 {
				l["team"] = "nope0"
			} else {
				delete(l, "severity")
			}
		}, http.StatusUnprocessableEntity, []string{"unknown_team", "invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			m := metrics.New()
			g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken, Metrics: m})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+htToken, itTwoFiring(t, tc.edit)))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			got := itDecode(t, rec)
			if len(got.Rejected) != 2 {
				t.Fatalf("rejected %+v, want both", got.Rejected)
			}
			for i, r := range got.Rejected {
				if r.Index != i || r.Reason != tc.reasons[i] {
					t.Errorf("rejected[%d] = %+v, want index %d, reason %s", i, r, i, tc.reasons[i])
				}
				if !strings.Contains(got.Error, fmt.Sprintf("alerts[%d]", i)) {
					t.Errorf("error %q does not name alerts[%d]", got.Error, i)
				}
			}
			if !strings.Contains(itScrape(t, m), `baton_alerts_rejected_total{reason="`+tc.reasons[0]+`",source="alertmanager"}`) {
				t.Error("the refusals are not counted")
			}
			htNoCalls(t, c)
		})
	}
}

// The alerts of one notification are delivered side by side: each
// SignalWithStart waits here until the other has begun too, which one
// after the other never happens.
func TestAlertsOfOneNotificationAreDeliveredSideBySide(t *testing.T) {
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	c := &mocks.Client{}
	itNoLegacyRuns(c)
	var mu sync.Mutex
	alone := 0
	c.On("SignalWithStartWorkflow", htCtxWithDeadline(), mock.Anything, contract.IncidentAlertSignal, mock.Anything,
		mock.Anything, contract.IncidentWorkflowName, mock.Anything).
		Run(func(mock.Arguments) {
			arrived.Done()
			select {
			case <-both:
			case <-time.After(3 * time.Second):
				mu.Lock()
				alone++
				mu.Unlock()
			}
		}).Return(nil, nil).Twice()
	g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
	rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+htToken, itTwoFiring(t, nil)))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %s", rec.Code, rec.Body)
	}
	if alone != 0 {
		t.Errorf("%d deliveries waited alone for the other: the alerts went one after the other", alone)
	}
	want := []string{contract.IncidentWorkflowID("data", itKeys[0]), contract.IncidentWorkflowID("data", itKeys[1])}
	if got := itDecode(t, rec); !reflect.DeepEqual(got.Incidents, want) {
		t.Errorf("incidents %q, want %q in the notification's order", got.Incidents, want)
	}
	c.AssertExpectations(t)
}

// An error from Temporal that a retry cannot fix is a 4xx with its
// reason; one that a retry may fix stays a 503, and is logged.
func TestDeliveryErrorsAreClassified(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		code   int
		reason string
	}{
		{"search attribute over its size limit", serviceerror.NewInvalidArgument("search attribute BatonService value size 2100 exceeds size limit 2048"),
			http.StatusRequestEntityTooLarge, "too_large"},
		{"payload over its size limit", serviceerror.NewInvalidArgument("Blob data size exceeds limit."),
			http.StatusRequestEntityTooLarge, "too_large"},
		// Baton's set-up, which the operator fixes while the sender retries.
		{"search attribute not registered", serviceerror.NewInvalidArgument("Namespace default has no mapping defined for search attribute BatonService"),
			http.StatusServiceUnavailable, ""},
		{"unavailable", serviceerror.NewUnavailable("connection refused"), http.StatusServiceUnavailable, ""},
		{"deadline exceeded", serviceerror.NewDeadlineExceeded("context deadline exceeded"), http.StatusServiceUnavailable, ""},
		{"context deadline", context.DeadlineExceeded, http.StatusServiceUnavailable, ""},
		{"resource exhausted", serviceerror.NewResourceExhausted(0, "namespace rate limit exceeded"), http.StatusServiceUnavailable, ""},
		{"unknown error", fmt.Errorf("something odd"), http.StatusServiceUnavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := contract.IncidentWorkflowID("data", "orders_daily")
			c := &mocks.Client{}
			itNoLegacyRuns(c)
			c.On("SignalWithStartWorkflow", mock.Anything, id, contract.IncidentAlertSignal, mock.Anything, mock.Anything,
				contract.IncidentWorkflowName, mock.Anything).Return(nil, tc.err).Once()
			m := metrics.New()
			logs := &itLogs{}
			g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken, Metrics: m, Logger: slog.New(logs)})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/generic", "Bearer "+htToken, []byte(GenericExample)))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			got := itDecode(t, rec)
			if !strings.Contains(got.Error, id) {
				t.Errorf("error %q does not name the incident", got.Error)
			}
			if !strings.Contains(logs.all(), tc.err.Error()) {
				t.Errorf("the failure is not logged: %q", logs.all())
			}
			if tc.reason == "" {
				if len(got.Rejected) != 0 {
					t.Errorf("a retryable error refused alerts: %+v", got.Rejected)
				}
				return
			}
			if len(got.Rejected) != 1 || got.Rejected[0].Reason != tc.reason || got.Rejected[0].Index != 0 || got.Rejected[0].Name != "orders_daily" {
				t.Errorf("rejected %+v, want alert 0 (orders_daily) for %s", got.Rejected, tc.reason)
			}
			if !strings.Contains(itScrape(t, m), `baton_alerts_rejected_total{reason="`+tc.reason+`",source="generic"} 1`) {
				t.Error("the refusal is not counted")
			}
		})
	}
}

// Fields are capped to what Temporal takes before the alert goes out: a
// service over the 2 KB search-attribute limit, a description of 200,000
// characters and 200 details of 3,000 reach the incident bounded, and the
// alert pages.
func TestIntakeCapsFieldsBeforeDelivery(t *testing.T) {
	body := htEdit(t, []byte(GenericExample), func(m map[string]any) {
		m["service"] = strings.Repeat("ß", 3000)
		m["description"] = strings.Repeat("d", 200_000)
		details := map[string]any{}
		for i := range 200 {
			details[fmt.Sprintf("k%04d", i)] = strings.Repeat("v", 3000)
		}
		m["details"] = details
	})
	id := contract.IncidentWorkflowID("data", "orders_daily")
	c := &mocks.Client{}
	itNoLegacyRuns(c)
	var sent workflows.Alert
	var opts client.StartWorkflowOptions
	c.On("SignalWithStartWorkflow", mock.Anything, id, contract.IncidentAlertSignal, mock.Anything, mock.Anything,
		contract.IncidentWorkflowName, mock.Anything).Run(func(args mock.Arguments) {
		sent = args.Get(3).(workflows.AlertSignal).Alert
		opts = args.Get(4).(client.StartWorkflowOptions)
	}).Return(nil, nil).Once()
	g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken})
	rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/generic", "Bearer "+htToken, body))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %s", rec.Code, rec.Body)
	}
	c.AssertExpectations(t)
	if n := len(sent.Service); n > 2048 {
		t.Errorf("service of %d bytes, over Temporal's 2 KB keyword limit", n)
	}
	if v, ok := opts.TypedSearchAttributes.GetKeyword(contract.ServiceKey); !ok || len(v) > 2048 {
		t.Errorf("search attribute %s of %d bytes", contract.ServiceKey.GetName(), len(v))
	}
	if n := len([]rune(sent.Description)); n > workflows.MaxDescriptionLen || !strings.Contains(sent.Description, "cut") {
		t.Errorf("description of %d characters, want at most %d with a note of the cut", n, workflows.MaxDescriptionLen)
	}
	if n := len(sent.Details); n > workflows.MaxDetails {
		t.Errorf("%d details, want at most %d", n, workflows.MaxDetails)
	}
	size := 0
	for k, v := range sent.Details {
		size += len(k) + len(v)
	}
	if size > 64<<10 {
		t.Errorf("details of %d bytes", size)
	}
}

// A team's own webhook token delivers and acts for that team only:
// another team's alert in the same request is refused alone, and an
// Opsgenie acknowledgement of another team's incident changes nothing.
// BATON_WEBHOOK_TOKEN still acts for every team.
func TestTeamWebhookTokens(t *testing.T) {
	const dataToken, platToken = "data-own-token", "platform-own-token"
	tokens := map[string]string{"data": dataToken, "platform": platToken}
	// mixed is a group of a data alert and a platform alert, both firing.
	mixed := itTwoFiring(t, func(i int, l map[string]any) {
		if i == 1 {
			l["team"] = "platform"
		}
	})
	dataID := contract.IncidentWorkflowID("data", itKeys[0])
	platID := contract.IncidentWorkflowID("platform", itKeys[1])
	expectStart := func(c *mocks.Client, id string) {
		c.On("SignalWithStartWorkflow", htCtxWithDeadline(), id, contract.IncidentAlertSignal, mock.Anything,
			htStartOptions(t, id), contract.IncidentWorkflowName, mock.Anything).Return(nil, nil).Once()
	}

	t.Run("the team's token delivers its alert and refuses the other team's", func(t *testing.T) {
		c := &mocks.Client{}
		itNoLegacyRuns(c)
		expectStart(c, platID)
		m := metrics.New()
		g := New(Options{Temporal: c, Teams: htTeams(t), TeamWebhookTokens: tokens, Metrics: m})
		rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+platToken, mixed))
		if rec.Code != http.StatusAccepted {
			t.Fatalf("status %d, want 202; body %s", rec.Code, rec.Body)
		}
		got := itDecode(t, rec)
		if !reflect.DeepEqual(got.Incidents, []string{platID}) {
			t.Errorf("incidents %q, want [%s]", got.Incidents, platID)
		}
		if len(got.Rejected) != 1 || got.Rejected[0].Index != 0 || got.Rejected[0].Reason != "forbidden_team" {
			t.Errorf("rejected %+v, want alerts[0] as forbidden_team", got.Rejected)
		}
		if !strings.Contains(itScrape(t, m), `baton_alerts_rejected_total{reason="forbidden_team",source="alertmanager"} 1`) {
			t.Error("the refusal is not counted")
		}
		c.AssertExpectations(t)
		c.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
	})

	t.Run("BATON_WEBHOOK_TOKEN delivers for every team", func(t *testing.T) {
		c := &mocks.Client{}
		itNoLegacyRuns(c)
		expectStart(c, dataID)
		expectStart(c, platID)
		g := New(Options{Temporal: c, Teams: htTeams(t), WebhookToken: htToken, TeamWebhookTokens: tokens})
		rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/alertmanager", "Bearer "+htToken, mixed))
		if got := itDecode(t, rec); rec.Code != http.StatusAccepted || len(got.Rejected) != 0 || len(got.Incidents) != 2 {
			t.Fatalf("status %d, body %s: want both delivered", rec.Code, rec.Body)
		}
		c.AssertExpectations(t)
	})

	for _, tc := range []struct {
		name, path, token string
		body              []byte
		code              int
		wantErr, notSay   string
	}{
		{"another team's generic alert", "/webhooks/generic", platToken, []byte(GenericExample),
			http.StatusForbidden, `team "data": this token delivers for platform only`, ""},
		{"another team's Opsgenie acknowledgement", "/webhooks/opsgenie", platToken, readTestdata(t, "opsgenie_acknowledge.json"),
			http.StatusForbidden, `team "data": this token delivers for platform only`, ""},
		{"another team's Opsgenie note", "/webhooks/opsgenie", platToken, readTestdata(t, "opsgenie_addnote.json"),
			http.StatusForbidden, `team "data"`, ""},
		{"an unknown team names only the token's own", "/webhooks/generic", dataToken,
			htEdit(t, []byte(GenericExample), func(m map[string]any) { m["team"] = "nope" }),
			http.StatusUnprocessableEntity, `unknown team "nope": this token delivers for data`, "platform"},
		{"a token of no team", "/webhooks/generic", "guess", []byte(GenericExample),
			http.StatusUnauthorized, "bearer token", ""},
		{"BATON_WEBHOOK_TOKEN unset is not an empty token", "/webhooks/generic", "", []byte(GenericExample),
			http.StatusUnauthorized, "bearer token", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mocks.Client{}
			g := New(Options{Temporal: c, Teams: htTeams(t), TeamWebhookTokens: tokens})
			rec := htServe(t, g, htWebhookRequest(http.MethodPost, tc.path, "Bearer "+tc.token, tc.body))
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.code, rec.Body)
			}
			msg := htErrorBody(t, rec)
			if !strings.Contains(msg, tc.wantErr) || (tc.notSay != "" && strings.Contains(msg, tc.notSay)) {
				t.Errorf("error %q: want it to say %q and not %q", msg, tc.wantErr, tc.notSay)
			}
			for _, tok := range []string{dataToken, platToken} {
				if strings.Contains(rec.Body.String(), tok) {
					t.Errorf("the answer gives a token away: %s", rec.Body)
				}
			}
			htNoCalls(t, c)
		})
	}

	t.Run("the team's token acknowledges its own incident from Opsgenie", func(t *testing.T) {
		id := contract.IncidentWorkflowID("data", "orders_daily")
		h := &mocks.WorkflowUpdateHandle{}
		h.On("Get", mock.Anything, mock.Anything).Return(nil).Once()
		c := &mocks.Client{}
		itNoLegacyRuns(c)
		c.On("UpdateWorkflow", htCtxWithDeadline(), mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
			return o.WorkflowID == id && o.UpdateName == contract.IncidentActionUpdate
		})).Return(h, nil).Once()
		g := New(Options{Temporal: c, Teams: htTeams(t), TeamWebhookTokens: tokens})
		rec := htServe(t, g, htWebhookRequest(http.MethodPost, "/webhooks/opsgenie", "Bearer "+dataToken, readTestdata(t, "opsgenie_acknowledge.json")))
		if got := itDecode(t, rec); rec.Code != http.StatusAccepted || !reflect.DeepEqual(got.Incidents, []string{id}) {
			t.Fatalf("status %d, body %s: want the acknowledgement of %s", rec.Code, rec.Body, id)
		}
		c.AssertExpectations(t)
		h.AssertExpectations(t)
	})
}
