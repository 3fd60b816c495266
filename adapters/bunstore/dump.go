package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.MetadataDumper = (*Store)(nil)
	_ ports.MetadataLoader = (*Store)(nil)
)

// DumpTables reads every backed-up table in one read-only snapshot: a
// REPEATABLE READ transaction on PostgreSQL, a deferred read transaction on
// SQLite (in WAL mode it sees one snapshot and does not block writers).
func (s *Store) DumpTables(ctx context.Context, fn func(version int64, t ports.Table, rows ports.RowReader) error) (int64, error) {
	const op = "dump tables"
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, wrap(op, err)
	}
	defer conn.Close()
	var q queryer = conn
	if s.dialect == DialectPostgres {
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return 0, wrap(op, err)
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	} else {
		if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
			return 0, wrap(op, err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") }()
	}
	var version int64
	rows, err := q.QueryContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
	if err != nil {
		return 0, wrap(op, err)
	}
	if rows.Next() {
		err = rows.Scan(&version)
	}
	rows.Close()
	if err != nil {
		return 0, wrap(op, err)
	}
	tables, err := s.backupTables(ctx, q)
	if err != nil {
		return 0, wrap(op, err)
	}
	for _, name := range tables {
		cols, err := s.columns(ctx, q, name)
		if err != nil {
			return 0, wrap(op, err)
		}
		t := ports.Table{Name: name}
		for _, c := range cols {
			t.Columns = append(t.Columns, c.name)
		}
		if err := fn(version, t, s.rowReader(ctx, q, t)); err != nil {
			return 0, fmt.Errorf("bunstore: %s: %s: %w", op, name, err)
		}
	}
	return version, nil
}

// rowReader streams a table's rows with their values normalised to the
// types ports.RowReader names.
func (s *Store) rowReader(ctx context.Context, q queryer, t ports.Table) ports.RowReader {
	return func(yield func([]any) error) error {
		quoted := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			quoted[i] = quoteIdent(c)
		}
		rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+quoteIdent(t.Name))
		if err != nil {
			return wrap("read "+t.Name, err)
		}
		defer rows.Close()
		vals := make([]any, len(t.Columns))
		ptrs := make([]any, len(t.Columns))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return wrap("read "+t.Name, err)
			}
			row := make([]any, len(vals))
			for i, v := range vals {
				row[i] = normalise(v)
			}
			if err := yield(row); err != nil {
				return err
			}
		}
		return wrap("read "+t.Name, rows.Err())
	}
}

// normalise maps what a driver returns to nil, int64, float64, bool,
// string or []byte.
func normalise(v any) any {
	switch x := v.(type) {
	case nil, int64, float64, bool, string, []byte:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case int16:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
