package pager

import "context"

// AlertRequest is an Opsgenie alert for a page.
type AlertRequest struct {
	// Alias is the incident's dedup key; Opsgenie dedups open alerts by
	// alias, and Baton closes the alert by it. At most 512 characters, and
	// no "/": the SDK puts the alias in the URL path unescaped.
	Alias string
	// Message is the alert's title; longer than 130 characters it is cut
	// with an ellipsis. Empty, it becomes "Baton incident <alias>".
	Message string
	// Description is cut with an ellipsis beyond 15000 characters.
	Description string
	// Priority is P1..P5; empty leaves Opsgenie's default, P3.
	Priority string
	// Team is the Baton team's name, sent as the tag "team:<name>" so that
	// Opsgenie's webhook back to Baton finds the team.
	Team string
	// Schedule is the Opsgenie schedule (by name) to notify; may be empty.
	Schedule string
	// UserEmails are notified as users (username = email) when Schedule is
	// empty.
	UserEmails []string
	// Entity is the alert's entity, e.g. the service.
	Entity string
	// Source is ignored: OpenAlert always sends "Baton".
	Source string
	// Details are the alert's extra properties, e.g.
	// {"baton_incident": workflowID}.
	Details map[string]string
}

// Alerter creates and closes Opsgenie alerts (package pager/opsgenie).
type Alerter interface {
	// OpenAlert makes sure an open alert with the request's alias exists:
	// it does nothing when one is already open.
	OpenAlert(ctx context.Context, in AlertRequest) error
	// CloseAlert closes the open alert with the alias; an alias with no
	// open alert, or none at all, is not an error.
	CloseAlert(ctx context.Context, alias, note string) error
}
