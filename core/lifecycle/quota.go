package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// QuotaError says a write would take a repository past its quota; it
// matches ports.ErrTooLarge, which every protocol answers with 413.
type QuotaError struct {
	Repository int64
	Max, Used  int64
	Adding     int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("the repository's storage quota of %d bytes is reached (%d used, %d more asked)", e.Max, e.Used, e.Adding)
}

// Is makes errors.Is(err, ports.ErrTooLarge) true.
func (e *QuotaError) Is(target error) bool { return target == ports.ErrTooLarge }

// Quotas wraps the file store every write goes through (the dispatcher's
// commits, the REST uploads, promotions): a write set that adds bytes to a
// repository with a quota is refused when the repository would then hold
// more than its MaxBytes. Writes that only delete or shrink pass. The check
// reads usage before the commit, so concurrent uploads can together pass
// the limit by what they add at once; the next write is refused.
type Quotas struct {
	ports.FileStore
	Store ports.LifecycleStore
}

var _ ports.FileStore = (*Quotas)(nil)

// Apply checks the quota, then commits.
func (q *Quotas) Apply(ctx context.Context, repoID int64, ws ports.WriteSet) (int64, error) {
	if len(ws.Puts) > 0 {
		if err := q.check(ctx, repoID, ws); err != nil {
			return 0, err
		}
	}
	return q.FileStore.Apply(ctx, repoID, ws)
}

func (q *Quotas) check(ctx context.Context, repoID int64, ws ports.WriteSet) error {
	quota, err := q.Store.Quota(ctx, repoID)
	if err != nil || quota.MaxBytes <= 0 {
		return wrapQuota(err)
	}
	var adding int64
	for _, p := range ws.Puts {
		adding += p.File.Size
		if p.Overwrite {
			if old, err := q.FileStore.GetFile(ctx, repoID, p.File.Path); err == nil {
				adding -= old.Size
			} else if !errors.Is(err, ports.ErrNotFound) {
				return wrapQuota(err)
			}
		}
	}
	for _, path := range ws.Deletes {
		if old, err := q.FileStore.GetFile(ctx, repoID, path); err == nil {
			adding -= old.Size
		}
	}
	if adding <= 0 {
		return nil
	}
	used, err := q.Store.RepositoryBytes(ctx, repoID)
	if err != nil {
		return wrapQuota(err)
	}
	if used+adding > quota.MaxBytes {
		return &QuotaError{Repository: repoID, Max: quota.MaxBytes, Used: used, Adding: adding}
	}
	return nil
}

func wrapQuota(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("lifecycle: quota: %w", err)
}
