package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

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
