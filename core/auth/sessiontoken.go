package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// OfflineTokenName names the API tokens minted as refresh credentials by a
// format's token service (OCI's `offline_token=true`).
const OfflineTokenName = "offline token"

// maxSessionTokenTTL bounds the lifetime of a minted access token.
const maxSessionTokenTTL = time.Hour

// SessionToken mints a credential for an already authenticated caller, for
// token services spoken by package clients (OCI's /v2/token,
// https://distribution.github.io/distribution/spec/auth/token/). Without
// offline it is an access JWT valid ttl (at most an hour); with offline it
// is an API token (scopes read:artifacts and write:artifacts) that serves as
// the refresh token. A caller who used an API token keeps that token's
// scopes and repository patterns in what is minted: no escalation.
func (s *Service) SessionToken(ctx context.Context, sub ports.Subject, ttl time.Duration, offline bool) (string, error) {
	if sub.Anonymous || sub.UserID == 0 {
		return "", fmt.Errorf("auth: session token: anonymous caller: %w", ErrBadCredentials)
	}
	scopes, repos := append([]string(nil), loginTokenScopes...), []string(nil)
	if sub.TokenID != 0 {
		scopes, repos = sub.Scopes, sub.Repos
	}
	if offline {
		tok, t, err := s.NewAPIToken(ctx, sub.UserID, OfflineTokenName, scopes, repos, time.Time{})
		if err != nil {
			return "", err
		}
		s.record(ctx, sub.Username, sub.UserID, "auth.offline_token", audit.Success, fmt.Sprintf("token %d", t.ID))
		return tok, nil
	}
	if ttl <= 0 || ttl > maxSessionTokenTTL {
		ttl = min(s.accessTTL, maxSessionTokenTTL)
		if ttl <= 0 {
			ttl = 5 * time.Minute
		}
	}
	now := s.clock.Now()
	c := Claims{Subject: sub.Username, UserID: sub.UserID, Admin: sub.IsAdmin, Type: "access",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(ttl).Unix()}
	if sub.TokenID != 0 {
		c.TokenID, c.Scopes, c.Repos = sub.TokenID, sub.Scopes, sub.Repos
	}
	return signJWT(s.key, c)
}
