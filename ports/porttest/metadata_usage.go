package porttest

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// mdUsage: RepositoryUsage counts each repository's files and sums their
// sizes, follows overwrites and deletes, and leaves out empty repositories.
func mdUsage(t *testing.T, open func(t *testing.T) MetadataStores) {
	s := open(t)
	if s.Usage == nil {
		t.Skip("the adapter does not implement ports.UsageStats")
	}
	ctx := mdCtx(t)
	a, b, empty := mdNewRepo(t, s, "usage-a"), mdNewRepo(t, s, "usage-b"), mdNewRepo(t, s, "usage-empty")
	put := func(repo ports.Repository, path string, size int64, overwrite bool) {
		_, err := s.Files.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{{
			File: ports.File{Path: path, BlobDigest: "d-" + path, Size: size}, Overwrite: overwrite}}})
		mdOK(t, err, "put "+path)
	}
	put(a, "x", 100, false)
	put(a, "y", 20, false)
	put(b, "z", 7, false)
	put(a, "y", 30, true) // overwrite: counted once, with its new size
	_, err := s.Files.Apply(ctx, b.ID, ports.WriteSet{Deletes: []string{"z"}})
	mdOK(t, err, "delete z")
	put(b, "w", 5, false)
	got, err := s.Usage.RepositoryUsage(ctx)
	mdOK(t, err, "repository usage")
	if got[a.ID] != (ports.RepoUsage{Files: 2, Bytes: 130}) || got[b.ID] != (ports.RepoUsage{Files: 1, Bytes: 5}) {
		t.Fatalf("usage: a %+v, b %+v", got[a.ID], got[b.ID])
	}
	if _, ok := got[empty.ID]; ok {
		t.Fatalf("an empty repository is listed: %+v", got[empty.ID])
	}
}
