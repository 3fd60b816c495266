package ports

import (
	"context"
	"time"
)

// Actions a subject may take on a repository.
const (
	ActionRead   = "read"
	ActionWrite  = "write"
	ActionDelete = "delete"
	ActionAdmin  = "admin"
)

// Subject is an authenticated (or anonymous) caller.
type Subject struct {
	UserID    int64
	Username  string
	Anonymous bool
	IsAdmin   bool
	Groups    []string
	// Scopes limit what an API token may do; nil means the user's full rights.
	Scopes []string
	// Repos limits an API token to repository key patterns; nil means all.
	Repos []string
	// TokenID is set when the caller used an API token.
	TokenID int64
	// Parent names the credential a credential minted for this caller must
	// die with ("token:PREFIX", "session:FAMILY", "password:"), and
	// Expires when that credential ends (zero: it does not); set by core/auth.
	Parent  string
	Expires time.Time
}

// Resource is what an action is attempted on.
type Resource struct {
	// Repository is the repository key, empty for server-wide actions.
	Repository string
	// Public reports whether the repository is readable anonymously.
	Public bool
}

// Decision is the Authorizer's answer, with the rule that decided it.
type Decision struct {
	Allowed bool
	Rule    string
}

// Authorizer decides whether subject may do action on resource.
type Authorizer interface {
	Authorize(ctx context.Context, s Subject, action string, r Resource) (Decision, error)
}
