package ports

import (
	"context"
	"time"
)

// ImportJob is one import (from an Artifactory instance) as stored: who
// started it, its state and its totals so far. UpdatedAt is its last
// write: a running job whose runner stopped writing is stale.
type ImportJob struct {
	ID         string
	URL        string
	By         string
	State      string
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	UpdatedAt  time.Time
	Imported   int
	Skipped    int
	Failed     int
	Bytes      int64
}

// ImportItem is one file's (or one security object's) outcome.
type ImportItem struct {
	Repository string
	Path       string
	Outcome    string
	Reason     string
}

// ImportStore keeps imports and their items, so a report outlives the
// process that ran it and every replica can show it.
type ImportStore interface {
	// SaveImport writes the job (inserted or replaced) and appends items
	// as its items from index from on, in one transaction; items already
	// stored at those indexes are kept (a repeated save is harmless).
	SaveImport(ctx context.Context, job ImportJob, from int, items []ImportItem) error
	// Import returns one job; ErrNotFound when there is none.
	Import(ctx context.Context, id string) (ImportJob, error)
	// ListImports returns the latest jobs, newest first (limit ≤ 0: 20).
	ListImports(ctx context.Context, limit int) ([]ImportJob, error)
	// ImportItems returns up to limit items of a job from index from on,
	// in order (limit ≤ 0: all).
	ImportItems(ctx context.Context, id string, from, limit int) ([]ImportItem, error)
	// PruneImports deletes, with their items, the jobs finished before
	// before and the jobs still marked running whose last write is older
	// (their runner is long gone); it returns how many jobs went.
	PruneImports(ctx context.Context, before time.Time) (int, error)
}
