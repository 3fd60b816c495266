package ports

import (
	"context"
	"time"
)

// Quota caps what one repository holds (logical bytes of its files).
// MaxBytes 0 means no limit; WarnBytes (0: none) only reports.
type Quota struct {
	RepositoryID int64
	MaxBytes     int64
	WarnBytes    int64
	UpdatedAt    time.Time
}

// LifecyclePolicy deletes package versions of one repository that its
// rules select (core/lifecycle says how they combine).
type LifecyclePolicy struct {
	ID           int64
	Name         string
	RepositoryID int64
	// KeepLast protects the newest N versions of each package (0: none).
	KeepLast int
	// OlderThan selects versions stored longer ago (0: unset).
	OlderThan time.Duration
	// NotDownloadedFor selects versions not downloaded for that long (0: unset).
	NotDownloadedFor time.Duration
	// Include and Exclude are path.Match patterns on the package name
	// (on the path for files without one); empty Include matches all.
	Include     string
	Exclude     string
	Enabled     bool
	LastRunAt   time.Time
	LastDeleted int64
	LastError   string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LifecycleStore keeps quotas and lifecycle policies. Conformance suite:
// porttest.LifecycleStore.
type LifecycleStore interface {
	// Quota returns the repository's quota (the zero Quota when none is set).
	Quota(ctx context.Context, repoID int64) (Quota, error)
	// SetQuota stores q; MaxBytes and WarnBytes both 0 removes it.
	SetQuota(ctx context.Context, q Quota) error
	// RepositoryBytes sums the sizes of the repository's files.
	RepositoryBytes(ctx context.Context, repoID int64) (int64, error)

	// CreateLifecyclePolicy inserts p and sets its ID; a taken name is ErrConflict.
	CreateLifecyclePolicy(ctx context.Context, p *LifecyclePolicy) error
	// LifecyclePolicies lists policies by id (repoID 0: every repository).
	LifecyclePolicies(ctx context.Context, repoID int64) ([]LifecyclePolicy, error)
	// LifecyclePolicy returns one policy, or ErrNotFound.
	LifecyclePolicy(ctx context.Context, id int64) (LifecyclePolicy, error)
	// UpdateLifecyclePolicy stores every field of p; ErrNotFound when absent.
	UpdateLifecyclePolicy(ctx context.Context, p *LifecyclePolicy) error
	// DeleteLifecyclePolicy removes a policy; ErrNotFound when absent.
	DeleteLifecyclePolicy(ctx context.Context, id int64) error
}
