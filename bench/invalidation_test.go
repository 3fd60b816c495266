package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/pgnotify"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// replica is one keeper's metadata path: its own pool, notifier and cache.
type replica struct {
	store *bunstore.Store
	cache *repository.Cache
}

func newReplica(tb testing.TB, dsn string) replica {
	tb.Helper()
	store, err := bunstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	n := pgnotify.New(dsn, store, pgnotify.Options{})
	n.Start()
	tb.Cleanup(func() { _ = n.Close() })
	for deadline := time.Now().Add(10 * time.Second); !n.Connected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatal("notifier did not connect")
		}
	}
	// A TTL of an hour: anything seen below it was seen through a notice.
	c := repository.NewCache(store, store, ports.SystemClock{}, time.Hour, 10000)
	tb.Cleanup(c.Listen(n))
	return replica{store: store, cache: c}
}

// BenchmarkCrossReplicaInvalidation measures how long after replica A's
// write commits replica B (two pools, two listeners, one PostgreSQL) stops
// serving its cached view: B polls its cache until the file A replaced
// shows the new digest. It prints p50/p99 (target: p99 ≤ 100 ms).
func BenchmarkCrossReplicaInvalidation(b *testing.B) {
	base := os.Getenv("KEEPER_TEST_POSTGRES_URL")
	if base == "" {
		b.Skip("KEEPER_TEST_POSTGRES_URL is not set")
	}
	dsn := freshSchema(b, base)
	a, other := newReplica(b, dsn), newReplica(b, dsn)
	ctx := context.Background()
	repo := ports.Repository{Key: "inval", Name: "inval", Type: ports.RepoLocal, Format: "generic"}
	if err := a.cache.CreateRepository(ctx, &repo); err != nil {
		b.Fatal(err)
	}
	r, err := a.cache.GetRepository(ctx, "inval")
	if err != nil {
		b.Fatal(err)
	}
	put := func(i int) string {
		d := fmt.Sprintf("%064x", i+1)
		if _, err := a.cache.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{{Overwrite: true,
			File: ports.File{Path: "f", BlobDigest: d, SHA256: d, Size: 1}}}}); err != nil {
			b.Fatal(err)
		}
		return d
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		// B warms its cache at the old state.
		if _, err := other.cache.GetRepository(ctx, "inval"); err != nil {
			b.Fatal(err)
		}
		_, _ = other.cache.GetFile(ctx, r.ID, "f")
		want := put(i)
		start := time.Now()
		for {
			rr, err := other.cache.GetRepository(ctx, "inval")
			if err != nil {
				b.Fatal(err)
			}
			if f, err := other.cache.GetFile(ctx, rr.ID, "f"); err == nil && f.BlobDigest == want {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatal("replica B never saw the write")
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.Logf("cross-replica invalidation over %d writes: p50 %s, p99 %s, max %s", len(lat), p(0.50), p(0.99), lat[len(lat)-1])
}

func freshSchema(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := bunstore.Open(context.Background(), base)
	if err != nil {
		tb.Fatal(err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	schema := "bench_" + hex.EncodeToString(rnd[:])
	if _, err := admin.DB().ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
