package incidentclient

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/baton-oncall/baton/contract"
	"github.com/baton-oncall/baton/workflows"
)

// Deliverer is the activity by which a workflow delivers an alert to its
// incident (contract.DeliverAlertActivity): a heartbeat's monitor opens
// and resolves incidents the way a webhook's alert does, through Deliver.
type Deliverer struct{ Client client.Client }

// DeliverAlert delivers the alert and returns its incident's workflow ID.
// A resolution with no open incident is done: there is nothing to resolve.
func (d Deliverer) DeliverAlert(ctx context.Context, req workflows.DeliverRequest) (string, error) {
	id, err := Deliver(ctx, d.Client, req.Team, req.Alert)
	if errors.Is(err, ErrNoOpenIncident) {
		return id, nil
	}
	return id, err
}

// Register registers DeliverAlert under its contract name.
func (d Deliverer) Register(r worker.ActivityRegistry) {
	r.RegisterActivityWithOptions(d.DeliverAlert, activity.RegisterOptions{Name: contract.DeliverAlertActivity})
}
