package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/ports"
)

// memBlobs is a BlobStore in memory that counts Puts.
type memBlobs struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
}

func newMemBlobs() *memBlobs { return &memBlobs{m: map[string][]byte{}} }

func (s *memBlobs) Put(_ context.Context, r io.Reader, max int64) (ports.Blob, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return ports.Blob{}, err
	}
	if max > 0 && int64(len(data)) > max {
		return ports.Blob{}, ports.ErrTooLarge
	}
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	s.mu.Lock()
	s.m[d] = data
	s.puts++
	s.mu.Unlock()
	return ports.Blob{Digest: d, Size: int64(len(data))}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (s *memBlobs) Open(_ context.Context, d string) (ports.BlobReader, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[d]
	if !ok {
		return nil, 0, ports.ErrNotFound
	}
	return nopCloser{bytes.NewReader(b)}, int64(len(b)), nil
}

func (s *memBlobs) Stat(_ context.Context, d string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[d]
	if !ok {
		return 0, ports.ErrNotFound
	}
	return int64(len(b)), nil
}

func (s *memBlobs) Delete(_ context.Context, d string) error {
	s.mu.Lock()
	delete(s.m, d)
	s.mu.Unlock()
	return nil
}

func (s *memBlobs) Walk(_ context.Context, fn func(ports.Blob, time.Time) error) error {
	s.mu.Lock()
	var bs []ports.Blob
	for d, b := range s.m {
		bs = append(bs, ports.Blob{Digest: d, Size: int64(len(b))})
	}
	s.mu.Unlock()
	for _, b := range bs {
		if err := fn(b, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// memTarget is a BackupTarget in memory.
type memTarget struct {
	mu    sync.Mutex
	blobs *memBlobs
	files map[string][]byte
}

func newMemTarget() *memTarget { return &memTarget{blobs: newMemBlobs(), files: map[string][]byte{}} }

func (t *memTarget) Blobs() ports.BlobStore { return t.blobs }

func (t *memTarget) WriteFile(_ context.Context, name string, r io.Reader) error {
	if err := ports.CheckBackupName(name); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.files[name] = data
	t.mu.Unlock()
	return nil
}

func (t *memTarget) OpenFile(_ context.Context, name string) (io.ReadCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.files[name]
	if !ok {
		return nil, ports.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (t *memTarget) ListDir(_ context.Context, dir string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[string]bool{}
	for n := range t.files {
		if rest, ok := strings.CutPrefix(n, dir+"/"); ok {
			first, _, _ := strings.Cut(rest, "/")
			seen[first] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// memDB is a metadata database: tables of rows, as both dumper and loader.
type memDB struct {
	version int64
	order   []ports.Table
	rows    map[string][][]any
	loads   int
	full    bool
}

func (db *memDB) DumpTables(_ context.Context, fn func(int64, ports.Table, ports.RowReader) error) (int64, error) {
	for _, t := range db.order {
		err := fn(db.version, t, func(yield func([]any) error) error {
			for _, r := range db.rows[t.Name] {
				if err := yield(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return db.version, nil
}

func (db *memDB) SchemaVersion() int64 { return 11 }

func (db *memDB) PrepareRestore(_ context.Context, v int64) error {
	if db.full {
		return &ports.NotEmptyError{Tables: []string{"users"}}
	}
	db.version = v
	return nil
}

// LoadTables keeps what it read only when every table read cleanly (one transaction).
func (db *memDB) LoadTables(ctx context.Context, src ports.TableSource) error {
	db.loads++
	rows := map[string][][]any{}
	var order []ports.Table
	for {
		t, rr, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		order = append(order, t)
		if err := rr(func(r []any) error { rows[t.Name] = append(rows[t.Name], r); return nil }); err != nil {
			return err
		}
	}
	db.order, db.rows = order, rows
	return nil
}

func (db *memDB) FinishRestore(context.Context) error { return nil }

// tickClock moves a minute at every reading.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

var testKey = bytes.Repeat([]byte{7}, 32)

func fixture(t *testing.T) (*memDB, *memBlobs, Source) {
	t.Helper()
	db := &memDB{version: 11, rows: map[string][][]any{}, order: []ports.Table{
		{Name: "repositories", Columns: []string{"id", "key", "is_public", "config"}},
		{Name: "files", Columns: []string{"id", "repository_id", "path", "metadata", "score"}},
	}}
	db.rows["repositories"] = [][]any{{int64(1), "libs", true, "{}"}, {int64(2), "apps", false, nil}}
	blobs := newMemBlobs()
	for i := range 5 {
		b, err := blobs.Put(context.Background(), strings.NewReader(fmt.Sprintf("blob %d %s", i, strings.Repeat("x", i*100))), 0)
		if err != nil {
			t.Fatal(err)
		}
		db.rows["files"] = append(db.rows["files"], []any{int64(i + 1), int64(1), fmt.Sprintf("f/%d", i), []byte{0, 255, byte(i)}, 1.5})
		_ = b
	}
	return db, blobs, Source{Dump: db, Blobs: blobs, Clock: &tickClock{t: time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)}, Database: "sqlite", KeeperVersion: "test",
		SecretsKeyID: secret.KeyID(testKey)}
}

func TestBackupIsIncrementalAndRestoresEveryRowAndBlob(t *testing.T) {
	ctx := context.Background()
	db, blobs, src := fixture(t)
	target := newMemTarget()
	var p Progress
	m1, err := Backup(ctx, src, target, &p)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Copied.Blobs != 5 || m1.Copied.Skipped != 0 || target.blobs.puts != 5 {
		t.Fatalf("first backup copied %+v (%d puts), want all 5", m1.Copied, target.blobs.puts)
	}
	if v := p.View(); v.Phase != "done" || v.BlobsDone != 5 || v.Rows != 7 || v.TablesDone != 2 {
		t.Errorf("progress %+v", v)
	}
	// One more blob: the second backup copies it alone.
	if _, err := blobs.Put(ctx, strings.NewReader("new"), 0); err != nil {
		t.Fatal(err)
	}
	m2, err := Backup(ctx, src, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Copied.Blobs != 1 || m2.Copied.Skipped != 5 || target.blobs.puts != 6 {
		t.Fatalf("second backup copied %+v (%d puts in all), want 1 copied, 5 skipped", m2.Copied, target.blobs.puts)
	}
	if m2.SecretsKeyIncluded {
		t.Error("the key was included though not asked for")
	}
	all, err := List(ctx, target)
	if err != nil || len(all) != 2 {
		t.Fatalf("list: %d backups, %v", len(all), err)
	}

	restored := &memDB{}
	into := newMemBlobs()
	m, err := ReadManifest(ctx, target, "latest")
	if err != nil || m.ID != m2.ID || all[1].ID != m2.ID {
		t.Fatalf("latest: %v %v", m.ID, err)
	}
	if err := Restore(ctx, target, m, Target{Load: restored, Blobs: into, SecretsKeyID: secret.KeyID(testKey)}, nil); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(restored.rows) != fmt.Sprint(db.rows) || restored.version != 11 {
		t.Errorf("restored rows\n%v\nwant\n%v", restored.rows, db.rows)
	}
	if len(into.m) != 6 {
		t.Errorf("restored %d blobs, want 6", len(into.m))
	}
	for d, b := range blobs.m {
		if !bytes.Equal(into.m[d], b) {
			t.Errorf("blob %s differs", d)
		}
	}
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	_, _, src := fixture(t)
	target := newMemTarget()
	m, err := Backup(ctx, src, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := secret.KeyID(testKey)

	t.Run("a non-empty instance", func(t *testing.T) {
		db := &memDB{full: true}
		err := Restore(ctx, target, m, Target{Load: db, Blobs: newMemBlobs(), SecretsKeyID: good}, nil)
		if !errors.Is(err, ports.ErrConflict) || !strings.Contains(err.Error(), "empty") || db.loads != 0 {
			t.Fatalf("restore into a full instance: %v (loads %d)", err, db.loads)
		}
	})
	t.Run("another secrets key", func(t *testing.T) {
		err := Restore(ctx, target, m, Target{Load: &memDB{}, Blobs: newMemBlobs(), SecretsKeyID: "deadbeef"}, nil)
		if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), good) {
			t.Fatalf("restore with another key: %v", err)
		}
	})
	t.Run("a corrupted blob stops before any metadata", func(t *testing.T) {
		bad := newMemTarget()
		for k, v := range target.files {
			bad.files[k] = v
		}
		for d, b := range target.blobs.m {
			bad.blobs.m[d] = b
		}
		var victim string
		for d := range bad.blobs.m {
			victim = d
			break
		}
		bad.blobs.m[victim] = bytes.Repeat([]byte{'z'}, len(bad.blobs.m[victim]))
		db := &memDB{}
		err := Restore(ctx, bad, m, Target{Load: db, Blobs: newMemBlobs(), SecretsKeyID: good}, nil)
		if !errors.Is(err, ports.ErrDigestMismatch) || !strings.Contains(err.Error(), victim) || db.loads != 0 {
			t.Fatalf("restore of a corrupted blob: %v (loads %d)", err, db.loads)
		}
	})
	t.Run("an altered table keeps nothing", func(t *testing.T) {
		bad := newMemTarget()
		for k, v := range target.files {
			bad.files[k] = v
		}
		bad.blobs = target.blobs
		f := m.Tables[0].File
		bad.files[f] = bytes.Replace(bad.files[f], []byte(`"libs"`), []byte(`"LIBS"`), 1)
		db := &memDB{}
		err := Restore(ctx, bad, m, Target{Load: db, Blobs: newMemBlobs(), SecretsKeyID: good}, nil)
		if !errors.Is(err, ports.ErrDigestMismatch) || db.rows != nil {
			t.Fatalf("restore of an altered table: %v (rows kept: %v)", err, db.rows)
		}
	})
	t.Run("an incomplete backup is not listed", func(t *testing.T) {
		_ = target.WriteFile(ctx, "backups/20990101T000000Z-aaaaaa/blobs.jsonl", strings.NewReader(""))
		all, err := List(ctx, target)
		if err != nil || len(all) != 1 {
			t.Fatalf("list: %d, %v", len(all), err)
		}
		if _, err := ReadManifest(ctx, target, "../../etc"); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("read manifest of a bad id: %v", err)
		}
	})
}

func TestSecretsKeyTravelsOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	_, _, src := fixture(t)
	target := newMemTarget()
	m, err := Backup(ctx, src, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSecretsKey(ctx, target, m); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("key of a backup without it: %v", err)
	}
	src.SecretsKey = testKey
	m, err = Backup(ctx, src, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ReadSecretsKey(ctx, target, m)
	if err != nil || !bytes.Equal(k, testKey) || !m.SecretsKeyIncluded {
		t.Fatalf("key read back: %x, %v", k, err)
	}
}
