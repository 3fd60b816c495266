package bunstore_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports"
)

// TestRefusedConnectionIsUnavailable: a database that refuses connections is
// ports.ErrUnavailable (503 + Retry-After upstream), not an internal error.
func TestRefusedConnectionIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = bunstore.Open(t.Context(), "postgres://keeper@"+addr+"/keeper?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("open against a closed port: err = %v, want ErrUnavailable", err)
	}
}

// TestDuplicatePathConflictNamesNoSQL: a losing same-path write is a
// ConflictError whose message names the path, not the constraint or SQL.
func TestDuplicatePathConflictNamesNoSQL(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *bunstore.Store{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			r := ports.Repository{Key: "libs", Name: "libs", Type: ports.RepoLocal, Format: "generic"}
			if err := s.CreateRepository(t.Context(), &r); err != nil {
				t.Fatal(err)
			}
			put := ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "a/b.txt", BlobDigest: "d", Size: 1}}}}
			if _, err := s.Apply(t.Context(), r.ID, put); err != nil {
				t.Fatal(err)
			}
			_, err := s.Apply(t.Context(), r.ID, put)
			var ce *ports.ConflictError
			if !errors.As(err, &ce) || !errors.Is(err, ports.ErrConflict) {
				t.Fatalf("second put: err = %v, want a ConflictError", err)
			}
			for _, leak := range []string{"duplicate", "constraint", "UNIQUE", "files_", "SQL"} {
				if strings.Contains(ce.Message, leak) {
					t.Fatalf("conflict message %q names %q", ce.Message, leak)
				}
			}
			if !strings.Contains(ce.Message, "a/b.txt") {
				t.Fatalf("conflict message %q does not name the path", ce.Message)
			}
		})
	}
}

// TestFullDatabaseIsStorageFull: SQLite out of pages (max_page_count stands
// in for a full disk) is ports.ErrStorageFull (507 + Retry-After upstream),
// and the refused write left nothing behind.
func TestFullDatabaseIsStorageFull(t *testing.T) {
	s := openSQLite(t)
	ctx := t.Context()
	r := ports.Repository{Key: "libs", Name: "libs", Type: ports.RepoLocal, Format: "generic"}
	if err := s.CreateRepository(ctx, &r); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxOpenConns(1) // the pragma is per connection
	var pages int
	if err := s.DB().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+2)); err != nil {
		t.Fatal(err)
	}
	big := `{"pad":"` + strings.Repeat("x", 1<<20) + `"}`
	put := ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "big.txt", BlobDigest: "d", Size: 1, Metadata: []byte(big)}}}}
	_, err := s.Apply(ctx, r.ID, put)
	if !errors.Is(err, ports.ErrStorageFull) {
		t.Fatalf("a 1 MiB row in a full database: err = %v, want ErrStorageFull", err)
	}
	if _, err := s.GetFile(ctx, r.ID, "big.txt"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("the refused write left a row: %v", err)
	}
}

// TestDiskFullSQLStateIsStorageFull: PostgreSQL's disk_full (53100) maps the same way.
func TestDiskFullSQLStateIsStorageFull(t *testing.T) {
	err := bunstore.WrapForTest("apply", &pgconn.PgError{Code: "53100", Message: "could not extend file"})
	if !errors.Is(err, ports.ErrStorageFull) {
		t.Fatalf("53100: %v", err)
	}
}
