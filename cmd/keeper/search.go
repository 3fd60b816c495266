package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/dbsearch"
	"github.com/keeper-registry/keeper/adapters/meili"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/search"
	"github.com/keeper-registry/keeper/ports"
)

// searchFollowFor is how long one run of the indexing job follows the
// queue before it hands the lease back (another replica may take it).
const searchFollowFor = 30 * time.Second

// searchModule wires the search index (the database's, or Meilisearch when
// search.meilisearch.url is set), the search service, and the indexing job
// that one replica at a time runs over the durable queue.
func searchModule() fx.Option {
	return fx.Options(
		fx.Provide(newSearchIndex, newSearchService),
		fx.Invoke(func(cfg config.Config, sched *jobs.Scheduler, svc *search.Service) {
			sched.Add(jobs.Job{Name: "search.index", Every: time.Second, Timeout: searchFollowFor,
				Run: func(ctx context.Context) error { return svc.Follow(ctx, cfg.Search.IndexPoll) }})
		}),
	)
}

func newSearchIndex(cfg config.Config, s *bunstore.Store) (ports.SearchIndex, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := cfg.Search.Meilisearch
	if m.URL == "" {
		ix, err := dbsearch.New(ctx, s.DB(), s.Dialect())
		if err == nil && s.Dialect() == bunstore.DialectPostgres && !ix.Trigram() {
			slog.Warn("search: pg_trgm is not installed; search runs without typo tolerance (docs/search.md)")
		}
		return ix, err
	}
	ix, err := meili.New(ctx, meili.Config{URL: m.URL, APIKey: m.APIKey, Index: m.Index})
	if err != nil {
		return nil, fmt.Errorf("search.meilisearch.url: %w", err)
	}
	return ix, nil
}

func newSearchService(s *bunstore.Store, ix ports.SearchIndex, az ports.Authorizer) *search.Service {
	return search.New(search.Deps{Outbox: s, Index: ix, Repos: s, Files: s, Authorizer: az,
		Log: slog.Default().With("room", "search")})
}
