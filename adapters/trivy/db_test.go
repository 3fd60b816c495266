package trivy

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDBVersionChangesWithTheDatabase(t *testing.T) {
	dir := t.TempDir()
	s := New(Config{CacheDir: dir})
	if v, err := s.DBVersion(context.Background()); err != nil || v != "" {
		t.Fatalf("no database: %q %v", v, err)
	}
	db := filepath.Join(dir, "db", "trivy.db")
	os.MkdirAll(filepath.Dir(db), 0o755)
	os.WriteFile(db, []byte("one"), 0o644)
	v1, err := s.DBVersion(context.Background())
	if err != nil || v1 == "" {
		t.Fatalf("database: %q %v", v1, err)
	}
	if again, _ := s.DBVersion(context.Background()); again != v1 {
		t.Fatalf("unchanged database: %q then %q", v1, again)
	}
	os.WriteFile(db, []byte("two"), 0o644)
	os.Chtimes(db, time.Now(), time.Now().Add(time.Minute))
	if v2, _ := s.DBVersion(context.Background()); v2 == v1 || v2 == "" {
		t.Fatalf("a new database keeps fingerprint %q", v1)
	}
}
