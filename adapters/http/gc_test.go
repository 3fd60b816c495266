package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/ports"
)

// lazyGC lets the test build the collector after the server's stores exist.
type lazyGC struct{ c **gc.Collector }

func (l lazyGC) Run(ctx context.Context, dry bool) (gc.Report, error) { return (*l.c).Run(ctx, dry) }

func TestAdminGC(t *testing.T) {
	var col *gc.Collector
	e := newEnv(t, filepath.Join(t.TempDir(), "keeper.db"), 1<<20, func(d *httpapi.Deps) {
		d.GC = lazyGC{&col}
	})
	col = gc.New(gc.Deps{Repos: e.store, Files: e.store, Blobs: e.blobs, Uploads: e.store, Plugins: e.store}, time.Nanosecond)
	ctx := context.Background()
	e.createRepo(map[string]any{"key": "libs", "format": "generic", "repo_type": "local"})
	kept := []byte("referenced by a file")
	if resp, body := e.do("PUT", "/api/v1/repositories/libs/artifacts/a.txt", e.token, bytes.NewReader(kept)); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	orphan, err := e.blobs.Put(ctx, bytes.NewReader([]byte("nobody refers to me")), 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond) // older than the 1ns grace period

	if resp, _ := e.do("POST", "/api/v1/admin/gc", "", nil); resp.StatusCode != 401 {
		t.Fatalf("anonymous gc: %d", resp.StatusCode)
	}
	var rep gc.Report
	e.doJSON("POST", "/api/v1/admin/gc?dry_run=true", e.token, nil, 200, &rep)
	if !rep.DryRun || rep.Swept != 1 || rep.Digests[0] != orphan.Digest {
		t.Fatalf("dry run: %+v", rep)
	}
	if _, err := e.blobs.Stat(ctx, orphan.Digest); err != nil {
		t.Fatalf("dry run deleted: %v", err)
	}
	_, body := e.do("POST", "/api/v1/admin/gc", e.token, nil)
	if err := json.Unmarshal(body, &rep); err != nil || rep.DryRun || rep.Swept != 1 {
		t.Fatalf("run: %s", body)
	}
	if _, err := e.blobs.Stat(ctx, orphan.Digest); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("orphan survived: %v", err)
	}
	if resp, got := e.do("GET", "/api/v1/repositories/libs/download/a.txt", e.token, nil); resp.StatusCode != 200 || !bytes.Equal(got, kept) {
		t.Fatalf("referenced blob gone: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/v1/admin/gc?dry_run=maybe", e.token, nil); resp.StatusCode != 400 {
		t.Fatalf("bad dry_run: %d", resp.StatusCode)
	}
}
