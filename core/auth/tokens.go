package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Parents a derived credential can have (ports.APIToken.Parent).
const (
	parentToken    = "token:"
	parentSession  = "session:"
	parentPassword = "password:"
)

// maxParentDepth bounds a chain of derived tokens (an offline token minted
// with an offline token …) followed on each check.
const maxParentDepth = 4

// NewAPIToken mints a token for userID; the secret is returned once and only
// its hash is stored.
func (s *Service) NewAPIToken(ctx context.Context, userID int64, name string, scopes, repos []string, expires time.Time) (string, ports.APIToken, error) {
	return s.newAPIToken(ctx, ports.APIToken{UserID: userID, Name: name, Scopes: scopes, Repos: repos, ExpiresAt: expires})
}

// newAPIToken stores t with a fresh prefix and secret.
func (s *Service) newAPIToken(ctx context.Context, t ports.APIToken) (string, ports.APIToken, error) {
	pre, sec := make([]byte, 6), make([]byte, 24)
	if _, err := rand.Read(pre); err != nil {
		return "", ports.APIToken{}, err
	}
	if _, err := rand.Read(sec); err != nil {
		return "", ports.APIToken{}, err
	}
	secret := hex.EncodeToString(sec)
	t.Prefix, t.Hash, t.CreatedAt = hex.EncodeToString(pre), hashSecret(secret), s.clock.Now()
	if err := s.tokens.CreateToken(ctx, &t); err != nil {
		return "", t, fmt.Errorf("auth: store token: %w", err)
	}
	return TokenPrefix + t.Prefix + "_" + secret, t, nil
}

// ListAPITokens lists a user's tokens (hashes included; callers must not show them).
func (s *Service) ListAPITokens(ctx context.Context, userID int64) ([]ports.APIToken, error) {
	return s.tokens.ListTokens(ctx, userID)
}

// RevokeAPIToken revokes token id of userID and every token derived from it.
func (s *Service) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	now := s.clock.Now()
	if err := s.tokens.RevokeToken(ctx, userID, id, now); err != nil {
		return err
	}
	defer s.CredentialsChanged(ctx, fmt.Sprintf("token %d revoked", id))
	ts, err := s.tokens.ListTokens(ctx, userID)
	if err != nil {
		return fmt.Errorf("auth: revoke derived tokens: %w", err)
	}
	for _, t := range ts {
		if t.ID == id {
			_, err := s.revokeDerived(ctx, ts, func(p string) bool { return p == parentToken+t.Prefix }, now)
			return err
		}
	}
	return nil
}

// revokeDerived revokes the live tokens of ts whose parent matches, and the
// tokens derived from those, transitively; it returns how many it revoked.
func (s *Service) revokeDerived(ctx context.Context, ts []ports.APIToken, match func(parent string) bool, now time.Time) (int, error) {
	dead := map[string]bool{}
	n := 0
	for changed := true; changed; {
		changed = false
		for _, t := range ts {
			if dead[t.Prefix] || t.Parent == "" || !(match(t.Parent) || dead[strings.TrimPrefix(t.Parent, parentToken)]) {
				continue
			}
			dead[t.Prefix], changed = true, true
			if !t.RevokedAt.IsZero() {
				continue
			}
			if err := s.tokens.RevokeToken(ctx, t.UserID, t.ID, now); err != nil && !errors.Is(err, ports.ErrNotFound) {
				return n, fmt.Errorf("auth: revoke derived token %d: %w", t.ID, err)
			}
			n++
		}
	}
	return n, nil
}

// parentAlive checks the credential a derived one was minted from: a token
// must still be valid (and its own parent, up to maxParentDepth), a login
// must not have been ended. "password:" parents are ended by revoking the
// derived credential itself (RevokeAll, which a password change runs).
func (s *Service) parentAlive(ctx context.Context, parent string, now time.Time, depth int) error {
	switch {
	case parent == "" || parent == parentPassword:
		return nil
	case depth >= maxParentDepth:
		return ErrBadToken
	case strings.HasPrefix(parent, parentSession):
		if s.sessions == nil {
			return nil
		}
		revoked, err := s.sessions.FamilyRevoked(ctx, strings.TrimPrefix(parent, parentSession))
		if err != nil {
			return lookupFailed("session state", err)
		}
		if revoked {
			return ErrBadToken
		}
		return nil
	case strings.HasPrefix(parent, parentToken):
		t, err := s.tokens.GetTokenByPrefix(ctx, strings.TrimPrefix(parent, parentToken))
		if errors.Is(err, ports.ErrNotFound) {
			return ErrBadToken
		}
		if err != nil {
			return lookupFailed("parent token", err)
		}
		if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
			return ErrBadToken
		}
		return s.parentAlive(ctx, t.Parent, now, depth+1)
	}
	return ErrBadToken
}

// principalFromAPIToken checks an API token (and what it derives from).
func (s *Service) principalFromAPIToken(ctx context.Context, token string, now time.Time) (Principal, time.Time, error) {
	anon := Principal{Subject: Anonymous}
	prefix, secret, ok := strings.Cut(strings.TrimPrefix(token, TokenPrefix), "_")
	if !ok || len(prefix) != 12 || len(secret) != 48 {
		return anon, time.Time{}, ErrBadToken
	}
	t, err := s.tokens.GetTokenByPrefix(ctx, prefix)
	if errors.Is(err, ports.ErrNotFound) {
		return anon, time.Time{}, ErrBadToken
	}
	if err != nil {
		return anon, time.Time{}, lookupFailed("look up token", err)
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hashSecret(secret))) != 1 || !t.RevokedAt.IsZero() {
		return anon, time.Time{}, ErrBadToken
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return anon, time.Time{}, ErrTokenExpired
	}
	if err := s.parentAlive(ctx, t.Parent, now, 0); err != nil {
		return anon, time.Time{}, err
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return anon, time.Time{}, err
	}
	if now.Sub(t.LastUsedAt) > time.Minute { // coarse, so hot tokens don't write on every request
		if err := s.tokens.TouchToken(ctx, t.ID, now); err != nil {
			slog.WarnContext(ctx, "auth: record token use", "err", err)
		}
	}
	sub, err := s.subjectOf(ctx, u)
	if err != nil {
		return anon, time.Time{}, err
	}
	sub.TokenID, sub.Scopes, sub.Repos = t.ID, t.Scopes, t.Repos
	sub.Parent, sub.Expires = parentToken+t.Prefix, t.ExpiresAt
	if sub.Scopes == nil {
		sub.Scopes = []string{}
	}
	return Principal{Subject: sub}, t.ExpiresAt, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
