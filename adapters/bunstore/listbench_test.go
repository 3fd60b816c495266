package bunstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkListProject is the host's read behind an uncached metadata
// document: the 400 file rows (200 versions, a distribution and a side file
// each, with their metadata) of one project among others on SQLite, and the
// empty key-value listing of the same request (bench/formats.sh's PyPI case).
func BenchmarkListProject(b *testing.B) {
	ctx := context.Background()
	s, err := bunstore.Open(ctx, filepath.Join(b.TempDir(), "keeper.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	repo := &ports.Repository{Key: "py", Format: "bench", Type: ports.RepoLocal}
	if err := s.CreateRepository(ctx, repo); err != nil {
		b.Fatal(err)
	}
	for _, pkg := range []string{"aaa-pkg", "bench-pkg", "other-pkg"} {
		var ws ports.WriteSet
		for v := range 200 {
			ver := fmt.Sprintf("1.0.%d", v)
			dist := fmt.Sprintf("packages/%s/%s-%s-py3-none-any.whl", pkg, pkg, ver)
			meta := fmt.Sprintf(`{"name":%q,"version":%q,"filename":"%s-%s-py3-none-any.whl","packagetype":"bdist_wheel",`+
				`"python_version":"py3","requires_python":">=3.8","summary":"a package of the benchmark","core_metadata":"%064d","sort_key":"%08d"}`,
				pkg, ver, pkg, ver, v, v)
			ws.Puts = append(ws.Puts,
				ports.FilePut{File: ports.File{Path: dist, BlobDigest: fmt.Sprintf("%064x", v), Size: 4096, SHA256: fmt.Sprintf("%064x", v),
					Package: pkg, Version: ver, Metadata: []byte(meta)}},
				ports.FilePut{File: ports.File{Path: dist + ".metadata", BlobDigest: fmt.Sprintf("%064x", v+1000), Size: 300,
					SHA256: fmt.Sprintf("%064x", v+1000), Package: pkg, Version: ver, Metadata: []byte(`{"core_metadata":true}`)}})
		}
		if _, err := s.Apply(ctx, repo.ID, ws); err != nil {
			b.Fatal(err)
		}
	}
	q := ports.FileListing{Prefix: "packages/bench-pkg/", Package: "bench-pkg", Limit: 10000}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		fs, err := s.ListFiles(ctx, repo.ID, q)
		if err != nil || len(fs) != 400 {
			b.Fatalf("ListFiles: %d rows, %v", len(fs), err)
		}
		kvs, err := s.ListKV(ctx, repo.ID, "yank", "bench-pkg/", "", 10000)
		if err != nil || len(kvs) != 0 {
			b.Fatalf("ListKV: %d rows, %v", len(kvs), err)
		}
	}
}
