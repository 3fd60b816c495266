package bench

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// lookupFixture is keeper's download path below HTTP: the SQLite metadata
// store as cmd/keeper opens it, the filesystem blob store, one public generic
// repository holding one 1 KiB file.
type lookupFixture struct {
	store *bunstore.Store
	repos *repository.Service
	arts  *artifact.Service
}

func newLookupFixture(tb testing.TB) lookupFixture {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	store, err := bunstore.Open(ctx, filepath.Join(dir, "keeper.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.DB().Close() })
	if err := store.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		tb.Fatal(err)
	}
	repos := repository.NewService(store, func() []string { return []string{"generic"} })
	arts := artifact.NewService(store, store, blobs, 1<<30)
	r := ports.Repository{Key: "bench", Name: "bench", Format: "generic", Type: ports.RepoLocal, IsPublic: true}
	if err := store.CreateRepository(ctx, &r); err != nil {
		tb.Fatal(err)
	}
	if _, err := arts.Put(ctx, artifact.Upload{RepoKey: "bench", Path: "small.bin", Body: bytes.NewReader(make([]byte, 1024))}); err != nil {
		tb.Fatal(err)
	}
	return lookupFixture{store: store, repos: repos, arts: arts}
}

// get does what adapters/http (*Server).download does before ServeContent:
// resolve the repository, then the file row, then open the blob.
func (f lookupFixture) get(ctx context.Context) error {
	r, err := f.repos.Get(ctx, "bench")
	if err != nil {
		return err
	}
	_, rd, err := f.arts.Open(ctx, r, "small.bin")
	if err != nil {
		return err
	}
	return rd.Close()
}

// BenchmarkDownloadLookup runs the per-request lookups of a download from 32
// goroutines (like wrk -c32) with the pool as cmd/keeper configures it, then
// with more idle connections kept: the difference is what connection churn
// (a new SQLite connection, its pragmas and schema parse) costs per request.
func BenchmarkDownloadLookup(b *testing.B) {
	for _, v := range []struct {
		name string
		idle int
	}{{"pool=as-configured", 0}, {"pool=idle64", 64}} {
		b.Run(v.name, func(b *testing.B) {
			f := newLookupFixture(b)
			if v.idle > 0 {
				f.store.DB().SetMaxIdleConns(v.idle)
			}
			ctx := context.Background()
			if err := f.get(ctx); err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(16)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := f.get(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			stats := f.store.DB().Stats()
			b.ReportMetric(float64(stats.MaxIdleClosed+stats.MaxLifetimeClosed+stats.MaxIdleTimeClosed)/float64(b.N), "conns-closed/op")
		})
	}
}
