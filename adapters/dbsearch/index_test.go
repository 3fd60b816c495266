package dbsearch_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/dbsearch"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

const postgresEnv = "KEEPER_TEST_POSTGRES_URL"

func openSQLite(t testing.TB) *bunstore.Store {
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

func index(t testing.TB, s *bunstore.Store) *dbsearch.Index {
	t.Helper()
	ix, err := dbsearch.New(t.Context(), s.DB(), s.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchIndexSQLite(t *testing.T) {
	porttest.SearchIndex(t, func(t *testing.T) ports.SearchIndex { return index(t, openSQLite(t)) })
}

func TestSearchIndexPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.SearchIndex(t, func(t *testing.T) ports.SearchIndex { return index(t, openPostgres(t)) })
}

// TestTypoTolerancePostgres: with pg_trgm, a misspelt name still finds the
// package (word similarity), and the index says so.
func TestTypoTolerancePostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	ix := index(t, openPostgres(t))
	if !ix.Trigram() {
		t.Fatal("pg_trgm was created in public before migrating, but the index does not use it")
	}
	doc := ports.SearchDocument{ID: ports.SearchDocumentID(1, "widget"), RepositoryID: 1, Repository: "r", Format: "npm", Package: "widget"}
	if err := ix.Upsert(t.Context(), []ports.SearchDocument{doc}); err != nil {
		t.Fatal(err)
	}
	r, err := ix.Search(t.Context(), ports.SearchQuery{Terms: []string{"widgt"}, Scope: ports.SearchScope{All: true}, Limit: 10})
	if err != nil || r.Total != 1 || r.Hits[0].Document.Package != "widget" {
		t.Fatalf("widgt: %+v, %v", r, err)
	}
}

// TestTrigramOwnSchemaPostgres: the trigram index of another schema (another
// Keeper in the same database) does not turn typo tolerance on in this one,
// whose search would then fail on the missing operator.
func TestTrigramOwnSchemaPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	if !index(t, openPostgres(t)).Trigram() {
		t.Fatal("the other schema has no trigram index")
	}
	s := openPostgres(t)
	if _, err := s.DB().ExecContext(t.Context(), "DROP INDEX search_documents_package_trgm"); err != nil {
		t.Fatal(err)
	}
	ix := index(t, s)
	if ix.Trigram() {
		t.Fatal("typo tolerance is on from another schema's index")
	}
	if _, err := ix.Search(t.Context(), ports.SearchQuery{Terms: []string{"widget"}, Scope: ports.SearchScope{All: true}, Limit: 10}); err != nil {
		t.Fatal(err)
	}
}
