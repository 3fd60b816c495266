package harness

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv is the variable holding a PostgreSQL URL; when set, tests run on
// PostgreSQL too, each in a fresh schema.
const PostgresEnv = "KEEPER_TEST_POSTGRES_URL"

// DB is one database a keeper process can run on.
type DB struct {
	// Name is "sqlite" or "postgres".
	Name string
	// URL is KEEPER_DATABASE_URL for the process; empty means SQLite in the data dir.
	URL string
}

// Databases lists the database kinds available: SQLite always, PostgreSQL
// when KEEPER_TEST_POSTGRES_URL is set.
func Databases() []string {
	names := []string{"sqlite"}
	if os.Getenv(PostgresEnv) != "" {
		names = append(names, "postgres")
	}
	return names
}

// NewDB returns a database of the given kind for t: SQLite needs nothing,
// PostgreSQL gets a fresh schema that is dropped when t ends.
func NewDB(t testing.TB, name string) DB {
	t.Helper()
	switch name {
	case "sqlite":
		return DB{Name: name}
	case "postgres":
		base := os.Getenv(PostgresEnv)
		if base == "" {
			t.Skip(PostgresEnv + " is not set")
		}
		return DB{Name: name, URL: FreshSchema(t, base)}
	}
	t.Fatalf("harness: unknown database %q", name)
	return DB{}
}

// EachDB runs fn as a subtest per available database.
func EachDB(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	for _, name := range Databases() {
		t.Run(name, func(t *testing.T) { fn(t, NewDB(t, name)) })
	}
}

// FreshSchema creates a new schema in the PostgreSQL database at base and
// returns base with ?search_path= pointing at it. The schema is dropped when
// t ends (register it before starting processes that use it, so they stop first).
func FreshSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "e2e_" + hex.EncodeToString(b)
	if err := pgExec(base, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("harness: create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := pgExec(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("harness: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("harness: %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func pgExec(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}
