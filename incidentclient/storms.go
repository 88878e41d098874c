package incidentclient

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/storm"
)

// StormGroup asks a team's storm desk for one of its groups: its alerts
// (incidents) as the desk last heard of them.
func StormGroup(ctx context.Context, c client.Client, team string, n int) (storm.Group, error) {
	var g storm.Group
	v, err := c.QueryWorkflow(ctx, contract.StormDeskWorkflowID(team), "", contract.StormGroupQuery, n)
	if err == nil {
		err = v.Get(&g)
	}
	if err != nil {
		return g, fmt.Errorf("storm group %d of team %s: %w", n, team, err)
	}
	return g, nil
}
