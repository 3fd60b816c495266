package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// LoginAttempts is the failure record of one (account, source) pair.
type LoginAttempts struct {
	Failures    int
	LockedUntil time.Time
}

// AttemptStore counts failed password checks per (account, source) in the
// shared database, so the limits hold across every replica. Accounts are
// named as the caller typed them, so unknown names are counted like real
// ones and the lockout says nothing about which accounts exist.
type AttemptStore interface {
	// LoginAttempts returns the records of each username from source, in
	// order (the zero value where there is none), in one read.
	LoginAttempts(ctx context.Context, source string, usernames ...string) ([]LoginAttempts, error)
	// FailLogin counts one failure at the given time (starting over when the
	// last one is older than forget) and, if lock returns a positive duration
	// for the new count, locks the pair until at plus that duration.
	FailLogin(ctx context.Context, username, source string, at time.Time, forget time.Duration,
		lock func(failures int) time.Duration) (LoginAttempts, error)
	// ClearLogin forgets the failures of username from source ("" for every source).
	ClearLogin(ctx context.Context, username, source string) error
}

// anySource is the account name under which every failure from a source is
// also counted, so one address cannot spray passwords over many accounts.
const anySource = "*"

// sprayFactor: a source may fail this many times the per-account limit, over
// all accounts, before it is locked out of every account.
const sprayFactor = 10

// forgetFailures: failures older than this no longer count.
const forgetFailures = 24 * time.Hour

// maxLock caps the backoff.
const maxLock = 24 * time.Hour

type sourceKey struct{}

// WithSource returns ctx carrying the caller's network address (as
// resolved through the configured trusted proxies), which password checks
// count failures against.
func WithSource(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, sourceKey{}, addr)
}

func sourceFrom(ctx context.Context) string {
	if v, _ := ctx.Value(sourceKey{}).(string); v != "" {
		return v
	}
	return "unknown"
}

// lockFor is the backoff: the first lock lasts s.lockFor, each failure
// after it (once the lock has passed) doubles it, up to maxLock.
func (s *Service) backoff(limit int) func(int) time.Duration {
	return func(failures int) time.Duration {
		if limit <= 0 || failures < limit {
			return 0
		}
		d := s.lockFor
		for i := limit; i < failures && d < maxLock; i++ {
			d *= 2
		}
		return min(d, maxLock)
	}
}

// SignInReader is an optional extension of the user store: the user called
// username with the failure records of (username, source) and (any
// account, source) in one read, the hot path of every password check. It
// answers ports.ErrNotFound for an unknown user.
type SignInReader interface {
	UserForSignIn(ctx context.Context, username, source, anyAccount string) (u ports.User, own, any LoginAttempts, err error)
}

// signInState reads the user called username (found false when there is
// none) and whether the caller's source is locked out of it.
func (s *Service) signInState(ctx context.Context, username string) (u ports.User, found, locked, hadFailures bool, err error) {
	if sr, ok := s.users.(SignInReader); ok && s.attempts != nil && s.lockAfter > 0 {
		u, own, anyAcct, err := sr.UserForSignIn(ctx, username, sourceFrom(ctx), anySource)
		if err == nil {
			now := s.clock.Now()
			return u, true, now.Before(own.LockedUntil) || now.Before(anyAcct.LockedUntil), own.Failures > 0, nil
		}
		if !errors.Is(err, ports.ErrNotFound) {
			return u, false, false, false, lookupFailed("look up user", err)
		}
	} else {
		u, err = s.users.GetUserByName(ctx, username)
		if err != nil && !errors.Is(err, ports.ErrNotFound) {
			return u, false, false, false, lookupFailed("look up user", err)
		}
		found = err == nil
	}
	locked, hadFailures, err = s.lockedOut(ctx, username)
	return u, found, locked, hadFailures, err
}

// lockedOut reports whether username (or any account) is locked for the
// caller's source, and whether that pair has failures to clear on success.
func (s *Service) lockedOut(ctx context.Context, username string) (locked, hasFailures bool, err error) {
	if s.attempts == nil || s.lockAfter <= 0 {
		return false, false, nil
	}
	src, now := sourceFrom(ctx), s.clock.Now()
	as, err := s.attempts.LoginAttempts(ctx, src, username, anySource)
	if err != nil {
		return false, false, lookupFailed("login attempts", err)
	}
	for _, a := range as {
		if now.Before(a.LockedUntil) {
			return true, false, nil
		}
	}
	return false, len(as) > 0 && as[0].Failures > 0, nil
}

// countFailure records a failed password check for (username, source) and
// for the source as a whole, auditing a new lock.
func (s *Service) countFailure(ctx context.Context, username string, userID int64) {
	if s.attempts == nil || s.lockAfter <= 0 {
		return
	}
	src, now := sourceFrom(ctx), s.clock.Now()
	for _, c := range []struct {
		name  string
		limit int
	}{{username, s.lockAfter}, {anySource, s.lockAfter * sprayFactor}} {
		a, err := s.attempts.FailLogin(ctx, c.name, src, now, forgetFailures, s.backoff(c.limit))
		if err != nil {
			slog.WarnContext(ctx, "auth: count failed login", "err", err)
			continue
		}
		if now.Before(a.LockedUntil) {
			target := username
			if c.name == anySource {
				target = "every account"
			}
			s.record(ctx, username, userID, "auth.lockout", audit.Denied,
				fmt.Sprintf("%s locked for %s from %s after %d failures", target, a.LockedUntil.Sub(now).Round(time.Second), src, a.Failures))
		}
	}
}

// Unlock forgets every failed login of username (an administrator's unlock).
func (s *Service) Unlock(ctx context.Context, username string) error {
	if s.attempts == nil {
		return nil
	}
	if err := s.attempts.ClearLogin(ctx, username, ""); err != nil {
		return fmt.Errorf("auth: unlock: %w", err)
	}
	return nil
}
