package dbsearch_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/ports"
)

type allowAll struct{}

func (allowAll) Authorize(context.Context, ports.Subject, string, ports.Resource) (ports.Decision, error) {
	return ports.Decision{Allowed: true}, nil
}

// benchLag measures the lag from a committed write (the metadata store's
// Apply returning, as after an upload) to the package being found by a
// search, with the indexing job following the queue at the default poll.
func benchLag(b *testing.B, s *bunstore.Store) {
	ix := index(b, s)
	svc := search.New(search.Deps{Outbox: s, Index: ix, Repos: s, Files: s, Authorizer: allowAll{}})
	repo := ports.Repository{Key: "lag", Name: "lag", Format: "npm", Type: ports.RepoLocal, IsPublic: true}
	if err := s.CreateRepository(b.Context(), &repo); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Follow(ctx, 200*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	var lags []time.Duration
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("lagpkg%d", i)
		f := ports.File{Path: name + ".tgz", BlobDigest: "sha256:x", Package: name, Version: "1.0.0"}
		if _, err := s.Apply(b.Context(), repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}}}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for {
			r, err := svc.Search(b.Context(), ports.Subject{IsAdmin: true}, search.Request{Query: name})
			if err != nil {
				b.Fatal(err)
			}
			if slices.ContainsFunc(r.Hits, func(h search.Hit) bool { return h.Package == name }) {
				break // (PostgreSQL's typo tolerance also finds the similar names written before)
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("%s not searchable after 10 s", name)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lags = append(lags, time.Since(start))
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
	b.ReportMetric(float64(lags[(len(lags)-1)*99/100].Microseconds())/1000, "lag-p99-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "lag-max-ms")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkUploadToSearchableSQLite(b *testing.B) { benchLag(b, openSQLite(b)) }

func BenchmarkUploadToSearchablePostgres(b *testing.B) {
	if os.Getenv(postgresEnv) == "" {
		b.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	benchLag(b, openPostgres(b))
}
