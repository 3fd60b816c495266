package ports

import (
	"context"
	"time"
)

// User is a local or externally provisioned account.
type User struct {
	ID                 int64
	Username           string
	Email              string
	DisplayName        string
	PasswordHash       string
	IsAdmin            bool
	Disabled           bool
	MustChangePassword bool
	// TwoFactor is whether two-factor sign-in is on, for stores that read it
	// with the user (TwoFactorUnknown otherwise: the caller must look).
	TwoFactor    TwoFactorState
	FailedLogins int
	LockedUntil  time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TwoFactorState says whether a user signs in with a second factor.
type TwoFactorState uint8

// The states; the zero value makes no claim.
const (
	TwoFactorUnknown TwoFactorState = iota
	TwoFactorOff
	TwoFactorOn
)

// APIToken is a long-lived credential; only its hash is stored.
type APIToken struct {
	ID     int64
	UserID int64
	Name   string
	// Prefix is the public lookup part of the token (shown in listings).
	Prefix string
	Hash   string
	Scopes []string
	Repos  []string
	// Parent is the credential this token was derived from and dies with
	// ("token:PREFIX", "session:FAMILY", "password:"); empty for tokens a
	// user minted deliberately.
	Parent     string
	ExpiresAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
	CreatedAt  time.Time
}

// UserStore persists users and API tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id int64) (User, error)
	GetUserByName(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context, p Page) ([]User, int, error)
	UpdateUser(ctx context.Context, id int64, fn func(*User) error) (User, error)
	DeleteUser(ctx context.Context, id int64) error
}

// TokenStore persists API tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t *APIToken) error
	GetTokenByPrefix(ctx context.Context, prefix string) (APIToken, error)
	ListTokens(ctx context.Context, userID int64) ([]APIToken, error)
	RevokeToken(ctx context.Context, userID, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// SettingStore keeps small server-wide values shared by every replica
// (for example the token signing key).
type SettingStore interface {
	// GetOrCreateSetting returns the stored value of key, storing def first if
	// there is none; concurrent callers all see the same winner.
	GetOrCreateSetting(ctx context.Context, key string, def []byte) ([]byte, error)
}
