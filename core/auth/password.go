package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// hash hashes a password on the shared worker pool.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	var h string
	var herr error
	if err := s.pool.do(ctx, func() { h, herr = s.hasher.Hash(password) }); err != nil {
		return "", fmt.Errorf("auth: hash: %w", err)
	}
	return h, herr
}

func (s *Service) verify(ctx context.Context, hash, password string) (bool, error) {
	var ok bool
	var verr error
	if err := s.pool.do(ctx, func() { ok, verr = s.hasher.Verify(hash, password) }); err != nil {
		return false, fmt.Errorf("auth: verify: %w", err)
	}
	return ok, verr
}

// HashPassword checks the password rules and hashes password.
func (s *Service) HashPassword(ctx context.Context, password string) (string, error) {
	if utf8.RuneCountInString(password) < s.minPassword {
		return "", ports.Invalidf("password", "must be at least %d characters", s.minPassword)
	}
	if len(password) > 1024 {
		return "", ports.Invalidf("password", "must be at most 1024 bytes")
	}
	return s.hash(ctx, password)
}

// checkPassword verifies a username and password, counting failures and
// locking the account after too many.
func (s *Service) checkPassword(ctx context.Context, username, password string) (ports.User, error) {
	u, err := s.users.GetUserByName(ctx, username)
	if (errors.Is(err, ports.ErrNotFound) || (err == nil && u.PasswordHash == "" && !u.Disabled)) && len(s.external) > 0 {
		ext, xerr := s.externalLogin(ctx, username, password)
		if xerr != nil {
			s.record(ctx, username, u.ID, "auth.password", audit.Failure, "rejected by external directories")
		}
		return ext, xerr
	}
	if errors.Is(err, ports.ErrNotFound) {
		s.record(ctx, username, 0, "auth.password", audit.Failure, "unknown user")
		return u, ErrBadCredentials
	}
	if err != nil {
		return u, fmt.Errorf("auth: look up user: %w", err)
	}
	if u.Disabled || u.PasswordHash == "" {
		s.record(ctx, username, u.ID, "auth.password", audit.Failure, "disabled or no password")
		return u, ErrBadCredentials
	}
	now := s.clock.Now()
	if s.lockAfter > 0 && now.Before(u.LockedUntil) {
		s.record(ctx, username, u.ID, "auth.password", audit.Denied, "account locked")
		return u, ErrLocked
	}
	if s.verified.ok(username, password, u.PasswordHash, now) {
		return u, nil
	}
	ok, err := s.verify(ctx, u.PasswordHash, password)
	if err != nil {
		if ctx.Err() != nil {
			return u, err
		}
		slog.WarnContext(ctx, "auth: stored password hash unreadable", "user", username, "err", err)
		return u, ErrBadCredentials
	}
	if !ok {
		return u, s.failed(ctx, u)
	}
	if u.FailedLogins > 0 || !u.LockedUntil.IsZero() {
		u, err = s.users.UpdateUser(ctx, u.ID, func(x *ports.User) error {
			x.FailedLogins, x.LockedUntil = 0, ports.User{}.LockedUntil
			return nil
		})
		if err != nil {
			return u, fmt.Errorf("auth: reset failures: %w", err)
		}
	}
	s.verified.add(username, password, u.PasswordHash, now)
	return u, nil
}

func (s *Service) failed(ctx context.Context, u ports.User) error {
	locked := false
	_, err := s.users.UpdateUser(ctx, u.ID, func(x *ports.User) error {
		x.FailedLogins++
		if s.lockAfter > 0 && x.FailedLogins >= s.lockAfter {
			x.FailedLogins, x.LockedUntil, locked = 0, s.clock.Now().Add(s.lockFor), true
		}
		return nil
	})
	if err != nil {
		slog.WarnContext(ctx, "auth: count failed login", "user", u.Username, "err", err)
	}
	s.record(ctx, u.Username, u.ID, "auth.password", audit.Failure, "wrong password")
	if locked {
		s.record(ctx, u.Username, u.ID, "auth.lockout", audit.Denied, fmt.Sprintf("locked for %s", s.lockFor))
	}
	return ErrBadCredentials
}

// ChangePassword checks the current password, stores the new one, clears a
// forced change and ends every other session of the user.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next string) (Session, error) {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return Session{}, fmt.Errorf("auth: change password: %w", err)
	}
	if _, err := s.checkPassword(ctx, u.Username, current); err != nil {
		return Session{}, err
	}
	if current == next {
		return Session{}, ports.Invalidf("new_password", "must differ from the current password")
	}
	if err := s.SetPassword(ctx, userID, next, false); err != nil {
		return Session{}, err
	}
	s.record(ctx, u.Username, u.ID, "auth.password.change", audit.Success, "")
	u, err = s.users.GetUser(ctx, userID)
	if err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, u, "")
}

// SetPassword stores a new password (an administrator's reset sets mustChange)
// and revokes the user's sessions.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string, mustChange bool) error {
	hash, err := s.HashPassword(ctx, password)
	if err != nil {
		return err
	}
	if _, err := s.users.UpdateUser(ctx, userID, func(u *ports.User) error {
		u.PasswordHash, u.MustChangePassword, u.FailedLogins, u.LockedUntil = hash, mustChange, 0, ports.User{}.LockedUntil
		return nil
	}); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	_, err = s.RevokeAll(ctx, userID)
	return err
}
