package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.LifecycleStore = (*Store)(nil)

type quotaRow struct {
	bun.BaseModel `bun:"table:repository_quotas,alias:rq"`

	RepositoryID int64 `bun:"repository_id,pk"`
	MaxBytes     int64 `bun:"max_bytes"`
	WarnBytes    int64 `bun:"warn_bytes"`
	UpdatedAt    int64 `bun:"updated_at"`
}

type lifecycleRow struct {
	bun.BaseModel `bun:"table:lifecycle_policies,alias:lp"`

	ID               int64  `bun:"id,pk,autoincrement"`
	Name             string `bun:"name"`
	RepositoryID     int64  `bun:"repository_id"`
	KeepLast         int    `bun:"keep_last"`
	OlderThan        int64  `bun:"older_than"`
	NotDownloadedFor int64  `bun:"not_downloaded_for"`
	Include          string `bun:"include"`
	Exclude          string `bun:"exclude"`
	Enabled          bool   `bun:"enabled"`
	LastRunAt        int64  `bun:"last_run_at"`
	LastDeleted      int64  `bun:"last_deleted"`
	LastError        string `bun:"last_error"`
	CreatedBy        string `bun:"created_by"`
	CreatedAt        int64  `bun:"created_at"`
	UpdatedAt        int64  `bun:"updated_at"`
}

func toLifecycleRow(p *ports.LifecyclePolicy) lifecycleRow {
	return lifecycleRow{ID: p.ID, Name: p.Name, RepositoryID: p.RepositoryID, KeepLast: p.KeepLast,
		OlderThan: int64(p.OlderThan), NotDownloadedFor: int64(p.NotDownloadedFor), Include: p.Include, Exclude: p.Exclude,
		Enabled: p.Enabled, LastRunAt: toNanos(p.LastRunAt), LastDeleted: p.LastDeleted, LastError: p.LastError,
		CreatedBy: p.CreatedBy, CreatedAt: toNanos(p.CreatedAt), UpdatedAt: toNanos(p.UpdatedAt)}
}

func fromLifecycleRow(r *lifecycleRow) ports.LifecyclePolicy {
	return ports.LifecyclePolicy{ID: r.ID, Name: r.Name, RepositoryID: r.RepositoryID, KeepLast: r.KeepLast,
		OlderThan: time.Duration(r.OlderThan), NotDownloadedFor: time.Duration(r.NotDownloadedFor), Include: r.Include,
		Exclude: r.Exclude, Enabled: r.Enabled, LastRunAt: fromNanos(r.LastRunAt), LastDeleted: r.LastDeleted,
		LastError: r.LastError, CreatedBy: r.CreatedBy, CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}
}

// Quota returns the repository's quota, the zero Quota when none is set.
func (s *Store) Quota(ctx context.Context, repoID int64) (ports.Quota, error) {
	var row quotaRow
	err := s.db.NewSelect().Model(&row).Where("repository_id = ?", repoID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ports.Quota{RepositoryID: repoID}, nil
	}
	if err != nil {
		return ports.Quota{}, wrap("quota", err)
	}
	return ports.Quota{RepositoryID: row.RepositoryID, MaxBytes: row.MaxBytes, WarnBytes: row.WarnBytes, UpdatedAt: fromNanos(row.UpdatedAt)}, nil
}

// SetQuota stores q, or removes it when both limits are 0.
func (s *Store) SetQuota(ctx context.Context, q ports.Quota) error {
	const op = "set quota"
	if q.MaxBytes == 0 && q.WarnBytes == 0 {
		_, err := s.db.NewDelete().Model((*quotaRow)(nil)).Where("repository_id = ?", q.RepositoryID).Exec(ctx)
		return wrap(op, err)
	}
	row := quotaRow{RepositoryID: q.RepositoryID, MaxBytes: q.MaxBytes, WarnBytes: q.WarnBytes, UpdatedAt: toNanos(s.clock.Now())}
	_, err := s.db.NewInsert().Model(&row).On("CONFLICT (repository_id) DO UPDATE").
		Set("max_bytes = EXCLUDED.max_bytes").Set("warn_bytes = EXCLUDED.warn_bytes").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap(op, err)
}

// RepositoryBytes sums the sizes of the repository's files.
func (s *Store) RepositoryBytes(ctx context.Context, repoID int64) (int64, error) {
	var n sql.NullInt64
	err := s.db.NewSelect().Model((*fileRow)(nil)).ColumnExpr("SUM(size)").Where("repository_id = ?", repoID).Scan(ctx, &n)
	return n.Int64, wrap("repository bytes", err)
}

// CreateLifecyclePolicy inserts p and sets its ID and times.
func (s *Store) CreateLifecyclePolicy(ctx context.Context, p *ports.LifecyclePolicy) error {
	now := normTime(s.clock.Now())
	p.CreatedAt, p.UpdatedAt = now, now
	row := toLifecycleRow(p)
	row.ID = 0
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap("create lifecycle policy", err)
	}
	p.ID = row.ID
	return nil
}

// LifecyclePolicies lists policies by id, of one repository or all (repoID 0).
func (s *Store) LifecyclePolicies(ctx context.Context, repoID int64) ([]ports.LifecyclePolicy, error) {
	var rows []lifecycleRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("id")
	if repoID != 0 {
		q = q.Where("repository_id = ?", repoID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, wrap("lifecycle policies", err)
	}
	out := make([]ports.LifecyclePolicy, len(rows))
	for i := range rows {
		out[i] = fromLifecycleRow(&rows[i])
	}
	return out, nil
}

// LifecyclePolicy returns one policy, or ErrNotFound.
func (s *Store) LifecyclePolicy(ctx context.Context, id int64) (ports.LifecyclePolicy, error) {
	var row lifecycleRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.LifecyclePolicy{}, wrap("lifecycle policy", err)
	}
	return fromLifecycleRow(&row), nil
}

// UpdateLifecyclePolicy stores every field of p but its creation.
func (s *Store) UpdateLifecyclePolicy(ctx context.Context, p *ports.LifecyclePolicy) error {
	const op = "update lifecycle policy"
	p.UpdatedAt = normTime(s.clock.Now())
	row := toLifecycleRow(p)
	res, err := s.db.NewUpdate().Model(&row).ExcludeColumn("id", "created_at", "created_by").WherePK().Exec(ctx)
	return mustAffect(op, "lifecycle policy", res, err)
}

// DeleteLifecyclePolicy removes a policy.
func (s *Store) DeleteLifecyclePolicy(ctx context.Context, id int64) error {
	const op = "delete lifecycle policy"
	res, err := s.db.NewDelete().Model((*lifecycleRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mustAffect(op, "lifecycle policy", res, err)
}
