package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// NewAPIToken mints a token for userID; the secret is returned once and only
// its hash is stored.
func (s *Service) NewAPIToken(ctx context.Context, userID int64, name string, scopes, repos []string, expires time.Time) (string, ports.APIToken, error) {
	pre, sec := make([]byte, 6), make([]byte, 24)
	if _, err := rand.Read(pre); err != nil {
		return "", ports.APIToken{}, err
	}
	if _, err := rand.Read(sec); err != nil {
		return "", ports.APIToken{}, err
	}
	prefix := hex.EncodeToString(pre)
	secret := hex.EncodeToString(sec)
	t := ports.APIToken{UserID: userID, Name: name, Prefix: prefix, Hash: hashSecret(secret), Scopes: scopes,
		Repos: repos, ExpiresAt: expires, CreatedAt: s.clock.Now()}
	if err := s.tokens.CreateToken(ctx, &t); err != nil {
		return "", t, fmt.Errorf("auth: store token: %w", err)
	}
	return TokenPrefix + prefix + "_" + secret, t, nil
}

// ListAPITokens lists a user's tokens (hashes included; callers must not show them).
func (s *Service) ListAPITokens(ctx context.Context, userID int64) ([]ports.APIToken, error) {
	return s.tokens.ListTokens(ctx, userID)
}

// RevokeAPIToken revokes token id of userID.
func (s *Service) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	return s.tokens.RevokeToken(ctx, userID, id, s.clock.Now())
}

func (s *Service) subjectFromAPIToken(ctx context.Context, token string) (ports.Subject, error) {
	prefix, secret, ok := strings.Cut(strings.TrimPrefix(token, TokenPrefix), "_")
	if !ok || len(prefix) != 12 || len(secret) != 48 {
		return Anonymous, ErrBadToken
	}
	t, err := s.tokens.GetTokenByPrefix(ctx, prefix)
	if err != nil {
		return Anonymous, ErrBadToken
	}
	now := s.clock.Now()
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hashSecret(secret))) != 1 ||
		!t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && now.After(t.ExpiresAt)) {
		return Anonymous, ErrBadToken
	}
	u, err := s.users.GetUser(ctx, t.UserID)
	if err != nil || u.Disabled {
		return Anonymous, ErrBadToken
	}
	if now.Sub(t.LastUsedAt) > time.Minute { // coarse, so hot tokens don't write on every request
		if err := s.tokens.TouchToken(ctx, t.ID, now); err != nil {
			slog.WarnContext(ctx, "auth: record token use", "err", err)
		}
	}
	sub, err := s.subjectOf(ctx, u)
	if err != nil {
		return Anonymous, err
	}
	sub.TokenID, sub.Scopes, sub.Repos = t.ID, t.Scopes, t.Repos
	if sub.Scopes == nil {
		sub.Scopes = []string{}
	}
	return sub, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
