package bunstore_test

import (
	"io/fs"
	"path/filepath"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/migrations"
)

// testMigrate checks Applied before and after, idempotence, and that several
// stores (as separate processes would) can migrate the same database at once.
func testMigrate(t *testing.T, dsn string) {
	ctx := t.Context()
	const n = 4
	stores := make([]*bunstore.Store, n)
	for i := range stores {
		s, err := bunstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	ok, err := stores[0].Applied(ctx)
	if err != nil || ok {
		t.Fatalf("Applied on an empty database = %v, %v; want false, nil", ok, err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Migrate(ctx) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate %d: %v", i, err)
		}
	}
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	for i, s := range stores {
		ok, err := s.Applied(ctx)
		if err != nil || !ok {
			t.Fatalf("Applied on store %d = %v, %v; want true, nil", i, ok, err)
		}
	}
	var count int
	if err := stores[0].DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&count); err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(migrations.FS, stores[0].Dialect()+"/*.up.sql")
	if count != len(files) || count == 0 {
		t.Errorf("schema_migrations rows: %d, want %d (one per migration file)", count, len(files))
	}
}

func TestMigrateSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	testMigrate(t, "sqlite://"+path)
	s, err := bunstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != bunstore.DialectSQLite {
		t.Errorf("dialect %q", s.Dialect())
	}
	var mode string
	if err := s.DB().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk, busy int
	if err := s.DB().QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := s.DB().QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy); err != nil || busy < 10000 {
		t.Errorf("busy_timeout = %d, %v; want >= 10000", busy, err)
	}
}

func TestMigratePostgres(t *testing.T) {
	dsn := postgresDSN(t)
	testMigrate(t, dsn)
	s, err := bunstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != bunstore.DialectPostgres {
		t.Errorf("dialect %q", s.Dialect())
	}
}
