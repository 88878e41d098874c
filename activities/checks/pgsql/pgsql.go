// Package pgsql runs Baton's check queries on PostgreSQL, and on Amazon
// Redshift, which speaks its protocol, with pgx.
package pgsql

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/baton-oncall/baton/activities/checks"
)

// PgSQL is checks.SQL on pgx. It opens a connection per query: a check
// runs every few minutes, and a pool would hold connections to every
// team's warehouse between runs.
type PgSQL struct{}

// QueryValue implements checks.SQL.
func (PgSQL) QueryValue(ctx context.Context, dsn, query string, timeout time.Duration) (checks.Value, error) {
	v, err := queryValue(ctx, dsn, query, timeout)
	return v, redact(err, dsn)
}

func queryValue(ctx context.Context, dsn, query string, timeout time.Duration) (checks.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return checks.Value{}, errors.New("the database URL does not parse: give a URL such as postgres://user:password@host:5432/db")
	}
	cfg.ConnectTimeout = timeout
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return checks.Value{}, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	// The statement timeout is set for the session, not the transaction
	// (SET LOCAL), which Redshift does not take; the session is the
	// check's alone.
	if _, err := conn.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", timeout.Milliseconds())); err != nil {
		return checks.Value{}, fmt.Errorf("set the statement timeout: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return checks.Value{}, fmt.Errorf("begin a read-only transaction: %w", err)
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return checks.Value{}, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return checks.Value{}, fmt.Errorf("query: %w", err)
		}
		return checks.Value{Kind: checks.ValueNull}, nil
	}
	vals, err := rows.Values()
	if err != nil {
		return checks.Value{}, fmt.Errorf("read the row: %w", err)
	}
	if len(vals) == 0 {
		return checks.Value{}, errors.New("the query returned no column")
	}
	typ := "unknown"
	if fds := rows.FieldDescriptions(); len(fds) > 0 {
		if t, ok := conn.TypeMap().TypeForOID(fds[0].DataTypeOID); ok {
			typ = t.Name
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return checks.Value{}, fmt.Errorf("query: %w", err)
	}
	return value(vals[0], typ), nil
}

// value reads a column's Go value as a check's value.
func value(v any, typ string) checks.Value {
	out := checks.Value{Type: typ}
	switch x := v.(type) {
	case nil:
		out.Kind = checks.ValueNull
	case time.Time:
		out.Kind, out.Time = checks.ValueTime, x
	case int16:
		out.Kind, out.Number = checks.ValueNumber, float64(x)
	case int32:
		out.Kind, out.Number = checks.ValueNumber, float64(x)
	case int64:
		out.Kind, out.Number = checks.ValueNumber, float64(x)
	case float32:
		out.Kind, out.Number = checks.ValueNumber, float64(x)
	case float64:
		out.Kind, out.Number = checks.ValueNumber, x
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			out.Kind = checks.ValueNull
			break
		}
		out.Kind, out.Number = checks.ValueNumber, f.Float64
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		out.Kind, out.Number = checks.ValueNumber, f
	default:
		out.Kind = checks.ValueOther
	}
	return out
}

// redact takes the URL's password out of an error: a driver's error may
// quote what it was given.
func redact(err error, dsn string) error {
	if err == nil {
		return nil
	}
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "***"))
}
