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

// signInQuery reads a user, whether its two-factor sign-in is on, and the
// failure records of (username, source) and (any account, source).
const signInQuery = `SELECT u.id, u.username, u.email, u.display_name, u.password_hash, u.is_admin, u.disabled,
  u.must_change_password, u.failed_logins, COALESCE(u.locked_until, 0), COALESCE(u.created_at, 0), COALESCE(u.updated_at, 0),
  EXISTS (SELECT 1 FROM user_totp AS ut WHERE ut.user_id = u.id AND ut.enabled),
  COALESCE((SELECT f.failures FROM login_failures AS f WHERE f.username = u.username AND f.source = ?), 0),
  COALESCE((SELECT f.locked_until FROM login_failures AS f WHERE f.username = u.username AND f.source = ?), 0),
  COALESCE((SELECT f.locked_until FROM login_failures AS f WHERE f.username = ? AND f.source = ?), 0)
FROM users AS u WHERE u.username = ?`

// UserForSignIn reads the user, whether two-factor sign-in is on, and the
// failure records of (username, source) and (anyAccount, source) in one
// prepared statement (auth.SignInReader).
func (s *Store) UserForSignIn(ctx context.Context, username, source, anyAccount string) (ports.User, auth.LoginAttempts, auth.LoginAttempts, error) {
	// A password check runs on every sign-in and every Basic-auth request;
	// parsing its SQL anew cost as much as running it (prepared.go).
	st, err := s.stmt(ctx, signInQuery)
	if err != nil {
		return ports.User{}, auth.LoginAttempts{}, auth.LoginAttempts{}, wrap("prepare sign-in", err)
	}
	var r userRow
	var ownFailures int
	var ownLocked, anyLocked int64
	err = st.QueryRowContext(ctx, source, source, anyAccount, source, username).Scan(&r.ID, &r.Username, &r.Email, &r.DisplayName,
		&r.PasswordHash, &r.IsAdmin, &r.Disabled, &r.MustChangePassword, &r.FailedLogins, &r.LockedUntil, &r.CreatedAt, &r.UpdatedAt,
		&r.TwoFactor, &ownFailures, &ownLocked, &anyLocked)
	if err != nil {
		return ports.User{}, auth.LoginAttempts{}, auth.LoginAttempts{}, wrap("get user "+username, err)
	}
	u := rowToUser(&r)
	u.TwoFactor = ports.TwoFactorOff
	if r.TwoFactor {
		u.TwoFactor = ports.TwoFactorOn
	}
	return u, auth.LoginAttempts{Failures: ownFailures, LockedUntil: fromNanos(ownLocked)},
		auth.LoginAttempts{LockedUntil: fromNanos(anyLocked)}, nil
}
