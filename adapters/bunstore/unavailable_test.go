package bunstore_test

import (
	"errors"
	"net"
	"strings"
	"testing"

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
