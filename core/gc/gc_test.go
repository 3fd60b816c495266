package gc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/gc"
	"github.com/keeper-registry/keeper/ports"
)

// agedBlobs gives blobs of the in-memory store modification times.
type agedBlobs struct {
	*dispatchtest.Blobs
	mod map[string]time.Time
}

func (a agedBlobs) Walk(ctx context.Context, fn func(ports.Blob, time.Time) error) error {
	return a.Blobs.Walk(ctx, func(b ports.Blob, _ time.Time) error { return fn(b, a.mod[b.Digest]) })
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestCollectorSweepsOnlyOldUnreferencedBlobs(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	repos := dispatchtest.NewRepos()
	files := dispatchtest.NewFiles(repos)
	blobs := agedBlobs{dispatchtest.NewBlobs(), map[string]time.Time{}}
	plugins := dispatchtest.NewPlugins()
	put := func(s string, age time.Duration) string {
		b, err := blobs.Put(ctx, strings.NewReader(s), 0)
		if err != nil {
			t.Fatal(err)
		}
		blobs.mod[b.Digest] = now.Add(-age)
		return b.Digest
	}
	shared := put("shared layer", 48*time.Hour)
	garbage := put("deleted layer", 48*time.Hour)
	young := put("just spooled", time.Minute)
	module := put("plugin module", 48*time.Hour)
	for _, key := range []string{"a", "b"} {
		r := &ports.Repository{Key: key, Format: "oci", Type: "local"}
		if err := repos.CreateRepository(ctx, r); err != nil {
			t.Fatal(err)
		}
		// The same blob in two repositories is stored once and stays.
		ws := ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "img/blobs/x", BlobDigest: shared}}}}
		if _, err := files.Apply(ctx, r.ID, ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := plugins.SavePlugin(ctx, &ports.PluginRecord{ID: "p", Digest: module}); err != nil {
		t.Fatal(err)
	}
	c := gc.New(gc.Deps{Repos: repos, Files: files, Blobs: blobs, Plugins: plugins, Clock: fixedClock{now}}, 24*time.Hour)

	dry, err := c.Run(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Swept != 1 || dry.Digests[0] != garbage || dry.Young != 1 || dry.Referenced != 2 || dry.Scanned != 4 {
		t.Fatalf("dry run report %+v", dry)
	}
	if _, err := blobs.Stat(ctx, garbage); err != nil {
		t.Fatal("a dry run deleted a blob")
	}
	rep, err := c.Run(ctx, false)
	if err != nil || rep.Swept != 1 || rep.SweptBytes != int64(len("deleted layer")) {
		t.Fatalf("run: %+v %v", rep, err)
	}
	if _, err := blobs.Stat(ctx, garbage); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("garbage survived: %v", err)
	}
	for _, d := range []string{shared, young, module} {
		if _, err := blobs.Stat(ctx, d); err != nil {
			t.Fatalf("live blob %s deleted: %v", d, err)
		}
	}
}
