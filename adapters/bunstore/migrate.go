package bunstore

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/migrations"
)

// migrateLockKey is the PostgreSQL advisory lock id that serialises Migrate
// across processes ("keepmigr" in ASCII).
const migrateLockKey int64 = 0x6b6565706d696772

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)`

type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads migrations/<dialect>/NNNN_name.up.sql in version order.
func loadMigrations(dialect string) ([]migration, error) {
	entries, err := fs.ReadDir(migrations.FS, dialect)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".up.sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		b, err := fs.ReadFile(migrations.FS, path.Join(dialect, name))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(name, ".up.sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// splitStatements splits a migration on ";" at line ends, dropping
// full-line "--" comments (migration files follow that convention).
func splitStatements(src string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

// Migrate applies every pending embedded migration in order, each in its own
// transaction together with its schema_migrations row. It is idempotent and
// safe when several processes start at once: PostgreSQL takes an advisory
// lock, SQLite's BEGIN IMMEDIATE serialises the transactions and each one
// re-checks whether its migration is already recorded.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateUpTo(ctx, math.MaxInt64)
}

// migrateUpTo is Migrate stopping after the migration numbered limit.
func (s *Store) migrateUpTo(ctx context.Context, limit int64) error {
	const op = "migrate"
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	defer s.forgetStmts() // statements prepared before may plan for the old schema
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return wrap(op, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer conn.Close()
	if s.dialect == DialectPostgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrateLockKey); err != nil {
			return wrap(op+": lock", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrateLockKey)
		}()
	}
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return wrap(op, err)
	}
	for _, m := range ms {
		if m.version > limit {
			break
		}
		err := conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil || n > 0 {
				return err
			}
			for _, stmt := range splitStatements(m.sql) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, toNanos(s.clock.Now()))
			return err
		})
		if err != nil {
			return wrap(fmt.Sprintf("%s %s", op, m.name), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Applied reports whether every embedded migration has been applied (for readiness checks).
func (s *Store) Applied(ctx context.Context) (bool, error) {
	const op = "applied"
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return false, wrap(op, err)
	}
	var exists bool
	if s.dialect == DialectPostgres {
		err = s.db.QueryRowContext(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists)
	} else {
		err = s.db.QueryRowContext(ctx,
			"SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").Scan(&exists)
	}
	if err != nil {
		return false, wrap(op, err)
	}
	if !exists {
		return false, nil
	}
	var versions []int64
	if err := s.db.NewRaw("SELECT version FROM schema_migrations").Scan(ctx, &versions); err != nil {
		return false, wrap(op, err)
	}
	have := make(map[int64]bool, len(versions))
	for _, v := range versions {
		have[v] = true
	}
	for _, m := range ms {
		if !have[m.version] {
			return false, nil
		}
	}
	return true, nil
}
