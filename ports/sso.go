package ports

import (
	"context"
	"time"
)

// SSO provider kinds.
const (
	SSOKindLDAP = "ldap"
	SSOKindOIDC = "oidc"
	SSOKindSAML = "saml"
)

// SSOProvider is one configured enterprise login (an LDAP directory, an
// OpenID Connect provider or a SAML identity provider).
type SSOProvider struct {
	ID int64
	// Kind is SSOKindLDAP, SSOKindOIDC or SSOKindSAML.
	Kind string
	// Name is the provider's URL slug, unique per kind.
	Name        string
	DisplayName string
	Enabled     bool
	// Config is the kind-specific settings as JSON (secrets included; the
	// HTTP layer never returns them).
	Config    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ExternalIdentity links an account at a provider (its stable subject) to a
// Keeper user, with the groups it had at its last login.
type ExternalIdentity struct {
	ProviderID  int64
	Subject     string
	UserID      int64
	Groups      []string
	LastLoginAt time.Time
}

// SSOStore persists SSO providers and the identities linked through them.
type SSOStore interface {
	// CreateSSOProvider inserts p and sets p.ID; a duplicate kind+name is ErrConflict.
	CreateSSOProvider(ctx context.Context, p *SSOProvider) error
	GetSSOProvider(ctx context.Context, kind, name string) (SSOProvider, error)
	// ListSSOProviders returns every provider ordered by kind and name.
	ListSSOProviders(ctx context.Context) ([]SSOProvider, error)
	// UpdateSSOProvider applies fn in a transaction; ID, Kind, Name and CreatedAt are kept.
	UpdateSSOProvider(ctx context.Context, kind, name string, fn func(*SSOProvider) error) (SSOProvider, error)
	// DeleteSSOProvider removes a provider and its identity links.
	DeleteSSOProvider(ctx context.Context, kind, name string) error
	GetExternalIdentity(ctx context.Context, providerID int64, subject string) (ExternalIdentity, error)
	// PutExternalIdentity inserts or replaces the link for (ProviderID, Subject);
	// a missing provider or user is ErrNotFound.
	PutExternalIdentity(ctx context.Context, id ExternalIdentity) error
	// ListExternalIdentities returns the links of one user.
	ListExternalIdentities(ctx context.Context, userID int64) ([]ExternalIdentity, error)
}
