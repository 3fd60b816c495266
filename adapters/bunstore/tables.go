package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Tables a backup leaves out: the migration ledger (a restore migrates),
// the search index (derived from packages and rebuilt after a restore),
// and per-process or short-lived state that means nothing to another
// instance. A table not named here is backed up, so a table added by a
// later migration is included without a change here.
var notBackedUp = map[string]bool{
	"schema_migrations": true,
	"search_outbox":     true, "search_documents": true, "search_checksums": true,
	"job_leases": true, "key_leases": true, "rate_windows": true, "plugin_replicas": true,
	"upload_sessions": true, "upload_chunks": true, "login_failures": true,
}

// seededByMigrations are tables a migration fills; a restore replaces
// their rows instead of counting them as data.
var seededByMigrations = map[string]bool{"policy_state": true}

// column is a column of the live schema and the kind of value it takes.
type column struct {
	name string
	kind string // bool, bytes, int, float, text
}

// kindOf maps a declared type (SQLite) or data_type (PostgreSQL) to a kind.
func kindOf(declared string) string {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "BOOL"):
		return "bool"
	case strings.Contains(t, "BYTEA"), strings.Contains(t, "BLOB"):
		return "bytes"
	case strings.Contains(t, "INT"), t == "BIGSERIAL", t == "SERIAL":
		return "int"
	case strings.Contains(t, "REAL"), strings.Contains(t, "DOUBLE"), strings.Contains(t, "FLOA"), strings.Contains(t, "NUMERIC"):
		return "float"
	}
	return "text"
}

// queryer is what both a *sql.Conn-backed bun.Conn and a bun.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// backupTables lists the tables a backup holds, in load order (a table
// after every table it references).
func (s *Store) backupTables(ctx context.Context, q queryer) ([]string, error) {
	var listQ, refsQ string
	if s.dialect == DialectPostgres {
		listQ = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
		refsQ = `SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc
			JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
			WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`
	} else {
		listQ = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'`
		refsQ = `SELECT m.name, f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	}
	names, err := strings1(ctx, q, listQ)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, n := range names {
		// FTS5 keeps its data in shadow tables named after the virtual table.
		if !notBackedUp[n] && !strings.HasPrefix(n, "search_fts") {
			keep[n] = true
		}
	}
	rows, err := q.QueryContext(ctx, refsQ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	refs := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			return nil, err
		}
		if from != to {
			refs[from] = append(refs[from], to)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return loadOrder(keep, refs), nil
}

// loadOrder sorts tables so each follows the tables it references; ties go
// by name, so the order is the same on every database.
func loadOrder(keep map[string]bool, refs map[string][]string) []string {
	var names []string
	for n := range keep {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	done := map[string]bool{}
	var visit func(n string, depth int)
	visit = func(n string, depth int) {
		if done[n] || depth > len(names) {
			return
		}
		done[n] = true
		deps := append([]string(nil), refs[n]...)
		sort.Strings(deps)
		for _, d := range deps {
			if keep[d] {
				visit(d, depth+1)
			}
		}
		out = append(out, n)
	}
	for _, n := range names {
		visit(n, 0)
	}
	return out
}

// columns lists a table's columns in the live schema.
func (s *Store) columns(ctx context.Context, q queryer, table string) ([]column, error) {
	var rows *sql.Rows
	var err error
	if s.dialect == DialectPostgres {
		rows, err = q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		out = append(out, column{name: name, kind: kindOf(typ)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	return out, nil
}

func strings1(ctx context.Context, q queryer, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// quoteIdent quotes a name already checked against the live schema.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
