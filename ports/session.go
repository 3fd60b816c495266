package ports

import (
	"context"
	"time"
)

// RefreshSession is one refresh token of a login. Each refresh rotates it:
// the old one is marked used and a new one joins the same Family. Presenting
// a used token again means it leaked, and the whole family is revoked.
type RefreshSession struct {
	// ID is the token's jti.
	ID string
	// Family is shared by every token descended from one login.
	Family    string
	UserID    int64
	ExpiresAt time.Time
	UsedAt    time.Time
	RevokedAt time.Time
	CreatedAt time.Time
}

// SessionStore persists refresh-token sessions.
type SessionStore interface {
	// CreateSession inserts s; a duplicate ID is ErrConflict.
	CreateSession(ctx context.Context, s RefreshSession) error
	// UseSession atomically marks session id used at the given time and
	// returns it as it was before. A session already used or revoked is
	// returned with ErrConflict (the caller treats it as reuse); a missing
	// one is ErrNotFound.
	UseSession(ctx context.Context, id string, at time.Time) (RefreshSession, error)
	// FamilyRevoked reports whether a family has been revoked (unknown families count as revoked).
	FamilyRevoked(ctx context.Context, family string) (bool, error)
	// RevokeFamily revokes every session of a family.
	RevokeFamily(ctx context.Context, family string, at time.Time) error
	// RevokeUserSessions revokes every session of a user and returns how many families it touched.
	RevokeUserSessions(ctx context.Context, userID int64, at time.Time) (int, error)
}
