// Package workflowquery reads the list a team's long-lived workflow (its
// roster, its silences) answers a query with, for the clients and the
// activities that each need it.
package workflowquery

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/internal/workflowerr"
)

// List is what the workflow's query answers; none when the workflow never
// ran or has ended, since a team that never set one has none.
func List[T any](ctx context.Context, c client.Client, workflowID, query string) ([]T, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", query)
	if workflowerr.IsClosed(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []T
	return out, v.Get(&out)
}
