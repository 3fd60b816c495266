package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	if err := s.passwordRules(password); err != nil {
		return "", err
	}
	return s.hash(ctx, password)
}

// passwordRules are the rules every new password obeys.
func (s *Service) passwordRules(password string) error {
	if utf8.RuneCountInString(password) < s.minPassword {
		return ports.Invalidf("password", "must be at least %d characters", s.minPassword)
	}
	if len(password) > 1024 {
		return ports.Invalidf("password", "must be at most 1024 bytes")
	}
	return nil
}

// checkPassword verifies a username and password. Every failure looks the
// same to the caller (ErrBadCredentials, after the same argon2 work whether
// or not the account exists) and is counted per (account, source) in the
// shared database; too many lock that pair, with backoff (attempts.go).
func (s *Service) checkPassword(ctx context.Context, username, password string) (ports.User, error) {
	if err := s.admit(ctx); err != nil {
		return ports.User{}, err
	}
	u, err := s.verifyPassword(ctx, username, password)
	s.noteFailure(ctx, err)
	return u, err
}

func (s *Service) verifyPassword(ctx context.Context, username, password string) (ports.User, error) {
	if len(username) > 256 || len(password) > 1024 {
		return ports.User{}, ErrBadCredentials
	}
	u, found, locked, hadFailures, err := s.signInState(ctx, username)
	if err != nil {
		return u, err
	}
	now := s.clock.Now()
	if locked {
		s.record(ctx, username, u.ID, "auth.password", audit.Denied, "locked for this source")
		return u, ErrLocked
	}
	// A password that verified a moment ago against the same stored hash
	// (Basic-auth clients send it on every request) skips argon2.
	if found && !u.Disabled && u.PasswordHash != "" && s.verified.ok(username, password, u.PasswordHash, now) {
		return u, nil
	}
	if (!found || (u.PasswordHash == "" && !u.Disabled)) && len(s.external) > 0 {
		ext, xerr := s.externalLogin(ctx, username, password)
		if xerr != nil && errors.Is(xerr, ErrBadCredentials) {
			s.countFailure(ctx, username, u.ID)
			s.record(ctx, username, u.ID, "auth.password", audit.Failure, "rejected by external directories")
		}
		return ext, xerr
	}
	hash := u.PasswordHash
	usable := found && !u.Disabled && hash != ""
	if !usable {
		hash = s.decoyHash(ctx)
	}
	ok, err := s.verify(ctx, hash, password)
	if err != nil {
		if ctx.Err() != nil {
			return u, err
		}
		slog.WarnContext(ctx, "auth: stored password hash unreadable", "user", username, "err", err)
		ok = false
	}
	if !ok || !usable {
		s.countFailure(ctx, username, u.ID)
		why := "wrong password"
		switch {
		case !found:
			why = "unknown user"
		case !usable:
			why = "disabled or no password"
		}
		s.record(ctx, username, u.ID, "auth.password", audit.Failure, why)
		return u, ErrBadCredentials
	}
	if hadFailures {
		if err := s.attempts.ClearLogin(ctx, username, sourceFrom(ctx)); err != nil {
			slog.WarnContext(ctx, "auth: clear failed logins", "err", err)
		}
	}
	s.verified.add(username, password, u.PasswordHash, now)
	return u, nil
}

// decoyHash is a hash of a random password, verified in place of a real one
// when the account does not exist or cannot sign in with a password, so
// such failures cost the same time as a wrong password.
func (s *Service) decoyHash(ctx context.Context) string {
	s.decoyOnce.Do(func() {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		h, err := s.hash(ctx, hex.EncodeToString(b))
		if err != nil {
			slog.WarnContext(ctx, "auth: decoy hash", "err", err)
			return
		}
		s.decoy = h
	})
	return s.decoy
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
	_, on, err := s.enrolmentOf(ctx, u)
	if err != nil {
		return Session{}, err
	}
	return s.openSession(ctx, u, "", !on && s.requireAdminTOTP && u.IsAdmin)
}

// SetPassword stores a new password (an administrator's reset sets mustChange)
// and revokes the user's sessions.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string, mustChange bool) error {
	hash, err := s.HashPassword(ctx, password)
	if err != nil {
		return err
	}
	if _, err := s.users.UpdateUser(ctx, userID, func(u *ports.User) error {
		u.PasswordHash, u.MustChangePassword = hash, mustChange
		return nil
	}); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	_, err = s.RevokeAll(ctx, userID)
	return err
}
