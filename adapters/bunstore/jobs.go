package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.JobLeases = (*Store)(nil)

type jobLeaseRow struct {
	bun.BaseModel `bun:"table:job_leases"`
	Name          string `bun:"name,pk"`
	Holder        string `bun:"holder"`
	LeaseUntil    int64  `bun:"lease_until"`
	StartedAt     int64  `bun:"started_at"`
	FinishedAt    int64  `bun:"finished_at"`
	Runs          int64  `bun:"runs"`
	Failures      int64  `bun:"failures"`
	LastError     string `bun:"last_error"`
}

// maxJobError bounds the stored text of a run's error.
const maxJobError = 1000

// Claim takes the lease with one conditional UPDATE, so of several replicas
// claiming at once exactly one matches the row.
func (s *Store) Claim(ctx context.Context, job, holder string, every, ttl time.Duration) (bool, error) {
	const op = "claim job"
	row := jobLeaseRow{Name: job}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return false, wrap(op, err)
	}
	now := s.clock.Now()
	res, err := s.db.NewUpdate().Model((*jobLeaseRow)(nil)).
		Set("holder = ?", holder).
		Set("lease_until = ?", toNanos(now.Add(ttl))).
		Set("started_at = ?", toNanos(now)).
		Where("name = ?", job).
		Where("lease_until < ?", toNanos(now)).
		Where("started_at <= ?", toNanos(now.Add(-every))).
		Exec(ctx)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(op, err)
}

// Renew extends a lease its holder still has.
func (s *Store) Renew(ctx context.Context, job, holder string, ttl time.Duration) error {
	res, err := s.db.NewUpdate().Model((*jobLeaseRow)(nil)).
		Set("lease_until = ?", toNanos(s.clock.Now().Add(ttl))).
		Where("name = ?", job).Where("holder = ?", holder).Where("lease_until > 0").
		Exec(ctx)
	return mustAffect("renew job", "lease of "+job, res, err)
}

// Finish counts the run and releases the lease.
func (s *Store) Finish(ctx context.Context, job, holder string, runErr error) error {
	q := s.db.NewUpdate().Model((*jobLeaseRow)(nil)).
		Set("lease_until = 0").
		Set("finished_at = ?", toNanos(s.clock.Now())).
		Set("runs = runs + 1").
		Where("name = ?", job).Where("holder = ?", holder)
	if runErr != nil {
		msg := runErr.Error()
		if len(msg) > maxJobError {
			msg = msg[:maxJobError]
		}
		q = q.Set("failures = failures + 1").Set("last_error = ?", msg)
	} else {
		q = q.Set("last_error = ''")
	}
	res, err := q.Exec(ctx)
	return mustAffect("finish job", "lease of "+job, res, err)
}

// Jobs lists every job's record by name.
func (s *Store) Jobs(ctx context.Context) ([]ports.JobRecord, error) {
	var rows []jobLeaseRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Limit(1000).Scan(ctx); err != nil {
		return nil, wrap("list jobs", err)
	}
	out := make([]ports.JobRecord, len(rows))
	for i, r := range rows {
		out[i] = ports.JobRecord{Name: r.Name, Holder: r.Holder, LeaseUntil: fromNanos(r.LeaseUntil),
			StartedAt: fromNanos(r.StartedAt), FinishedAt: fromNanos(r.FinishedAt), Runs: r.Runs,
			Failures: r.Failures, LastError: r.LastError}
	}
	return out, nil
}
