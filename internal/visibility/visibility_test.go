package visibility

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// pages is a client whose visibility holds runs r0, r1, ... in pages of
// two; a call with token "fail" fails.
type pages struct {
	client.Client
	runs  int
	calls []string // each call's token
}

func (p *pages) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	token := string(req.GetNextPageToken())
	p.calls = append(p.calls, token)
	if token == "fail" {
		return nil, errors.New("visibility is down")
	}
	from := 0
	if token != "" {
		from, _ = strconv.Atoi(token)
	}
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	for i := from; i < min(from+2, p.runs); i++ {
		resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: "r" + strconv.Itoa(i)}})
	}
	if from+2 < p.runs {
		resp.NextPageToken = []byte(strconv.Itoa(from + 2))
	}
	return resp, nil
}

func ids(t *testing.T, c client.Client, stopAfter int) []string {
	t.Helper()
	var out []string
	for e, err := range Runs(context.Background(), c, "q", 2) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.GetExecution().GetWorkflowId())
		if len(out) == stopAfter {
			break
		}
	}
	return out
}

func TestRunsReadsEveryPage(t *testing.T) {
	p := &pages{runs: 5}
	if got, want := ids(t, p, 0), []string{"r0", "r1", "r2", "r3", "r4"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if want := []string{"", "2", "4"}; !slices.Equal(p.calls, want) {
		t.Errorf("tokens %q, want %q", p.calls, want)
	}
}

func TestRunsStopsWithTheCaller(t *testing.T) {
	p := &pages{runs: 5}
	if got, want := ids(t, p, 3), []string{"r0", "r1", "r2"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if len(p.calls) != 2 {
		t.Errorf("%d calls, want 2: no page is read after the caller stops", len(p.calls))
	}
}

func TestRunsYieldsAFailedCallOnce(t *testing.T) {
	p := &pages{runs: 5}
	var errs int
	for e, err := range Runs(context.Background(), failing{p}, "q", 2) {
		if err == nil || e != nil {
			t.Fatalf("got %v, %v; want only the error", e, err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors, want 1", errs)
	}
}

// failing asks for the page "fail" whatever the token.
type failing struct{ *pages }

func (f failing) ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	req.NextPageToken = []byte("fail")
	return f.pages.ListWorkflow(ctx, req)
}
