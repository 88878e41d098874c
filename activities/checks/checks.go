// Package checks is what Baton's checks need of a database: one read-only
// query that returns one value. Its adapter for PostgreSQL and Amazon
// Redshift is pgsql; BigQuery or Snowflake would be others behind the same
// interface.
package checks

import (
	"context"
	"time"
)

// Value is what a check's query returned in its first row and column.
type Value struct {
	// Kind is ValueTime, ValueNumber or ValueNull.
	Kind   string
	Time   time.Time
	Number float64
	// Type names the column's type as the database gave it, for an error
	// about a value of the wrong kind.
	Type string
}

// Kinds of value.
const (
	ValueTime   = "time"
	ValueNumber = "number"
	ValueNull   = "null"
	// ValueOther is a value that is neither: text, say.
	ValueOther = "other"
)

// SQL runs a check's query.
type SQL interface {
	// QueryValue runs query on the database at url, in a read-only
	// transaction whose statements are cut off at timeout, and returns the
	// first column of the first row. No row is a null value. Errors never
	// hold the URL's password.
	QueryValue(ctx context.Context, url, query string, timeout time.Duration) (Value, error)
}
