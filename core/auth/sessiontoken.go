package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// OfflineTokenName names the API tokens minted as refresh credentials by a
// format's token service (OCI's `offline_token=true`).
const OfflineTokenName = "offline token"

// maxSessionTokenTTL bounds the lifetime of a minted access token.
const maxSessionTokenTTL = time.Hour

// derivedScopes are what a credential minted for a caller who signed in
// with a password or a session may do: the artifact scopes, never account
// management, repository configuration or server administration.
var derivedScopes = []string{"read:artifacts", "write:artifacts", "delete:artifacts"}

// SessionToken mints a credential for an already authenticated caller, for
// token services spoken by package clients (OCI's /v2/token,
// https://distribution.github.io/distribution/spec/auth/token/). Without
// offline it is an access JWT valid ttl (at most an hour); with offline it
// is an API token that serves as the refresh token. Either way the minted
// credential names its parent (the caller's API token, login, or password)
// and dies with it, never outlives it, and never carries more than the
// caller's scopes and repository patterns (derivedScopes for callers that
// did not use a token).
//
// An anonymous caller gets an anonymous access token (no offline one): it
// authenticates nobody and carries no right, it only lets a client that
// insists on a token (a registry client answering a Bearer challenge) read
// what anonymous callers may read, public repositories.
func (s *Service) SessionToken(ctx context.Context, sub ports.Subject, ttl time.Duration, offline bool) (string, error) {
	if sub.Anonymous || sub.UserID == 0 {
		if offline {
			return "", fmt.Errorf("auth: session token: anonymous caller: %w", ErrBadCredentials)
		}
		now := s.clock.Now()
		return signJWT(s.key, Claims{Type: claimAnonymous, IssuedAt: now.Unix(), ExpiresAt: now.Add(clampTTL(ttl, s.accessTTL)).Unix()})
	}
	scopes, repos := append([]string(nil), derivedScopes...), []string(nil)
	if Limited(sub) {
		scopes, repos = append([]string{}, sub.Scopes...), sub.Repos
	}
	parent := sub.Parent
	if parent == "" {
		parent = parentPassword
	}
	now := s.clock.Now()
	if offline {
		exp := minTime(now.Add(s.offlineTTL), sub.Expires)
		if !exp.After(now) {
			return "", ErrTokenExpired
		}
		tok, t, err := s.newAPIToken(ctx, ports.APIToken{UserID: sub.UserID, Name: OfflineTokenName, Scopes: scopes,
			Repos: repos, Parent: parent, ExpiresAt: exp})
		if err != nil {
			return "", err
		}
		s.record(ctx, sub.Username, sub.UserID, "auth.offline_token", audit.Success,
			fmt.Sprintf("token %d, parent %s, expires %s", t.ID, describeParent(parent), exp.UTC().Format(time.RFC3339)))
		return tok, nil
	}
	exp := minTime(now.Add(clampTTL(ttl, s.accessTTL)), sub.Expires)
	if !exp.After(now) {
		return "", ErrTokenExpired
	}
	c := Claims{Subject: sub.Username, UserID: sub.UserID, Admin: sub.IsAdmin, Type: "access", Derived: true,
		IssuedAt: now.Unix(), ExpiresAt: exp.Unix(), TokenID: sub.TokenID, Scopes: scopes, Repos: repos}
	if !sub.Expires.IsZero() {
		c.ParentExpires = sub.Expires.Unix()
	}
	switch {
	case strings.HasPrefix(parent, parentSession):
		c.Family = strings.TrimPrefix(parent, parentSession)
	default:
		// A login of its own, so revoke-all and a password change end it.
		if strings.HasPrefix(parent, parentToken) {
			c.Parent = parent
		}
		if s.sessions != nil {
			c.Family = randomID()
			if err := s.sessions.CreateSession(ctx, ports.RefreshSession{ID: randomID(), Family: c.Family, UserID: sub.UserID,
				ExpiresAt: exp, CreatedAt: now}); err != nil {
				return "", fmt.Errorf("auth: session token: %w", err)
			}
		}
	}
	return signJWT(s.key, c)
}

// claimAnonymous is the type of an anonymous access token.
const claimAnonymous = "anonymous"

// clampTTL is ttl within (0, maxSessionTokenTTL], else the access token
// lifetime (at most an hour; 5 minutes when unset).
func clampTTL(ttl, access time.Duration) time.Duration {
	if ttl > 0 && ttl <= maxSessionTokenTTL {
		return ttl
	}
	ttl = min(access, maxSessionTokenTTL)
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	return ttl
}

// describeParent names a parent credential for the audit log without its secret parts.
func describeParent(p string) string {
	if strings.HasPrefix(p, parentSession) {
		return "session"
	}
	return strings.TrimSuffix(p, ":")
}
