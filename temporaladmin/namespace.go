// Package temporaladmin prepares a Temporal namespace for Baton: Baton's
// search attributes registered and a retention long enough for the weekly
// summaries to read back a month of runs. The dev stack runs it at every
// start; on a self-hosted cluster `starter setup` runs it once.
package temporaladmin

import (
	"context"
	"fmt"
	"time"

	"github.com/baton-oncall/baton/contract"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	operatorservice "go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// MinRetention is how long closed runs are kept at the least: long enough
// to compare this week's summary with the weeks before.
const MinRetention = 30 * 24 * time.Hour

// Result says what EnsureNamespace changed.
type Result struct {
	AddedSearchAttributes []string
	RetentionRaisedTo     time.Duration
}

// EnsureNamespace registers the search attributes that are missing and
// raises the retention to MinRetention if it is shorter. It changes nothing
// that is already right, so running it twice is harmless.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string) (Result, error) {
	var res Result
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return res, fmt.Errorf("describe namespace %q: %w", namespace, err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() < MinRetention {
		_, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: namespace,
			Config: &namespacepb.NamespaceConfig{
				WorkflowExecutionRetentionTtl: durationpb.New(MinRetention),
			},
		})
		if err != nil {
			return res, fmt.Errorf("raise retention of namespace %q: %w", namespace, err)
		}
		res.RetentionRaisedTo = MinRetention
	}

	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return res, fmt.Errorf("list search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range contract.SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
			res.AddedSearchAttributes = append(res.AddedSearchAttributes, name)
		}
	}
	if len(missing) > 0 {
		_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace:        namespace,
			SearchAttributes: missing,
		})
		if err != nil {
			return res, fmt.Errorf("add search attributes %v to namespace %q: %w", res.AddedSearchAttributes, namespace, err)
		}
	}
	return res, nil
}
