package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.ImportStore = (*Store)(nil)

type importJobRow struct {
	bun.BaseModel `bun:"table:import_jobs,alias:ij"`

	ID         string `bun:"id,pk"`
	URL        string `bun:"url"`
	StartedBy  string `bun:"started_by"`
	State      string `bun:"state"`
	Error      string `bun:"error"`
	StartedAt  int64  `bun:"started_at"`
	FinishedAt int64  `bun:"finished_at"`
	UpdatedAt  int64  `bun:"updated_at"`
	Imported   int64  `bun:"imported"`
	Skipped    int64  `bun:"skipped"`
	Failed     int64  `bun:"failed"`
	Bytes      int64  `bun:"bytes"`
}

type importItemRow struct {
	bun.BaseModel `bun:"table:import_items,alias:ii"`

	JobID      string `bun:"job_id,pk"`
	Seq        int64  `bun:"seq,pk"`
	Repository string `bun:"repository"`
	Path       string `bun:"path"`
	Outcome    string `bun:"outcome"`
	Reason     string `bun:"reason"`
}

// SaveImport upserts the job and appends its items in one transaction.
func (s *Store) SaveImport(ctx context.Context, j ports.ImportJob, from int, items []ports.ImportItem) error {
	row := importJobRow{ID: j.ID, URL: j.URL, StartedBy: j.By, State: j.State, Error: j.Error,
		StartedAt: toNanos(j.StartedAt), FinishedAt: toNanos(j.FinishedAt), UpdatedAt: toNanos(j.UpdatedAt),
		Imported: int64(j.Imported), Skipped: int64(j.Skipped), Failed: int64(j.Failed), Bytes: j.Bytes}
	return wrap("save import", s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (id) DO UPDATE").
			Set("url = EXCLUDED.url, started_by = EXCLUDED.started_by, state = EXCLUDED.state, error = EXCLUDED.error").
			Set("started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, updated_at = EXCLUDED.updated_at").
			Set("imported = EXCLUDED.imported, skipped = EXCLUDED.skipped, failed = EXCLUDED.failed, bytes = EXCLUDED.bytes").
			Exec(ctx); err != nil {
			return err
		}
		const batch = 500
		for start := 0; start < len(items); start += batch {
			rows := make([]importItemRow, 0, min(batch, len(items)-start))
			for i, it := range items[start:min(start+batch, len(items))] {
				rows = append(rows, importItemRow{JobID: j.ID, Seq: int64(from + start + i), Repository: it.Repository,
					Path: it.Path, Outcome: it.Outcome, Reason: it.Reason})
			}
			if _, err := tx.NewInsert().Model(&rows).On("CONFLICT (job_id, seq) DO NOTHING").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (r importJobRow) job() ports.ImportJob {
	return ports.ImportJob{ID: r.ID, URL: r.URL, By: r.StartedBy, State: r.State, Error: r.Error,
		StartedAt: fromNanos(r.StartedAt), FinishedAt: fromNanos(r.FinishedAt), UpdatedAt: fromNanos(r.UpdatedAt),
		Imported: int(r.Imported), Skipped: int(r.Skipped), Failed: int(r.Failed), Bytes: r.Bytes}
}

// Import returns one job.
func (s *Store) Import(ctx context.Context, id string) (ports.ImportJob, error) {
	var row importJobRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.ImportJob{}, wrap("import", err)
	}
	return row.job(), nil
}

// ListImports returns the latest jobs, newest first.
func (s *Store) ListImports(ctx context.Context, limit int) ([]ports.ImportJob, error) {
	if limit <= 0 {
		limit = 20
	}
	var rows []importJobRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("started_at DESC, id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, wrap("list imports", err)
	}
	out := make([]ports.ImportJob, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.job())
	}
	return out, nil
}

// ImportItems returns a job's items from index from on.
func (s *Store) ImportItems(ctx context.Context, id string, from, limit int) ([]ports.ImportItem, error) {
	var rows []importItemRow
	q := s.db.NewSelect().Model(&rows).Where("job_id = ? AND seq >= ?", id, from).Order("seq")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("import items", err)
	}
	out := make([]ports.ImportItem, 0, len(rows))
	for _, r := range rows {
		out = append(out, ports.ImportItem{Repository: r.Repository, Path: r.Path, Outcome: r.Outcome, Reason: r.Reason})
	}
	return out, nil
}

// PruneImports deletes the jobs finished before before, and the running
// ones not written since, with their items, in one transaction.
func (s *Store) PruneImports(ctx context.Context, before time.Time) (int, error) {
	cut := toNanos(before)
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ids []string
		if err := tx.NewSelect().Model((*importJobRow)(nil)).Column("id").
			Where("(state <> ? AND finished_at > 0 AND finished_at < ?) OR (state = ? AND updated_at < ?)", "running", cut, "running", cut).
			Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.NewDelete().Model((*importItemRow)(nil)).Where("job_id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*importJobRow)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	return n, wrap("prune imports", err)
}
