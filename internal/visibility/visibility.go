// Package visibility reads Temporal visibility a page at a time, for the
// clients and activities that list runs.
package visibility

import (
	"context"
	"iter"

	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Runs yields every run the query matches, pageSize to a call, until the
// last page or until the caller stops. A failed call is yielded as the
// error, with a nil run, and ends the sequence.
func Runs(ctx context.Context, c client.Client, query string, pageSize int32) iter.Seq2[*workflowpb.WorkflowExecutionInfo, error] {
	return func(yield func(*workflowpb.WorkflowExecutionInfo, error) bool) {
		var token []byte
		for {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: pageSize, NextPageToken: token})
			if err != nil {
				yield(nil, err)
				return
			}
			for _, e := range resp.GetExecutions() {
				if !yield(e, nil) {
					return
				}
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				return
			}
		}
	}
}
