package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password string) (Session, error) {
	return s.LoginWithCode(ctx, username, password, "")
}

// LoginWithCode is Login for accounts with two-factor sign-in: code is the
// current TOTP code or an unused recovery code. An administrator the server
// requires to use two-factor sign-in who has not enrolled gets a session
// that may only enrol.
func (s *Service) LoginWithCode(ctx context.Context, username, password, code string) (Session, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return Session{}, err
	}
	t, on, err := s.enrolmentOf(ctx, u)
	if err != nil {
		return Session{}, err
	}
	if on {
		if err := s.verifySecondFactor(ctx, t, u.Username, code); err != nil {
			return Session{}, err
		}
	}
	mustEnrol := !on && s.requireAdminTOTP && u.IsAdmin
	sess, err := s.openSession(ctx, u, "", mustEnrol)
	if err == nil {
		s.record(ctx, u.Username, u.ID, "auth.login", audit.Success, "")
	}
	return sess, err
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newSession signs an access and a refresh token; family "" starts a new login.
func (s *Service) newSession(ctx context.Context, u ports.User, family string) (Session, error) {
	return s.openSession(ctx, u, family, false)
}

func (s *Service) openSession(ctx context.Context, u ports.User, family string, mustEnrol bool) (Session, error) {
	now := s.clock.Now()
	if family == "" {
		family = randomID()
	}
	jti := randomID()
	if s.sessions != nil {
		if err := s.sessions.CreateSession(ctx, ports.RefreshSession{ID: jti, Family: family, UserID: u.ID,
			ExpiresAt: now.Add(s.refreshTTL), CreatedAt: now}); err != nil {
			return Session{}, fmt.Errorf("auth: store session: %w", err)
		}
	}
	access, err := signJWT(s.key, Claims{Subject: u.Username, UserID: u.ID, Admin: u.IsAdmin, Type: "access", Family: family,
		MustChange: u.MustChangePassword, MustEnrol: mustEnrol, IssuedAt: now.Unix(), ExpiresAt: now.Add(s.accessTTL).Unix()})
	if err != nil {
		return Session{}, err
	}
	refresh, err := signJWT(s.key, Claims{Subject: u.Username, UserID: u.ID, Type: "refresh", ID: jti, Family: family,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(s.refreshTTL).Unix()})
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: int64(s.accessTTL.Seconds()), TokenType: "Bearer",
		MustChangePassword: u.MustChangePassword, MustEnrolTOTP: mustEnrol}, nil
}

// Refresh exchanges a refresh token for a new session. With a session store
// the token is single-use: presenting one that was already exchanged means
// it leaked, so its whole family (every token of that login) is revoked.
func (s *Service) Refresh(ctx context.Context, refresh string) (Session, error) {
	now := s.clock.Now()
	c, err := parseJWT(s.key, refresh, now)
	if err != nil || c.Type != "refresh" {
		return Session{}, ErrBadToken
	}
	if s.sessions != nil {
		if c.ID == "" || c.Family == "" {
			return Session{}, ErrBadToken
		}
		prev, err := s.sessions.UseSession(ctx, c.ID, now)
		switch {
		case errors.Is(err, ports.ErrConflict):
			if prev.RevokedAt.IsZero() {
				if err := s.endFamily(ctx, prev.UserID, prev.Family, now); err != nil {
					return Session{}, err
				}
				s.record(ctx, c.Subject, c.UserID, "auth.refresh.reuse", audit.Denied, "refresh token reused; session family revoked")
			}
			return Session{}, ErrBadToken
		case errors.Is(err, ports.ErrNotFound):
			return Session{}, ErrBadToken
		case err != nil:
			return Session{}, lookupFailed("use session", err)
		}
		if prev.UserID != c.UserID || prev.Family != c.Family {
			return Session{}, ErrBadToken
		}
	}
	u, err := s.activeUser(ctx, c.UserID)
	if err != nil {
		return Session{}, err
	}
	_, on, err := s.enrolmentOf(ctx, u)
	if err != nil {
		return Session{}, err
	}
	return s.openSession(ctx, u, c.Family, !on && s.requireAdminTOTP && u.IsAdmin)
}

// Logout ends the login an access token belongs to (its refresh family).
func (s *Service) Logout(ctx context.Context, accessToken string) error {
	c, err := parseJWT(s.key, accessToken, s.clock.Now())
	if err != nil || c.Family == "" {
		return ErrBadToken
	}
	if s.sessions != nil {
		if err := s.endFamily(ctx, c.UserID, c.Family, s.clock.Now()); err != nil {
			return err
		}
	}
	s.record(ctx, c.Subject, c.UserID, "auth.logout", audit.Success, "")
	return nil
}

// endFamily revokes a login, the tokens derived from it, and forgets cached credentials.
func (s *Service) endFamily(ctx context.Context, userID int64, family string, now time.Time) error {
	if err := s.sessions.RevokeFamily(ctx, family, now); err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	defer s.CredentialsChanged(ctx, "session ended")
	ts, err := s.tokens.ListTokens(ctx, userID)
	if err != nil {
		return fmt.Errorf("auth: revoke derived tokens: %w", err)
	}
	_, err = s.revokeDerived(ctx, ts, func(p string) bool { return p == parentSession+family }, now)
	return err
}

// RevokeAll ends every session of a user and every credential derived from
// a session, a password or another token (offline tokens, npm login
// tokens, access tokens minted by token services). API tokens the user
// minted deliberately are revoked one by one.
func (s *Service) RevokeAll(ctx context.Context, userID int64) (int, error) {
	now := s.clock.Now()
	defer s.CredentialsChanged(ctx, "user sessions revoked")
	n := 0
	if s.sessions != nil {
		var err error
		if n, err = s.sessions.RevokeUserSessions(ctx, userID, now); err != nil {
			return 0, fmt.Errorf("auth: revoke all: %w", err)
		}
	}
	ts, err := s.tokens.ListTokens(ctx, userID)
	if err != nil {
		return n, fmt.Errorf("auth: revoke all: %w", err)
	}
	m, err := s.revokeDerived(ctx, ts, func(p string) bool { return p != "" }, now)
	return n + m, err
}

// session opens a fresh login for u (used by SessionFor in external.go).
func (s *Service) session(u ports.User) (Session, error) {
	return s.newSession(context.Background(), u, "")
}
