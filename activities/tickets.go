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

// BacklogInput asks for a team's on-call backlog.
type BacklogInput struct {
	// JQL is the team's jira_backlog_jql.
	JQL string
	// Limit is how many issues at most: the first ones, highest priority
	// first unless the JQL orders them itself.
	Limit int
}

// BacklogResult is the on-call backlog, first issue first. Its text is
// Jira's: data, escaped where it is shown.
type BacklogResult struct {
	Issues []tickets.Found
	// NoJira: tickets go to the console (JIRA_URL is not set), which has
	// no backlog; nothing was searched, and the handover lists nothing.
	NoJira bool
}

// Backlog reads the team's on-call backlog from Jira, for the handover to
// list what a quiet week could take on.
func (a *Activities) Backlog(ctx context.Context, in BacklogInput) (BacklogResult, error) {
	if !a.Tickets.Searchable() {
		return BacklogResult{NoJira: true}, nil
	}
	found, err := a.Tickets.Search(ctx, tickets.Query{JQL: in.JQL, Limit: in.Limit})
	return BacklogResult{Issues: found}, err
}
