package bunstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ReplicationBackfills = (*Store)(nil)

type backfillRow struct {
	bun.BaseModel `bun:"table:replication_backfills,alias:rb"`

	PeerID       int64  `bun:"peer_id,pk"`
	RepositoryID int64  `bun:"repository_id,pk"`
	Repository   string `bun:"repository"`
	FeedID       int64  `bun:"feed_id"`
	Immediate    bool   `bun:"immediate"`
	CreatedAt    int64  `bun:"created_at"`
}

// StartBackfills records backfills from the feed's start.
func (s *Store) StartBackfills(ctx context.Context, bs []ports.Backfill) error {
	now := toNanos(s.clock.Now())
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, b := range bs {
			row := backfillRow{PeerID: b.PeerID, RepositoryID: b.RepositoryID, Repository: b.Repository, Immediate: b.Immediate, CreatedAt: now}
			_, err := tx.NewInsert().Model(&row).
				On("CONFLICT (peer_id, repository_id) DO UPDATE").
				Set("feed_id = 0").
				Set("repository = EXCLUDED.repository").
				Set("immediate = CASE WHEN rb.immediate THEN rb.immediate ELSE EXCLUDED.immediate END").
				Returning("NULL").Exec(ctx)
			if err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("start backfills", err)
}

// Backfills lists backfills, oldest first.
func (s *Store) Backfills(ctx context.Context, limit int) ([]ports.Backfill, error) {
	var rows []backfillRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("created_at, peer_id, repository_id").Limit(int64(clampLimit(limit))).Scan(ctx); err != nil {
		return nil, wrap("list backfills", err)
	}
	out := make([]ports.Backfill, len(rows))
	for i, r := range rows {
		out[i] = ports.Backfill{PeerID: r.PeerID, RepositoryID: r.RepositoryID, Repository: r.Repository, FeedID: r.FeedID,
			Immediate: r.Immediate, CreatedAt: fromNanos(r.CreatedAt)}
	}
	return out, nil
}

// AdvanceBackfill queues specs and moves (or ends) the backfill in one transaction.
func (s *Store) AdvanceBackfill(ctx context.Context, b ports.Backfill, specs []ports.TaskSpec, feedID int64, done bool) error {
	now := toNanos(s.clock.Now())
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := dispatchTx(ctx, tx, specs, now); err != nil {
			return err
		}
		q := tx.NewUpdate().Model((*backfillRow)(nil)).Set("feed_id = ?", feedID)
		if done {
			q := tx.NewDelete().Model((*backfillRow)(nil)).
				Where("peer_id = ? AND repository_id = ? AND feed_id = ?", b.PeerID, b.RepositoryID, b.FeedID)
			_, err := q.Exec(ctx)
			return err
		}
		_, err := q.Where("peer_id = ? AND repository_id = ? AND feed_id = ?", b.PeerID, b.RepositoryID, b.FeedID).Exec(ctx)
		return err
	})
	return wrap("advance backfill", err)
}
