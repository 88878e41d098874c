package worker

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
)

// With BATON_PHONE_HEARTBEAT set, an activity on the phone's task queue is
// given the heartbeat timeout, and no other activity is.
func TestPhoneStepsGetTheHeartbeatTimeout(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(sdkworker.Options{Interceptors: []interceptor.WorkerInterceptor{&phoneHeartbeats{timeout: 3 * time.Second}}})
	env.RegisterActivityWithOptions(func(ctx context.Context) (time.Duration, error) {
		return activity.GetInfo(ctx).HeartbeatTimeout, nil
	}, activity.RegisterOptions{Name: "Timeout"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) ([2]time.Duration, error) {
		ctx = workflow.WithStartToCloseTimeout(ctx, 10*time.Second)
		var got [2]time.Duration
		for i, queue := range []string{contract.PhoneTaskQueue, contract.TaskQueue} {
			if err := workflow.ExecuteActivity(workflow.WithTaskQueue(ctx, queue), "Timeout").Get(ctx, &got[i]); err != nil {
				return got, err
			}
		}
		return got, nil
	}, workflow.RegisterOptions{Name: "Steps"})
	env.ExecuteWorkflow("Steps")
	var got [2]time.Duration
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got != [2]time.Duration{3 * time.Second, 0} {
		t.Errorf("heartbeat timeouts: phone %s, other %s; want 3s and none", got[0], got[1])
	}
}
