package bunstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"github.com/keeper-registry/keeper/ports"
)

// Prepared statements of the hot queries. bun writes every argument into
// the SQL text, so each query is a new statement the database parses and
// plans (SQLite's prepare was ≈ 7 % of an uncached metadata GET, bench/README.md);
// these are written with placeholders once and prepared once per connection
// (database/sql re-prepares a *sql.Stmt on each pooled connection it runs on).
// They name their columns, so a later migration that adds columns does not
// change their result; SQLite re-prepares a statement itself after a schema
// change, and Migrate forgets the cache so PostgreSQL plans are made anew.

// stmtCache maps a query's text (with ? placeholders) to its statement.
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement of query, preparing it on first use.
// query uses ? placeholders, rewritten to $1, $2, … on PostgreSQL; it must
// hold no other question mark.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmts.mu.RLock()
	st := s.stmts.m[query]
	s.stmts.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	text := query
	if s.dialect == DialectPostgres {
		text = numberPlaceholders(query)
	}
	st, err := s.db.DB.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if had := s.stmts.m[query]; had != nil {
		_ = st.Close()
		return had, nil
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = st
	return st, nil
}

// applyStmts are the prepared statements of one Apply, prepared before its
// transaction begins: preparing on the pool from inside a transaction would
// wait for a second connection, and writers holding every connection of the
// pool would wait for each other for ever.
type applyStmts struct {
	bump, kvPut, kvDelete *sql.Stmt
}

const (
	bumpQuery  = `UPDATE repositories SET generation = generation + 1 WHERE id = ? RETURNING generation`
	kvPutQuery = `INSERT INTO plugin_kv (repository_id, namespace, key, value) VALUES (?, ?, ?, ?)
  ON CONFLICT (repository_id, namespace, key) DO UPDATE SET value = EXCLUDED.value`
	kvDeleteQuery = `DELETE FROM plugin_kv WHERE repository_id = ? AND namespace = ? AND key = ?`
)

func (s *Store) applyStmts(ctx context.Context, ws ports.WriteSet) (applyStmts, error) {
	var a applyStmts
	var err error
	if a.bump, err = s.stmt(ctx, bumpQuery); err != nil {
		return a, err
	}
	if len(ws.KVPuts) > 0 {
		if a.kvPut, err = s.stmt(ctx, kvPutQuery); err != nil {
			return a, err
		}
	}
	if len(ws.KVDeletes) > 0 {
		a.kvDelete, err = s.stmt(ctx, kvDeleteQuery)
	}
	return a, err
}

// forgetStmts drops the cached statements (after a migration). They are not
// closed: a query may be running on one, and closing the pool closes them.
func (s *Store) forgetStmts() {
	s.stmts.mu.Lock()
	s.stmts.m = nil
	s.stmts.mu.Unlock()
}

// numberPlaceholders rewrites ? to PostgreSQL's $1, $2, ….
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		n++
		b.WriteString(q[:i])
		b.WriteString("$" + strconv.Itoa(n))
		q = q[i+1:]
	}
}
