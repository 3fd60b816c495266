package remote

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/keeper-registry/keeper/ports"
)

// Stats count what one repository's cache did since this process started.
type Stats struct {
	// Hits were served from the cache without asking the upstream.
	Hits int64 `json:"hits"`
	// Misses needed the upstream (missing, or mutable and expired).
	Misses int64 `json:"misses"`
	// UpstreamFetches are the requests sent upstream (single-flight makes
	// them fewer than the misses under concurrency).
	UpstreamFetches int64 `json:"upstream_fetches"`
	// Revalidated are expired copies the upstream confirmed (304).
	Revalidated int64 `json:"revalidated"`
	// NegativeHits were answered 404 from the remembered upstream 404s.
	NegativeHits int64 `json:"negative_hits"`
	// StaleServed were expired copies served because the upstream failed.
	StaleServed int64 `json:"stale_served"`
	// Errors are failed downloads (nothing was cached for them).
	Errors int64 `json:"errors"`
}

type counters struct{ Stats }

func (c *counters) add(n *int64) { atomic.AddInt64(n, 1) }

func (s *Service) counters(repoID int64) *counters {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	c, ok := s.stats[repoID]
	if !ok {
		c = &counters{}
		s.stats[repoID] = c
	}
	return c
}

// Stats returns the counters of a repository.
func (s *Service) Stats(repoID int64) Stats {
	c := s.counters(repoID)
	return Stats{Hits: atomic.LoadInt64(&c.Hits), Misses: atomic.LoadInt64(&c.Misses),
		UpstreamFetches: atomic.LoadInt64(&c.UpstreamFetches), Revalidated: atomic.LoadInt64(&c.Revalidated),
		NegativeHits: atomic.LoadInt64(&c.NegativeHits), StaleServed: atomic.LoadInt64(&c.StaleServed),
		Errors: atomic.LoadInt64(&c.Errors)}
}

// Usage is what a repository's cache holds.
type Usage struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Usage counts the cached files of a repository.
func (s *Service) Usage(ctx context.Context, repoID int64) (Usage, error) {
	var u Usage
	err := s.each(ctx, repoID, "", func(fs []ports.File) error {
		for _, f := range fs {
			u.Files++
			u.Bytes += f.Size
		}
		return nil
	})
	return u, err
}

// Invalidate removes the cached copy of path (every path under it when
// prefix) and forgets remembered 404s there: the next request fetches
// again. It returns the number of files removed.
func (s *Service) Invalidate(ctx context.Context, repoID int64, path string, prefix bool) (int, error) {
	path = strings.TrimPrefix(path, "/")
	if !prefix && path == "" {
		return 0, fmt.Errorf("remote: %w", ports.Invalidf("path", "give a path, or prefix=true to invalidate everything"))
	}
	s.neg.remove(repoID, path, prefix)
	// Before and after the deletes: an answer read while they run ends too.
	s.hot.bump(repoID)
	defer s.hot.bump(repoID)
	if !prefix {
		if _, ok, err := s.cached(ctx, repoID, path); err != nil || !ok {
			return 0, err
		}
		if _, err := s.d.Files.Apply(ctx, repoID, ports.WriteSet{Deletes: []string{path}}); err != nil {
			return 0, fmt.Errorf("remote: invalidate: %w", err)
		}
		// The copies other clients negotiated (variantPath) go with it.
		n, err := s.Invalidate(ctx, repoID, strings.TrimSuffix(path, "/")+"/~accept/", true)
		return 1 + n, err
	}
	n := 0
	err := s.each(ctx, repoID, path, func(fs []ports.File) error {
		ws := ports.WriteSet{}
		for _, f := range fs {
			ws.Deletes = append(ws.Deletes, f.Path)
		}
		if _, err := s.d.Files.Apply(ctx, repoID, ws); err != nil {
			return fmt.Errorf("remote: invalidate: %w", err)
		}
		n += len(fs)
		return nil
	})
	return n, err
}

// each calls fn with the files under prefix, a page at a time.
func (s *Service) each(ctx context.Context, repoID int64, prefix string, fn func([]ports.File) error) error {
	after := ""
	for {
		fs, err := s.d.Files.ListFiles(ctx, repoID, ports.FileListing{Prefix: prefix, After: after, Limit: 1000})
		if err != nil {
			return fmt.Errorf("remote: list: %w", err)
		}
		if len(fs) == 0 {
			return nil
		}
		if err := fn(fs); err != nil {
			return err
		}
		if len(fs) < 1000 {
			return nil
		}
		after = fs[len(fs)-1].Path
	}
}
