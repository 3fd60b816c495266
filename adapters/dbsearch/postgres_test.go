package dbsearch_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
)

// openPostgres migrates a fresh schema of the test database. pg_trgm is
// created in public first (extensions are per database; the schema is
// dropped after the test), so the migration's trigram index is built.
func openPostgres(t testing.TB) *bunstore.Store {
	t.Helper()
	base := os.Getenv(postgresEnv)
	admin, err := bunstore.Open(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	// Test packages run at once against one database, and two concurrent
	// CREATE EXTENSION IF NOT EXISTS can fail on each other: retry until it
	// is there, or the migration below would build no trigram index and
	// the ranking tests would measure something else.
	for try := 0; ; try++ {
		_, err := admin.DB().ExecContext(t.Context(), "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
		var n int
		if qerr := admin.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&n); qerr == nil && n == 1 {
			break
		}
		if try == 20 {
			t.Fatalf("pg_trgm could not be created: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "keeper_test_" + hex.EncodeToString(b[:])
	if _, err := admin.DB().ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	s, err := bunstore.Open(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}
