package bunstore

import (
	"context"
	"sort"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.SearchOutbox = (*Store)(nil)

type searchOutboxRow struct {
	bun.BaseModel `bun:"table:search_outbox,alias:so"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id"`
	Package      string `bun:"package"`
	CreatedAt    int64  `bun:"created_at"`
}

// enqueueSearch queues, inside the write set's transaction, every package
// ws touches: put files' packages, version changes, and the packages of the
// deleted paths (read before they are deleted).
func enqueueSearch(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) error {
	pkgs := map[string]bool{}
	for _, p := range ws.Puts {
		if p.File.Package != "" {
			pkgs[p.File.Package] = true
		}
	}
	for _, v := range ws.Versions {
		pkgs[v.Package] = true
	}
	if len(ws.Deletes) > 0 {
		var deleted []string
		err := tx.NewSelect().Model((*fileRow)(nil)).ColumnExpr("DISTINCT package").
			Where("repository_id = ?", repoID).Where("path IN (?)", bun.List(ws.Deletes)).
			Where("package <> ''").Scan(ctx, &deleted)
		if err != nil {
			return err
		}
		for _, p := range deleted {
			pkgs[p] = true
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	rows := make([]searchOutboxRow, 0, len(pkgs))
	for p := range pkgs {
		rows = append(rows, searchOutboxRow{RepositoryID: repoID, Package: p, CreatedAt: now})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Package < rows[j].Package })
	_, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx)
	return err
}

// enqueueRepositoryDeleted queues the removal of a repository's documents.
func enqueueRepositoryDeleted(ctx context.Context, tx bun.Tx, repoID int64, now int64) error {
	_, err := tx.NewInsert().Model(&searchOutboxRow{RepositoryID: repoID, CreatedAt: now}).Returning("NULL").Exec(ctx)
	return err
}

// PendingChanges returns at most limit queued changes, oldest first, with
// the repository's key (empty once the repository is gone).
func (s *Store) PendingChanges(ctx context.Context, limit int) ([]ports.SearchChange, error) {
	var out []ports.SearchChange
	err := s.db.NewSelect().TableExpr("search_outbox AS so").
		ColumnExpr("so.id, so.repository_id, COALESCE(r.key, '') AS repository, so.package").
		Join("LEFT JOIN repositories AS r ON r.id = so.repository_id").
		OrderExpr("so.id").Limit(int64(clampLimit(limit))).
		Scan(ctx, &out)
	return out, wrap("pending search changes", err)
}

// ChangesDone removes queued changes by ID.
func (s *Store) ChangesDone(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.NewDelete().Model((*searchOutboxRow)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx)
	return wrap("search changes done", err)
}

// EnqueueAll queues every package of every repository.
func (s *Store) EnqueueAll(ctx context.Context) (int, error) {
	res, err := s.db.NewRaw("INSERT INTO search_outbox (repository_id, package, created_at) "+
		"SELECT repository_id, name, ? FROM packages ORDER BY id", toNanos(s.clock.Now())).Exec(ctx)
	if err != nil {
		return 0, wrap("enqueue all", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("enqueue all", err)
}

// Backlog counts the queued changes.
func (s *Store) Backlog(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().Model((*searchOutboxRow)(nil)).Count(ctx)
	return int(n), wrap("search backlog", err)
}
