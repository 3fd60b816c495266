package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

func rowToUpload(r *uploadRow, chunks []ports.UploadChunk) ports.UploadSession {
	return ports.UploadSession{
		ID: r.ID, RepositoryKey: r.RepositoryKey, ArtifactPath: r.ArtifactPath,
		TotalSize: r.TotalSize, ChecksumSHA256: r.ChecksumSHA256, Offset: r.Received,
		Chunks: chunks, CreatedBy: r.CreatedBy,
		CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt),
	}
}

// CreateUpload inserts a session; a duplicate ID is ErrConflict. Chunks given
// up front must be contiguous from offset 0; Offset is derived from them.
func (s *Store) CreateUpload(ctx context.Context, u *ports.UploadSession) error {
	const op = "create upload"
	if u.ID == "" {
		return wrap(op, ports.Invalidf("id", "must not be empty"))
	}
	var received int64
	chunks := make([]chunkRow, 0, len(u.Chunks))
	for _, c := range u.Chunks {
		if c.Offset != received || c.Size <= 0 || c.Digest == "" {
			return wrap(op, ports.Invalidf("chunks", "chunk at %d is not contiguous or empty", c.Offset))
		}
		chunks = append(chunks, chunkRow{SessionID: u.ID, StartOffset: c.Offset, Size: c.Size, Digest: c.Digest})
		received += c.Size
	}
	now := s.clock.Now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	row := uploadRow{
		ID: u.ID, RepositoryKey: u.RepositoryKey, ArtifactPath: u.ArtifactPath, TotalSize: u.TotalSize,
		ChecksumSHA256: u.ChecksumSHA256, Received: received, CreatedBy: u.CreatedBy,
		CreatedAt: toNanos(u.CreatedAt), UpdatedAt: toNanos(u.UpdatedAt),
	}
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
		if len(chunks) == 0 {
			return nil
		}
		_, err := tx.NewInsert().Model(&chunks).Exec(ctx)
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	u.Offset = received
	u.CreatedAt, u.UpdatedAt = normTime(u.CreatedAt), normTime(u.UpdatedAt)
	return nil
}

func loadChunks(ctx context.Context, db bun.IDB, ids []string) (map[string][]ports.UploadChunk, error) {
	out := map[string][]ports.UploadChunk{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []chunkRow
	err := db.NewSelect().Model(&rows).Where("session_id IN (?)", bun.List(ids)).OrderExpr("session_id, start_offset").Scan(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.SessionID] = append(out[r.SessionID], ports.UploadChunk{Offset: r.StartOffset, Size: r.Size, Digest: r.Digest})
	}
	return out, nil
}

func getUpload(ctx context.Context, db bun.IDB, id string) (ports.UploadSession, error) {
	var row uploadRow
	if err := db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.UploadSession{}, err
	}
	chunks, err := loadChunks(ctx, db, []string{id})
	if err != nil {
		return ports.UploadSession{}, err
	}
	return rowToUpload(&row, chunks[id]), nil
}

// GetUpload returns a session with its chunks, or ErrNotFound.
func (s *Store) GetUpload(ctx context.Context, id string) (ports.UploadSession, error) {
	u, err := getUpload(ctx, s.db, id)
	return u, wrap("get upload", err)
}

// AppendChunk records c only if c.Offset equals the bytes received so far.
// The compare-and-add is one conditional UPDATE: on PostgreSQL concurrent
// callers block on the row and re-check the condition, on SQLite the
// transaction holds the write lock, so exactly one caller per offset wins
// and the others get ErrConflict.
func (s *Store) AppendChunk(ctx context.Context, id string, c ports.UploadChunk) (ports.UploadSession, error) {
	const op = "append chunk"
	if c.Size <= 0 || c.Digest == "" || c.Offset < 0 {
		return ports.UploadSession{}, wrap(op, ports.Invalidf("chunk", "needs a positive size, an offset and a digest"))
	}
	var out ports.UploadSession
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*uploadRow)(nil)).
			Set("received = received + ?", c.Size).
			Set("updated_at = ?", toNanos(s.clock.Now())).
			Where("id = ?", id).
			Where("received = ?", c.Offset).
			Where("total_size = 0 OR ? <= total_size", c.Offset+c.Size).
			Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return explainAppendMiss(ctx, tx, id, c)
		}
		row := chunkRow{SessionID: id, StartOffset: c.Offset, Size: c.Size, Digest: c.Digest}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
		out, err = getUpload(ctx, tx, id)
		return err
	})
	if err != nil {
		return ports.UploadSession{}, wrap(op, err)
	}
	return out, nil
}

// explainAppendMiss says why the conditional update matched nothing.
func explainAppendMiss(ctx context.Context, tx bun.Tx, id string, c ports.UploadChunk) error {
	var row uploadRow
	if err := tx.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return err
	}
	if row.Received != c.Offset {
		return fmt.Errorf("offset %d, session is at %d: %w", c.Offset, row.Received, ports.ErrConflict)
	}
	return fmt.Errorf("chunk ends at %d beyond total size %d: %w", c.Offset+c.Size, row.TotalSize, ports.ErrTooLarge)
}

// DeleteUpload removes a session and its chunk records (not the blobs).
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	const op = "delete upload"
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*chunkRow)(nil)).Where("session_id = ?", id).Exec(ctx); err != nil {
			return wrap(op, err)
		}
		res, err := tx.NewDelete().Model((*uploadRow)(nil)).Where("id = ?", id).Exec(ctx)
		return mustAffect(op, "upload "+id, res, err)
	})
}

// ListUploads returns sessions last updated before the given time, oldest first.
func (s *Store) ListUploads(ctx context.Context, updatedBefore time.Time, limit int) ([]ports.UploadSession, error) {
	const op = "list uploads"
	var rows []uploadRow
	err := s.db.NewSelect().Model(&rows).
		Where("updated_at < ?", toNanos(updatedBefore)).
		OrderExpr("updated_at, id").
		Limit(int64(clampLimit(limit))).
		Scan(ctx)
	if err != nil {
		return nil, wrap(op, err)
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	chunks, err := loadChunks(ctx, s.db, ids)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]ports.UploadSession, len(rows))
	for i := range rows {
		out[i] = rowToUpload(&rows[i], chunks[rows[i].ID])
	}
	return out, nil
}

// ChunkDigests returns every digest referenced by a live upload, sorted.
func (s *Store) ChunkDigests(ctx context.Context) ([]string, error) {
	var digests []string
	err := s.db.NewSelect().Model((*chunkRow)(nil)).Distinct().Column("digest").OrderExpr("digest").Scan(ctx, &digests)
	if err != nil {
		return nil, wrap("chunk digests", err)
	}
	return digests, nil
}
