package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ReplicationQueue = (*Store)(nil)

type replOutboxRow struct {
	bun.BaseModel `bun:"table:replication_outbox"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id"`
	Path         string `bun:"path"`
	Deleted      bool   `bun:"deleted"`
	CreatedAt    int64  `bun:"created_at"`
	RepoKey      string `bun:"repo_key"`
	RepoFormat   string `bun:"repo_format"`
}

type taskRow struct {
	bun.BaseModel `bun:"table:replication_tasks,alias:rt"`

	ID           int64  `bun:"id,pk,autoincrement"`
	PeerID       int64  `bun:"peer_id"`
	Repository   string `bun:"repository"`
	Path         string `bun:"path"`
	Gen          int64  `bun:"gen"`
	Held         bool   `bun:"held"`
	DueAt        int64  `bun:"due_at"`
	Attempts     int    `bun:"attempts"`
	LeaseHolder  string `bun:"lease_holder"`
	LeaseUntil   int64  `bun:"lease_until"`
	UploadID     string `bun:"upload_id"`
	UploadSHA256 string `bun:"upload_sha256"`
	LastError    string `bun:"last_error"`
	CreatedAt    int64  `bun:"created_at"`
}

func (r *taskRow) task() ports.ReplicationTask {
	return ports.ReplicationTask{ID: r.ID, PeerID: r.PeerID, Repository: r.Repository, Path: r.Path, Gen: r.Gen,
		Held: r.Held, DueAt: fromNanos(r.DueAt), Attempts: r.Attempts, Holder: r.LeaseHolder, UploadID: r.UploadID,
		UploadSHA256: r.UploadSHA256, LastError: r.LastError, CreatedAt: fromNanos(r.CreatedAt)}
}

// enqueueReplication records, inside the write set's transaction, every
// path, plugin key-value and package version ws puts or deletes, for the
// replication dispatcher.
func enqueueReplication(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) error {
	rows := make([]replOutboxRow, 0, len(ws.Puts)+len(ws.Deletes)+len(ws.KVPuts)+len(ws.KVDeletes)+len(ws.Versions))
	add := func(p string, deleted, ok bool) {
		if ok {
			rows = append(rows, replOutboxRow{RepositoryID: repoID, Path: p, Deleted: deleted, CreatedAt: now})
		}
	}
	for _, p := range ws.Deletes {
		add(p, true, true)
	}
	for _, p := range ws.Puts {
		add(p.File.Path, false, true)
	}
	for _, kv := range ws.KVPuts {
		p, ok := ports.KVChangePath(kv.Namespace, kv.Key)
		add(p, false, ok)
	}
	for _, kv := range ws.KVDeletes {
		p, ok := ports.KVChangePath(kv.Namespace, kv.Key)
		add(p, true, ok)
	}
	for _, v := range ws.Versions {
		p, ok := ports.VersionChangePath(v.Package, v.Version)
		add(p, v.Delete, ok)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := writeFeed(ctx, tx, rows); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx)
	return err
}

// enqueueReplicationRepoDeleted records a repository's deletion with its
// key and format, which the dispatcher cannot read once the row is gone.
func enqueueReplicationRepoDeleted(ctx context.Context, tx bun.Tx, repoID int64, key, format string, now int64) error {
	row := replOutboxRow{RepositoryID: repoID, Path: ports.RepositoryChangePath, Deleted: true, CreatedAt: now,
		RepoKey: key, RepoFormat: format}
	if err := dropFeed(ctx, tx, repoID); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(&row).Returning("NULL").Exec(ctx)
	return err
}

// PendingReplication returns the oldest committed changes with their
// repository's key and format (empty once the repository is gone).
func (s *Store) PendingReplication(ctx context.Context, limit int) ([]ports.ReplicationChange, error) {
	var rows []struct {
		ID           int64  `bun:"id"`
		RepositoryID int64  `bun:"repository_id"`
		Repository   string `bun:"repository"`
		Format       string `bun:"format"`
		Path         string `bun:"path"`
		Deleted      bool   `bun:"deleted"`
		CreatedAt    int64  `bun:"created_at"`
	}
	err := s.db.NewSelect().TableExpr("replication_outbox AS ro").
		ColumnExpr("ro.id, ro.repository_id, ro.path, ro.deleted, ro.created_at").
		ColumnExpr("CASE WHEN ro.repo_key <> '' THEN ro.repo_key ELSE COALESCE(r.key, '') END AS repository").
		ColumnExpr("CASE WHEN ro.repo_key <> '' THEN ro.repo_format ELSE COALESCE(r.format, '') END AS format").
		Join("LEFT JOIN repositories AS r ON r.id = ro.repository_id").
		OrderExpr("ro.id").Limit(int64(clampLimit(limit))).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("pending replication", err)
	}
	out := make([]ports.ReplicationChange, len(rows))
	for i, r := range rows {
		out[i] = ports.ReplicationChange{ID: r.ID, RepositoryID: r.RepositoryID, Repository: r.Repository, Format: r.Format,
			Path: r.Path, Deleted: r.Deleted, CreatedAt: fromNanos(r.CreatedAt)}
	}
	return out, nil
}

// Dispatch upserts tasks and drops handled changes in one transaction.
func (s *Store) Dispatch(ctx context.Context, specs []ports.TaskSpec, doneIDs []int64) error {
	now := toNanos(s.clock.Now())
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := dispatchTx(ctx, tx, specs, now); err != nil {
			return err
		}
		if len(doneIDs) == 0 {
			return nil
		}
		_, err := tx.NewDelete().Model((*replOutboxRow)(nil)).Where("id IN (?)", bun.List(doneIDs)).Exec(ctx)
		return err
	})
	return wrap("dispatch replication", err)
}

