package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// Row model mirroring migrations/*/0005_credentials.up.sql.
type loginFailureRow struct {
	bun.BaseModel `bun:"table:login_failures,alias:lf"`

	Username    string `bun:"username,pk"`
	Source      string `bun:"source,pk"`
	Failures    int    `bun:"failures,notnull"`
	LockedUntil int64  `bun:"locked_until,notnull"`
	UpdatedAt   int64  `bun:"updated_at,notnull"`
}

var _ auth.AttemptStore = (*Store)(nil)

// LoginAttempts returns the records of each username from source, in order.
func (s *Store) LoginAttempts(ctx context.Context, source string, usernames ...string) ([]auth.LoginAttempts, error) {
	out := make([]auth.LoginAttempts, len(usernames))
	if len(usernames) == 0 {
		return out, nil
	}
	var rows []loginFailureRow
	if err := s.db.NewSelect().Model(&rows).Where("source = ?", source).Where("username IN (?)", bun.List(usernames)).
		Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("login attempts", err)
	}
	for _, r := range rows {
		for i, u := range usernames {
			if u == r.Username {
				out[i] = auth.LoginAttempts{Failures: r.Failures, LockedUntil: fromNanos(r.LockedUntil)}
			}
		}
	}
	return out, nil
}

// FailLogin counts one failure atomically (an upsert every replica
// serialises on) and applies the lock the count calls for.
func (s *Store) FailLogin(ctx context.Context, username, source string, at time.Time, forget time.Duration,
	lock func(int) time.Duration) (auth.LoginAttempts, error) {
	var failures int
	var lockedUntil int64
	err := s.db.NewRaw(`INSERT INTO login_failures (username, source, failures, locked_until, updated_at)
VALUES (?, ?, 1, 0, ?)
ON CONFLICT (username, source) DO UPDATE SET
  failures = CASE WHEN login_failures.updated_at < ? THEN 1 ELSE login_failures.failures + 1 END,
  updated_at = excluded.updated_at
RETURNING failures, locked_until`, username, source, toNanos(at), toNanos(at.Add(-forget))).Scan(ctx, &failures, &lockedUntil)
	if err != nil {
		return auth.LoginAttempts{}, wrap("count login failure", err)
	}
	a := auth.LoginAttempts{Failures: failures, LockedUntil: fromNanos(lockedUntil)}
	if d := lock(failures); d > 0 {
		a.LockedUntil = at.Add(d)
		if _, err := s.db.NewUpdate().Model((*loginFailureRow)(nil)).Set("locked_until = ?", toNanos(a.LockedUntil)).
			Where("username = ?", username).Where("source = ?", source).Exec(ctx); err != nil {
			return a, wrap("lock login", err)
		}
	}
	return a, nil
}

// ClearLogin forgets the failures of username from source ("" for every source).
func (s *Store) ClearLogin(ctx context.Context, username, source string) error {
	q := s.db.NewDelete().Model((*loginFailureRow)(nil)).Where("username = ?", username)
	if source != "" {
		q = q.Where("source = ?", source)
	}
	_, err := q.Exec(ctx)
	return wrap("clear login failures", err)
}

var _ auth.SignInReader = (*Store)(nil)

// signInRow is a user with the failure records a password check reads.
type signInRow struct {
	userRow        `bun:",extend"`
	OwnFailures    int   `bun:"own_failures,scanonly"`
	OwnLockedUntil int64 `bun:"own_locked_until,scanonly"`
	AnyLockedUntil int64 `bun:"any_locked_until,scanonly"`
}

// UserForSignIn reads the user, whether two-factor sign-in is on, and the
// failure records of (username, source) and (anyAccount, source) in one
// statement (auth.SignInReader).
func (s *Store) UserForSignIn(ctx context.Context, username, source, anyAccount string) (ports.User, auth.LoginAttempts, auth.LoginAttempts, error) {
	var row signInRow
	err := s.db.NewSelect().Model(&row).ColumnExpr("u.*").ColumnExpr(twoFactorColumn).
		ColumnExpr("COALESCE((SELECT f.failures FROM login_failures AS f WHERE f.username = ? AND f.source = ?), 0) AS own_failures", username, source).
		ColumnExpr("COALESCE((SELECT f.locked_until FROM login_failures AS f WHERE f.username = ? AND f.source = ?), 0) AS own_locked_until", username, source).
		ColumnExpr("COALESCE((SELECT f.locked_until FROM login_failures AS f WHERE f.username = ? AND f.source = ?), 0) AS any_locked_until", anyAccount, source).
		Where("u.username = ?", username).Scan(ctx)
	if err != nil {
		return ports.User{}, auth.LoginAttempts{}, auth.LoginAttempts{}, wrap("get user "+username, err)
	}
	u := rowToUser(&row.userRow)
	u.TwoFactor = ports.TwoFactorOff
	if row.TwoFactor {
		u.TwoFactor = ports.TwoFactorOn
	}
	return u, auth.LoginAttempts{Failures: row.OwnFailures, LockedUntil: fromNanos(row.OwnLockedUntil)},
		auth.LoginAttempts{LockedUntil: fromNanos(row.AnyLockedUntil)}, nil
}
