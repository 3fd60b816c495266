package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ReplicationFeed = (*Store)(nil)

type feedRow struct {
	bun.BaseModel `bun:"table:replication_feed"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id"`
	Path         string `bun:"path"`
	Deleted      bool   `bun:"deleted"`
	CreatedAt    int64  `bun:"created_at"`
}

type cursorRow struct {
	bun.BaseModel `bun:"table:replication_cursors,alias:rc"`

	PeerID          int64  `bun:"peer_id,pk"`
	Repository      string `bun:"repository,pk"`
	HubRepositoryID int64  `bun:"hub_repository_id"`
	FeedID          int64  `bun:"feed_id"`
}

// writeFeed replaces the feed entries of the changed paths of one
// repository with new ones, inside the write's transaction.
func writeFeed(ctx context.Context, tx bun.Tx, rows []replOutboxRow) error {
	if len(rows) == 0 {
		return nil
	}
	paths := make([]string, len(rows))
	feed := make([]feedRow, len(rows))
	for i, r := range rows {
		paths[i] = r.Path
		feed[i] = feedRow{RepositoryID: r.RepositoryID, Path: r.Path, Deleted: r.Deleted, CreatedAt: r.CreatedAt}
	}
	for start := 0; start < len(paths); start += 500 {
		part := paths[start:min(start+500, len(paths))]
		if _, err := tx.NewDelete().Model((*feedRow)(nil)).Where("repository_id = ?", rows[0].RepositoryID).
			Where("path IN (?)", bun.List(part)).Exec(ctx); err != nil {
			return err
		}
	}
	_, err := tx.NewInsert().Model(&feed).Returning("NULL").Exec(ctx)
	return err
}

// dropFeed removes a deleted repository's feed.
func dropFeed(ctx context.Context, tx bun.Tx, repoID int64) error {
	_, err := tx.NewDelete().Model((*feedRow)(nil)).Where("repository_id = ?", repoID).Exec(ctx)
	return err
}

// Feed lists a repository's entries after since, written before before.
func (s *Store) Feed(ctx context.Context, repoID, since int64, before time.Time, limit int) ([]ports.FeedEntry, error) {
	var rows []feedRow
	err := s.db.NewSelect().Model(&rows).Where("repository_id = ?", repoID).Where("id > ?", since).
		Where("created_at < ?", toNanos(before)).OrderExpr("id").Limit(int64(clampLimit(limit))).Scan(ctx)
	if err != nil {
		return nil, wrap("replication feed", err)
	}
	out := make([]ports.FeedEntry, len(rows))
	for i, r := range rows {
		out[i] = ports.FeedEntry{ID: r.ID, Path: r.Path, Deleted: r.Deleted}
	}
	return out, nil
}

// PullCursor returns the stored cursor or the zero one.
func (s *Store) PullCursor(ctx context.Context, peerID int64, repository string) (ports.PullCursor, error) {
	var row cursorRow
	err := s.db.NewSelect().Model(&row).Where("peer_id = ?", peerID).Where("repository = ?", repository).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ports.PullCursor{PeerID: peerID, Repository: repository}, nil
	}
	if err != nil {
		return ports.PullCursor{}, wrap("pull cursor", err)
	}
	return ports.PullCursor{PeerID: row.PeerID, Repository: row.Repository, HubRepositoryID: row.HubRepositoryID, FeedID: row.FeedID}, nil
}

// SavePullCursor upserts c.
func (s *Store) SavePullCursor(ctx context.Context, c ports.PullCursor) error {
	row := cursorRow{PeerID: c.PeerID, Repository: c.Repository, HubRepositoryID: c.HubRepositoryID, FeedID: c.FeedID}
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (peer_id, repository) DO UPDATE").
		Set("hub_repository_id = EXCLUDED.hub_repository_id").Set("feed_id = EXCLUDED.feed_id").
		Returning("NULL").Exec(ctx)
	return wrap("save pull cursor", err)
}