// dispatchTx queues specs in tx (see Dispatch).
func dispatchTx(ctx context.Context, tx bun.Tx, specs []ports.TaskSpec, now int64) error {
	for _, sp := range specs {
		row := taskRow{PeerID: sp.PeerID, Repository: sp.Repository, Path: sp.Path, Gen: 1, Held: sp.Held,
			DueAt: toNanos(sp.DueAt), CreatedAt: now}
		_, err := tx.NewInsert().Model(&row).
			On("CONFLICT (peer_id, repository, path) DO UPDATE").
			Set("gen = rt.gen + 1").
			Set("attempts = 0").
			Set("due_at = CASE WHEN EXCLUDED.due_at < rt.due_at OR rt.held THEN EXCLUDED.due_at ELSE rt.due_at END").
			Set("held = CASE WHEN rt.held AND EXCLUDED.held THEN EXCLUDED.held ELSE ? END", false).
			Returning("NULL").Exec(ctx)
		if err != nil {
			return err
		}
	}
	return nil
}

// ClaimTasks leases due tasks with one conditional UPDATE per batch; on
// PostgreSQL the candidates are locked with SKIP LOCKED so concurrent
// claimers take different tasks, and the outer WHERE re-checks the lease.
func (s *Store) ClaimTasks(ctx context.Context, holder string, ttl time.Duration, limit int) ([]ports.ReplicationTask, error) {
	now := s.clock.Now()
	sub := s.db.NewSelect().Model((*taskRow)(nil)).Column("id").
		Where("held = ?", false).Where("due_at <= ?", toNanos(now)).Where("lease_until < ?", toNanos(now)).
		OrderExpr("due_at, id").Limit(int64(clampLimit(limit)))
	if s.dialect == DialectPostgres {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	var rows []taskRow
	err := s.db.NewUpdate().Model(&rows).
		Set("lease_holder = ?", holder).Set("lease_until = ?", toNanos(now.Add(ttl))).
		Where("id IN (?)", sub).Where("lease_until < ?", toNanos(now)).Where("held = ?", false).
		Returning("*").Scan(ctx)
	if err != nil {
		return nil, wrap("claim replication tasks", err)
	}
	out := make([]ports.ReplicationTask, len(rows))
	for i := range rows {
		out[i] = rows[i].task()
	}
	return out, nil
}

// FinishTask ends a lease: removes a done task whose Gen did not move, or
// schedules the retry.
func (s *Store) FinishTask(ctx context.Context, t ports.ReplicationTask, done bool, retryAt time.Time, errText string) error {
	const op = "finish replication task"
	if done {
		res, err := s.db.NewDelete().Model((*taskRow)(nil)).
			Where("id = ?", t.ID).Where("gen = ?", t.Gen).Where("lease_holder = ?", t.Holder).Exec(ctx)
		if err != nil {
			return wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		// Changed while it was sent: release the lease, keep it due.
		_, err = s.db.NewUpdate().Model((*taskRow)(nil)).Set("lease_until = 0").Set("last_error = ''").
			Where("id = ?", t.ID).Where("lease_holder = ?", t.Holder).Exec(ctx)
		return wrap(op, err)
	}
	if len(errText) > maxJobError {
		errText = errText[:maxJobError]
	}
	_, err := s.db.NewUpdate().Model((*taskRow)(nil)).
		Set("lease_until = 0").Set("attempts = attempts + 1").Set("last_error = ?", errText).
		Set("upload_id = ?", t.UploadID).Set("upload_sha256 = ?", t.UploadSHA256).
		Set("due_at = CASE WHEN gen = ? THEN ? ELSE due_at END", t.Gen, toNanos(retryAt)).
		Where("id = ?", t.ID).Where("lease_holder = ?", t.Holder).Exec(ctx)
	return wrap(op, err)
}

// SaveUpload records the peer's upload session of a leased task.
func (s *Store) SaveUpload(ctx context.Context, t ports.ReplicationTask) error {
	res, err := s.db.NewUpdate().Model((*taskRow)(nil)).
		Set("upload_id = ?", t.UploadID).Set("upload_sha256 = ?", t.UploadSHA256).
		Where("id = ?", t.ID).Where("lease_holder = ?", t.Holder).Exec(ctx)
	return mustAffect("save replication upload", "task", res, err)
}

// ReleaseHeld makes a peer's held tasks due now.
func (s *Store) ReleaseHeld(ctx context.Context, peerID int64) (int, error) {
	res, err := s.db.NewUpdate().Model((*taskRow)(nil)).Set("held = ?", false).Set("due_at = ?", toNanos(s.clock.Now())).
		Where("peer_id = ?", peerID).Where("held = ?", true).Exec(ctx)
	if err != nil {
		return 0, wrap("release held tasks", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("release held tasks", err)
}

// Tasks lists queued tasks, oldest due first.
func (s *Store) Tasks(ctx context.Context, peerID int64, limit int) ([]ports.ReplicationTask, error) {
	var rows []taskRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("due_at, id").Limit(int64(clampLimit(limit)))
	if peerID != 0 {
		q = q.Where("peer_id = ?", peerID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("replication tasks", err)
	}
	out := make([]ports.ReplicationTask, len(rows))
	for i := range rows {
		out[i] = rows[i].task()
	}
	return out, nil
}
