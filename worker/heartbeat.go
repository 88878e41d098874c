package worker

import (
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/contract"
)

// phoneHeartbeats has Temporal expect a heartbeat within timeout from
// every activity on the phone's task queue, so that an SMS or a call whose
// worker died mid-step is tried elsewhere then, not once its attempt's
// 10 s are over. It is the deployment's setting (BATON_PHONE_HEARTBEAT),
// not the workflow's: how soon a loaded worker can be trusted to heartbeat
// depends on the machine, and too soon sends a step twice. A replay
// compares an activity's ID and type, not its timeouts, so the setting
// may change while incidents run.
type phoneHeartbeats struct {
	interceptor.WorkerInterceptorBase
	timeout time.Duration
}

func (p *phoneHeartbeats) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &phoneHeartbeatsIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, timeout: p.timeout}
}

type phoneHeartbeatsIn struct {
	interceptor.WorkflowInboundInterceptorBase
	timeout time.Duration
}

func (i *phoneHeartbeatsIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&phoneHeartbeatsOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, timeout: i.timeout})
}

type phoneHeartbeatsOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	timeout time.Duration
}

func (o *phoneHeartbeatsOut) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	if opts := workflow.GetActivityOptions(ctx); opts.TaskQueue == contract.PhoneTaskQueue {
		opts.HeartbeatTimeout = o.timeout
		ctx = workflow.WithActivityOptions(ctx, opts)
	}
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}
