package ports

import (
	"context"
	"time"
)

// JobLeases lets the replicas of a cluster run each periodic background job
// once per interval: a replica claims a job's lease when the job is due and
// nobody holds it, renews it while running, and finishes it. A holder that
// dies stops renewing; its lease expires and another replica claims the job.
type JobLeases interface {
	// Claim takes job's lease for holder until now+ttl if the last run started
	// at least every ago and no unexpired lease exists; ok reports success.
	Claim(ctx context.Context, job, holder string, every, ttl time.Duration) (ok bool, err error)
	// Renew extends holder's lease on job to now+ttl; ErrNotFound when the
	// lease was lost (expired and claimed by another replica).
	Renew(ctx context.Context, job, holder string, ttl time.Duration) error
	// Finish records the end of holder's run (runErr nil on success) and
	// releases the lease.
	Finish(ctx context.Context, job, holder string, runErr error) error
	// Jobs lists every job's record, cluster-wide.
	Jobs(ctx context.Context) ([]JobRecord, error)
}

// JobRecord is one job's cluster-wide history.
type JobRecord struct {
	Name       string    `json:"name"`
	Holder     string    `json:"holder,omitempty"`
	LeaseUntil time.Time `json:"lease_until"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Runs       int64     `json:"runs"`
	Failures   int64     `json:"failures"`
	LastError  string    `json:"last_error,omitempty"`
}
