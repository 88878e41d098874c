package incidentclient

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/internal/testserver"
	"github.com/baton-oncall/baton/internal/workflowerr"
	"github.com/baton-oncall/baton/workflows"
)

// busyWorker is a Temporal client whose incident does not answer: its
// queries time out, as with a worker that is busy or restarting, and an
// update meets the run as it continues as new ("already completed"). The
// server answers everything else.
type busyWorker struct {
	client.Client
}

func (busyWorker) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, serviceerror.NewDeadlineExceeded("context deadline exceeded")
}

func (busyWorker) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, serviceerror.NewFailedPrecondition("workflow execution already completed")
}

// runningIncident starts an incident run that no worker picks up: it is
// open, and answers nothing.
func runningIncident(t *testing.T) (client.Client, string) {
	t.Helper()
	ts := testserver.New(t)
	c := ts.GetDefaultClient()
	id := contract.IncidentWorkflowID("data", "fp-busy")
	if _, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: "nobody-polls"},
		contract.IncidentWorkflowName, workflows.IncidentInput{}); err != nil {
		t.Fatal(err)
	}
	return c, id
}

func TestAnOpenIncidentThatDoesNotAnswerIsNeverClosed(t *testing.T) {
	c, id := runningIncident(t)
	ctx := context.Background()

	st, err := Status(ctx, busyWorker{c}, id)
	if !errors.Is(err, ErrUnreachable) || st.State == workflows.StateClosed {
		t.Errorf("status of an open incident whose query failed: %q, %v; want ErrUnreachable", st.State, err)
	}
	_, err = Act(ctx, busyWorker{c}, id, workflows.ActionRequest{Action: workflows.ActionAck, By: "alice", Via: "cli"})
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, workflowerr.ErrRefused) {
		t.Errorf("an ack the open incident did not take: %v; want ErrUnreachable, not a refusal", err)
	}

	// What is not there, or has ended, is said so.
	missing := contract.IncidentWorkflowID("data", "fp-never")
	if _, err := Status(ctx, busyWorker{c}, missing); err == nil || errors.Is(err, ErrUnreachable) {
		t.Errorf("status of no incident: %v", err)
	}
	if _, err := Act(ctx, busyWorker{c}, missing, workflows.ActionRequest{Action: workflows.ActionAck, By: "alice"}); !errors.Is(err, workflowerr.ErrRefused) || workflowerr.Reason(err) != "no such incident: "+missing {
		t.Errorf("an ack of no incident: %v", err)
	}
	if err := c.TerminateWorkflow(ctx, id, "", "ended"); err != nil {
		t.Fatal(err)
	}
	if st, err := Status(ctx, busyWorker{c}, id); err != nil || st.State != workflows.StateClosed {
		t.Errorf("status of an ended incident: %q, %v", st.State, err)
	}
	if _, err := Act(ctx, busyWorker{c}, id, workflows.ActionRequest{Action: workflows.ActionAck, By: "alice"}); !errors.Is(err, workflowerr.ErrRefused) || workflowerr.Reason(err) != "the incident is closed" {
		t.Errorf("an ack of an ended incident: %v", err)
	}
}
