package bunstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// postgresEnv names a PostgreSQL database the tests may create schemas in.
const postgresEnv = "KEEPER_TEST_POSTGRES_URL"

func stores(s *bunstore.Store) porttest.MetadataStores {
	return porttest.MetadataStores{Repos: s, Files: s, Users: s, Tokens: s, Settings: s, Uploads: s, Plugins: s, Usage: s}
}

// openSQLite opens and migrates a fresh SQLite file.
func openSQLite(t *testing.T) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(t.Context(), filepath.Join(t.TempDir(), "keeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// postgresDSN creates a fresh schema in the test database and returns a DSN
// whose search_path points at it; the schema is dropped after the test.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("%s is not set; skipping PostgreSQL (example: postgres://postgres@127.0.0.1:5432/keeper_test?sslmode=disable)", postgresEnv)
	}
	admin, err := bunstore.Open(t.Context(), base)
	if err != nil {
		t.Fatal(err)
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
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openPostgres(t *testing.T) *bunstore.Store {
	t.Helper()
	s, err := bunstore.Open(t.Context(), postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMetadataStoreSQLite(t *testing.T) {
	porttest.MetadataStore(t, func(t *testing.T) porttest.MetadataStores { return stores(openSQLite(t)) })
}

func TestMetadataStorePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.MetadataStore(t, func(t *testing.T) porttest.MetadataStores { return stores(openPostgres(t)) })
}
