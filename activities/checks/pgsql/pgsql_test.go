package pgsql

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-oncall/baton/activities/checks"
	"github.com/baton-oncall/baton/internal/pgtest"
)

// The adapter against a real PostgreSQL: what each kind of column reads
// as, that nothing can be written, that a slow query is cut off, and that
// no error gives the password away.
func TestQueriesOnARealPostgreSQL(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, `CREATE TABLE orders (id bigint, loaded_at timestamptz, amount numeric(12,2))`)
	loaded := time.Date(2026, 11, 30, 3, 12, 0, 0, time.UTC)
	pg.Exec(t, `INSERT INTO orders VALUES (1, $1, 12.50), (2, $1 - interval '1 day', 7.25)`, loaded)
	var db PgSQL
	ctx := context.Background()
	const timeout = 2 * time.Second

	for _, tc := range []struct {
		name, query string
		want        checks.Value
	}{
		{"a timestamp with zone", "select max(loaded_at) from orders", checks.Value{Kind: checks.ValueTime, Time: loaded, Type: "timestamptz"}},
		{"a timestamp without zone", "select max(loaded_at)::timestamp from orders", checks.Value{Kind: checks.ValueTime, Type: "timestamp"}},
		{"a count", "select count(*) from orders", checks.Value{Kind: checks.ValueNumber, Number: 2, Type: "int8"}},
		{"a numeric sum", "select sum(amount) from orders", checks.Value{Kind: checks.ValueNumber, Number: 19.75, Type: "numeric"}},
		{"a float", "select 0.5::float8", checks.Value{Kind: checks.ValueNumber, Number: 0.5, Type: "float8"}},
		{"null from an empty table", "select max(loaded_at) from orders where id > 99", checks.Value{Kind: checks.ValueNull, Type: "timestamptz"}},
		{"no row", "select loaded_at from orders where id > 99", checks.Value{Kind: checks.ValueNull}},
		{"text", "select 'x'::text", checks.Value{Kind: checks.ValueOther, Type: "text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.QueryValue(ctx, pg.URL, tc.query, timeout)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.Kind == checks.ValueTime && tc.want.Time.IsZero() {
				tc.want.Time = got.Time // its zone is the session's: only its kind is checked
			}
			if got.Kind != tc.want.Kind || !got.Time.Equal(tc.want.Time) || got.Number != tc.want.Number || got.Type != tc.want.Type {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}

	t.Run("a write is refused and changes nothing", func(t *testing.T) {
		_, err := db.QueryValue(ctx, pg.URL, "insert into orders values (3, now(), 1) returning id", timeout)
		if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Fatalf("err %v, want a read-only refusal", err)
		}
		_, err = db.QueryValue(ctx, pg.URL, "with d as (delete from orders returning 1) select count(*) from d", timeout)
		if err == nil {
			t.Fatal("a delete in a CTE ran")
		}
		got, err := db.QueryValue(ctx, pg.URL, "select count(*) from orders", timeout)
		if err != nil || got.Number != 2 {
			t.Fatalf("orders: %+v %v, want the two rows untouched", got, err)
		}
	})

	t.Run("a slow query is cut off at the timeout", func(t *testing.T) {
		start := time.Now()
		_, err := db.QueryValue(ctx, pg.URL, "select pg_sleep(30)", 300*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "statement timeout") {
			t.Fatalf("err %v, want the statement timeout", err)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("took %s: the statement timeout did not cut the query", took)
		}
	})

	t.Run("errors never hold the password", func(t *testing.T) {
		wrong := strings.Replace(pg.URL, pgtest.Password, "not-"+pgtest.Password, 1)
		_, err := db.QueryValue(ctx, wrong, "select 1", timeout)
		if err == nil || strings.Contains(err.Error(), pgtest.Password) || !strings.Contains(err.Error(), "password authentication failed") {
			t.Fatalf("err %v: want the refusal, without the password", err)
		}
		_, err = db.QueryValue(ctx, pg.URL, "select nope from "+pgtest.Password, timeout)
		if err == nil || strings.Contains(err.Error(), pgtest.Password) {
			t.Fatalf("err %v: want a query error, without the password", err)
		}
		_, err = db.QueryValue(ctx, "postgres://baton:"+pgtest.Password+"@[::1", "select 1", timeout)
		if err == nil || strings.Contains(err.Error(), pgtest.Password) {
			t.Fatalf("err %v: want a parse error, without the password", err)
		}
	})
}
