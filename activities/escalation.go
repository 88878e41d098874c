package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"github.com/baton-oncall/baton/activities/pager"
	"github.com/baton-oncall/baton/activities/tickets"
)

// FileTicket files a ticket once per DedupKey: the RCA of an incident, or a
// shift's retrospective.
func (a *Activities) FileTicket(ctx context.Context, in tickets.Issue) (tickets.Ticket, error) {
	if in.Project == "" || in.DedupKey == "" {
		return tickets.Ticket{}, temporal.NewNonRetryableApplicationError("FileTicket needs a project and a dedup key", "BadInput", nil)
	}
	return a.Tickets.File(ctx, in)
}

// TicketResolvedInput names a ticket.
type TicketResolvedInput struct {
	Key string
}

// TicketResolvedResult says whether the ticket is done.
type TicketResolvedResult struct {
	Resolved bool
}

// TicketResolved asks the tracker whether a ticket is done, so that an RCA
// finished in Jira stops the reminders.
func (a *Activities) TicketResolved(ctx context.Context, in TicketResolvedInput) (TicketResolvedResult, error) {
	done, err := a.Tickets.Resolved(ctx, in.Key)
	return TicketResolvedResult{Resolved: done}, err
}

// OpenOpsgenieAlert creates the Opsgenie alert of a page, so that the
// Opsgenie app rings too; an open alert with the alias is left alone.
func (a *Activities) OpenOpsgenieAlert(ctx context.Context, in pager.AlertRequest) error {
	if a.Alerts == nil {
		return errNoOpsgenie
	}
	return a.Alerts.OpenAlert(ctx, in)
}

// CloseOpsgenieAlertInput names the alert Baton opened for a page.
type CloseOpsgenieAlertInput struct {
	Alias string
	Note  string
}

// CloseOpsgenieAlert closes the alert of a page that Baton resolved; an
// alert already closed, or gone, is fine.
func (a *Activities) CloseOpsgenieAlert(ctx context.Context, in CloseOpsgenieAlertInput) error {
	if a.Alerts == nil {
		return errNoOpsgenie
	}
	return a.Alerts.CloseAlert(ctx, in.Alias, in.Note)
}

var errNoOpsgenie = temporal.NewNonRetryableApplicationError(
	"the team pages through an Opsgenie schedule, but OPSGENIE_API_KEY is not set", "OpsgenieNotConfigured", nil)
