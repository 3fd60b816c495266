package bunstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

// loadBatchRows and loadBatchBytes bound one INSERT statement.
const (
	loadBatchRows  = 200
	loadBatchBytes = 4 << 20
)

// SchemaVersion is the newest embedded migration.
func (s *Store) SchemaVersion() int64 {
	ms, err := loadMigrations(s.dialect)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// PrepareRestore migrates up to version and refuses a database with data.
func (s *Store) PrepareRestore(ctx context.Context, version int64) error {
	const op = "prepare restore"
	if version <= 0 || version > s.SchemaVersion() {
		return fmt.Errorf("bunstore: %s: %w", op, ports.Invalidf("schema_version",
			"the backup's schema version %d is not one this keeper knows (1 to %d): restore with a newer keeper", version, s.SchemaVersion()))
	}
	if err := s.migrateUpTo(ctx, version); err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer conn.Close()
	var applied int64
	rows, err := conn.QueryContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
	if err != nil {
		return wrap(op, err)
	}
	if rows.Next() {
		err = rows.Scan(&applied)
	}
	rows.Close()
	if err != nil {
		return wrap(op, err)
	}
	if applied > version {
		return fmt.Errorf("bunstore: %s: %w", op, ports.Invalidf("schema_version",
			"the database is already migrated past the backup's schema (%d > %d): restore into a new, empty database", applied, version))
	}
	tables, err := s.backupTables(ctx, conn)
	if err != nil {
		return wrap(op, err)
	}
	var full []string
	for _, t := range tables {
		if seededByMigrations[t] {
			continue
		}
		any, err := strings1(ctx, conn, "SELECT 'x' FROM "+quoteIdent(t)+" LIMIT 1")
		if err != nil {
			return wrap(op, err)
		}
		if len(any) > 0 {
			full = append(full, t)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("bunstore: %s: %w", op, &ports.NotEmptyError{Tables: full})
	}
	return nil
}

// LoadTables inserts the tables of src in one transaction, then moves
// PostgreSQL's sequences past the loaded ids (SQLite's AUTOINCREMENT
// counters follow explicit ids by themselves).
func (s *Store) LoadTables(ctx context.Context, src ports.TableSource) error {
	const op = "load tables"
	return wrap(op, s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		names, err := s.backupTables(ctx, tx)
		if err != nil {
			return err
		}
		live := map[string]bool{}
		for _, n := range names {
			live[n] = true
		}
		var loaded []string
		for {
			t, rows, err := src.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if !live[t.Name] {
				return ports.Invalidf("backup", "table %q is not one this keeper backs up", t.Name)
			}
			if err := s.loadTable(ctx, tx, t, rows); err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			loaded = append(loaded, t.Name)
		}
		if s.dialect == DialectPostgres {
			return resetSequences(ctx, tx, loaded)
		}
		return nil
	}))
}

func (s *Store) loadTable(ctx context.Context, tx bun.Tx, t ports.Table, rows ports.RowReader) error {
	cols, err := s.columns(ctx, tx, t.Name)
	if err != nil {
		return err
	}
	kinds := map[string]string{}
	for _, c := range cols {
		kinds[c.name] = c.kind
	}
	rowKinds := make([]string, len(t.Columns))
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		k, ok := kinds[c]
		if !ok {
			return ports.Invalidf("backup", "column %q of %s is not in this schema", c, t.Name)
		}
		rowKinds[i], quoted[i] = k, quoteIdent(c)
	}
	if seededByMigrations[t.Name] {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+quoteIdent(t.Name)); err != nil {
			return err
		}
	}
	head := "INSERT INTO " + quoteIdent(t.Name) + " (" + strings.Join(quoted, ", ") + ") VALUES "
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	var args []any
	n, size := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := head + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
		_, err := tx.ExecContext(ctx, q, args...)
		args, n, size = args[:0], 0, 0
		return err
	}
	err = rows(func(row []any) error {
		if len(row) != len(t.Columns) {
			return ports.Invalidf("backup", "a row of %s has %d values for %d columns", t.Name, len(row), len(t.Columns))
		}
		for i, v := range row {
			cv, err := s.convert(v, rowKinds[i])
			if err != nil {
				return ports.Invalidf("backup", "%s.%s: %v", t.Name, t.Columns[i], err)
			}
			args = append(args, cv)
			if b, ok := cv.([]byte); ok {
				size += 2 * len(b)
			} else if str, ok := cv.(string); ok {
				size += len(str)
			}
		}
		n++
		if n >= loadBatchRows || size >= loadBatchBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// convert turns a dumped value into what the column takes here: the same
// backup loads into SQLite (booleans as 0/1) and PostgreSQL.
func (s *Store) convert(v any, kind string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case "bool":
		var b bool
		switch x := v.(type) {
		case bool:
			b = x
		case int64:
			b = x != 0
		case float64:
			b = x != 0
		case string:
			b = x == "1" || strings.EqualFold(x, "true") || strings.EqualFold(x, "t")
		default:
			return nil, fmt.Errorf("not a boolean")
		}
		if s.dialect == DialectSQLite {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return b, nil
	case "bytes":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("not bytes")
	case "int":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x != math.Trunc(x) {
				return nil, fmt.Errorf("not a whole number")
			}
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
		return nil, fmt.Errorf("not a number")
	case "float":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
		return nil, fmt.Errorf("not a number")
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return nil, fmt.Errorf("not text")
}

// resetSequences sets every serial column's sequence of the loaded tables
// past the largest loaded id, so the next insert does not collide.
func resetSequences(ctx context.Context, tx bun.Tx, tables []string) error {
	loaded := map[string]bool{}
	for _, t := range tables {
		loaded[t] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`)
	if err != nil {
		return err
	}
	type serial struct{ table, column string }
	var serials []serial
	for rows.Next() {
		var sc serial
		if err := rows.Scan(&sc.table, &sc.column); err != nil {
			rows.Close()
			return err
		}
		if loaded[sc.table] {
			serials = append(serials, sc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, sc := range serials {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(%s), 0) + 1, false) FROM %s",
			quoteIdent(sc.column), quoteIdent(sc.table))
		if _, err := tx.ExecContext(ctx, q, quoteIdent(sc.table), sc.column); err != nil {
			return err
		}
	}
	return nil
}

// FinishRestore applies the migrations newer than the backup and queues
// every package for the search index, which a backup does not hold.
func (s *Store) FinishRestore(ctx context.Context) error {
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	_, err := s.EnqueueAll(ctx)
	return err
}
