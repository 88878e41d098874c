package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/support"
)

// The handover lists each open request as its own run keeps it, not as
// visibility's lagging copy has it: a request opened a moment before was
// handed over without its text.
func TestOpenSupportRequestsReadEachRunsOwnRecord(t *testing.T) {
	opened := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	memo := func(r support.Request) *commonpb.Memo {
		p, err := converter.GetDefaultDataConverter().ToPayload(r)
		if err != nil {
			t.Fatal(err)
		}
		return &commonpb.Memo{Fields: map[string]*commonpb.Payload{contract.SupportMemoKey: p}}
	}
	fresh := support.Request{ID: "support:data:C0HELP:1.1", Team: "data", Asker: "UASKER", Via: support.ViaReaction, Opened: opened, State: support.StateNew}
	read := fresh
	read.Text, read.Link = "is the orders table late?", "https://slack.example/archives/C0HELP/p11"
	other := support.Request{ID: "support:data:C0HELP:2.2", Team: "data", Text: "who owns the refunds table?", Opened: opened.Add(time.Minute), State: support.StateNew}
	run := func(r support.Request) *workflowpb.WorkflowExecutionInfo {
		return &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: r.ID, RunId: "run-" + r.ID},
			StartTime: timestamppb.New(r.Opened), Memo: memo(r),
		}
	}

	c := &mocks.Client{}
	c.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{
		Executions: []*workflowpb.WorkflowExecutionInfo{run(other), run(fresh)}}, nil)
	c.On("DescribeWorkflowExecution", mock.Anything, fresh.ID, "run-"+fresh.ID).Return(
		&workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: run(read)}, nil)
	c.On("DescribeWorkflowExecution", mock.Anything, other.ID, "run-"+other.ID).Return(nil, errors.New("unavailable"))

	res, err := (&Activities{Temporal: c}).OpenSupportRequests(context.Background(), OpenSupportRequestsInput{Team: "data"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) != 2 {
		t.Fatalf("%d requests, want 2: %+v", len(res.Requests), res.Requests)
	}
	if got := res.Requests[0]; got.ID != fresh.ID || got.Text != read.Text || got.Link != read.Link {
		t.Errorf("the request opened a moment ago: %+v; want its run's record, with text %q and link %q", got, read.Text, read.Link)
	}
	if got := res.Requests[1]; got.ID != other.ID || got.Text != other.Text {
		t.Errorf("the request whose run could not be described: %+v; want visibility's record", got)
	}
}
