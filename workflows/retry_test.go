package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/activities"
	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/team"
)

// retryEnv runs a retry whose side effects are recorded; retry answers
// each attempt.
type retryEnv struct {
	env       *testsuite.TestWorkflowEnvironment
	mu        sync.Mutex
	posts     []string
	delivered []delivered
	attempts  []time.Time
}

func newRetryEnv(t *testing.T, retry func(n int) (string, error)) *retryEnv {
	return newRetryEnvChat(t, retry, nil)
}

// newRetryEnvChat is newRetryEnv whose chat answers every post with
// chatErr when set.
func newRetryEnvChat(t *testing.T, retry func(n int) (string, error), chatErr error) *retryEnv {
	var s testsuite.WorkflowTestSuite
	r := &retryEnv{env: s.NewTestWorkflowEnvironment()}
	r.env.SetStartTime(hbStart)
	r.env.RegisterWorkflowWithOptions(RetryBeforePaging, workflow.RegisterOptions{Name: contract.RetryWorkflowName})
	r.env.RegisterActivityWithOptions(func(_ context.Context, in activities.RunRetryInput) (string, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.attempts = append(r.attempts, r.env.Now())
		require.Equal(t, in.Job.Attempt, len(r.attempts))
		return retry(len(r.attempts))
	}, activity.RegisterOptions{Name: "RunRetry"})
	r.env.RegisterActivityWithOptions(func(_ context.Context, in activities.PostMessageInput) (activities.PostMessageResult, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.posts = append(r.posts, in.Text)
		return activities.PostMessageResult{TS: "1.0"}, chatErr
	}, activity.RegisterOptions{Name: "PostMessage"})
	r.env.RegisterActivityWithOptions(func(_ context.Context, req DeliverRequest) (string, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.delivered = append(r.delivered, delivered{at: r.env.Now(), alert: req.Alert})
		return contract.IncidentWorkflowID(req.Team.Name, req.Alert.DedupKey), nil
	}, activity.RegisterOptions{Name: contract.DeliverAlertActivity})
	return r
}

func dagAlert(status string) AlertSignal {
	return AlertSignal{Alert: Alert{Team: "data", DedupKey: "orders_daily", Summary: "orders_daily failed <!here>", Severity: SeverityHigh,
		Service: "airflow", Source: SourceAlertmanager, Status: status, Description: "The load task failed.",
		Details: map[string]string{"dag_id": "orders_daily", "run_id": "r1"}}}
}

func (r *retryEnv) signal(d time.Duration, sig AlertSignal) {
	r.env.RegisterDelayedCallback(func() { r.env.SignalWorkflow(contract.RetryAlertSignal, sig) }, d)
}

func (r *retryEnv) run(t *testing.T, rule team.Retry) RetryResult {
	t.Helper()
	r.env.ExecuteWorkflow(contract.RetryWorkflowName, RetryInput{Team: testTeam(), Rule: rule})
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	var res RetryResult
	require.NoError(t, r.env.GetWorkflowResult(&res))
	return res
}

var airflowRule = team.Retry{Match: team.RetryMatch{Service: "airflow"}, Action: team.RetryAirflow, Wait: "20m",
	Airflow: &team.AirflowRetry{URL: "https://airflow.example.com/api/v1", TokenEnv: "AIRFLOW_TOKEN"}}

// The retry fixed it: the channel hears of it, nobody is paged.
func TestARetryThatFixesTheJobPagesNobody(t *testing.T) {
	r := newRetryEnv(t, func(int) (string, error) {
		return "cleared 1 failed task instance(s) of orders_daily, run r1: load", nil
	})
	r.signal(0, dagAlert(AlertFiring))
	r.signal(3*time.Minute, dagAlert(AlertFiring)) // a repeat meanwhile
	r.signal(12*time.Minute, dagAlert(AlertResolved))
	res := r.run(t, airflowRule)
	require.True(t, res.ResolvedByRetry)
	requireAt(t, hbStart.Add(12*time.Minute), res.ResolvedAt)
	require.Empty(t, r.delivered, "nobody paged")
	require.Len(t, res.Attempts, 1)
	require.Len(t, r.posts, 3)
	require.Contains(t, r.posts[0], "Retrying orders_daily failed &lt;!here&gt; (attempt 1 of 1) before paging anyone", "the alert's text escaped")
	require.Contains(t, r.posts[1], "cleared 1 failed task instance(s)")
	require.Contains(t, r.posts[2], "resolved after the retry: nobody was paged")
	for _, p := range r.posts {
		require.NotContains(t, p, "<!", "a retry mentions nobody")
	}
}

// Still firing after the wait: the alert pages then, with what the retry
// did on it; each attempt has its own wait.
func TestARetryThatDidNotFixItPagesAfterTheWait(t *testing.T) {
	r := newRetryEnv(t, func(n int) (string, error) { return "cleared 1 failed task instance(s)", nil })
	r.signal(0, dagAlert(AlertFiring))
	rule := airflowRule
	rule.Attempts = 2
	res := r.run(t, rule)
	require.False(t, res.ResolvedByRetry)
	require.Len(t, r.attempts, 2)
	requireAt(t, hbStart.Add(20*time.Minute), r.attempts[1])
	require.Len(t, r.delivered, 1)
	d := r.delivered[0]
	requireAt(t, hbStart.Add(40*time.Minute), d.at)
	require.Equal(t, AlertFiring, d.alert.Status)
	require.Contains(t, d.alert.Details["retry"], "Baton retried it first: cleared 1 failed task instance(s); cleared 1 failed task instance(s). It still fired 20m later.")
	require.True(t, strings.HasPrefix(d.alert.Description, "The load task failed.\n\nBaton retried it first"))
	require.Equal(t, contract.IncidentWorkflowID("data", "orders_daily"), res.Incident)
}

// A retry that cannot be made pages at once and says why; a resolution
// that came while the page was handed over follows it.
func TestARetryThatCannotBeMadePagesAtOnce(t *testing.T) {
	r := newRetryEnv(t, func(int) (string, error) {
		return "", temporal.NewNonRetryableApplicationError("the retry cannot be made: AIRFLOW_TOKEN is not set where the worker runs", activities.CannotRetryError, nil)
	})
	r.signal(0, dagAlert(AlertFiring))
	res := r.run(t, airflowRule)
	require.Contains(t, res.CannotRetry, "AIRFLOW_TOKEN is not set")
	require.Len(t, r.delivered, 1)
	requireAt(t, hbStart, r.delivered[0].at)
	require.Contains(t, r.delivered[0].alert.Details["retry"], "Baton could not retry it first, so it pages at once: could not be made: the retry cannot be made: AIRFLOW_TOKEN is not set")
}

// Slack down holds back no page: the retry is made and the page goes out
// at the end of the wait, while every post in the channel fails.
func TestARetryPagesOnTimeWhileChatIsDown(t *testing.T) {
	r := newRetryEnvChat(t, func(int) (string, error) { return "cleared 1 failed task instance(s)", nil },
		temporal.NewNonRetryableApplicationError("channel_not_found", "SlackError", nil))
	r.signal(0, dagAlert(AlertFiring))
	res := r.run(t, airflowRule)
	require.Len(t, r.attempts, 1)
	requireAt(t, hbStart, r.attempts[0])
	require.Len(t, r.delivered, 1)
	requireAt(t, hbStart.Add(20*time.Minute), r.delivered[0].at)
	require.Equal(t, contract.IncidentWorkflowID("data", "orders_daily"), res.Incident)
	require.NotEmpty(t, r.posts, "the posts were tried, and failed")
}
