package sso

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// ErrRejected: the provider vouched for the user but Keeper refuses the
// login (disabled account, not in an allowed group, username taken by an
// account not linked to this provider, failed state check).
var ErrRejected = errors.New("sso: login rejected")

// ErrUnavailable: the kind of provider asked for has no adapter wired in.
var ErrUnavailable = errors.New("sso: provider kind not available")

// Identity is what a provider says about a user after a successful login.
type Identity struct {
	// Subject is the provider's stable identifier for the user.
	Subject     string
	Username    string
	Email       string
	DisplayName string
	Groups      []string
}

// Directory checks a password against an LDAP directory. It returns an error
// matching auth.ErrBadCredentials when the user is unknown or the password is wrong.
type Directory interface {
	Authenticate(ctx context.Context, cfg LDAPConfig, username, password string) (Identity, error)
}

// OIDCClient runs the OpenID Connect authorization code flow with PKCE.
type OIDCClient interface {
	// AuthURL is the provider's authorization endpoint with the request parameters.
	AuthURL(ctx context.Context, cfg OIDCConfig, redirectURL, state, nonce, verifier string) (string, error)
	// Exchange redeems code (sending verifier), verifies the ID token
	// (signature, issuer, audience, expiry, nonce) and maps its claims.
	Exchange(ctx context.Context, cfg OIDCConfig, redirectURL, code, verifier, nonce string) (Identity, error)
}

// SPURLs are Keeper's service-provider endpoints for one SAML provider.
type SPURLs struct {
	MetadataURL string
	ACSURL      string
}

// SAMLClient is Keeper's SAML 2.0 service provider.
type SAMLClient interface {
	Metadata(ctx context.Context, cfg SAMLConfig, sp SPURLs) ([]byte, error)
	// AuthURL builds an AuthnRequest (HTTP-Redirect binding) and returns the
	// URL and the request ID the response must answer.
	AuthURL(ctx context.Context, cfg SAMLConfig, sp SPURLs, relayState string) (string, string, error)
	// ParseResponse verifies the POSTed response (signed assertion,
	// audience, destination, times, InResponseTo among requestIDs) and maps
	// its attributes.
	ParseResponse(ctx context.Context, cfg SAMLConfig, sp SPURLs, post ACSPost, requestIDs []string) (Identity, error)
}

// ACSPost is a message an identity provider POSTed to the assertion
// consumer service: the URL it arrived at and its decoded form body (the
// SAML bindings check both; the transport that received it parses them).
type ACSPost struct {
	URL  url.URL
	Form url.Values
}

// GroupSync receives the Keeper groups a login mapped, and those the
// previous login of the same identity mapped (optional; StoreGroups
// connects it to a ports.GroupStore).
type GroupSync interface {
	SyncGroups(ctx context.Context, userID int64, previous, current []string) error
}

// Service manages providers and signs users in through them.
type Service struct {
	store    ports.SSOStore
	users    ports.UserStore
	settings ports.SettingStore
	clock    ports.Clock
	ldap     Directory
	oidc     OIDCClient
	saml     SAMLClient
	groups   GroupSync
	stateKey []byte
}

// Deps are the Service's collaborators; LDAP, OIDC, SAML and Groups may be nil.
type Deps struct {
	Store    ports.SSOStore
	Users    ports.UserStore
	Settings ports.SettingStore
	Clock    ports.Clock
	LDAP     Directory
	OIDC     OIDCClient
	SAML     SAMLClient
	Groups   GroupSync
}

// NewService loads (or creates, once for all replicas) the key that signs
// login state.
func NewService(ctx context.Context, d Deps) (*Service, error) {
	key, err := newStateKey(ctx, d.Settings)
	if err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	return &Service{store: d.Store, users: d.Users, settings: d.Settings, clock: d.Clock, ldap: d.LDAP,
		oidc: d.OIDC, saml: d.SAML, groups: d.Groups, stateKey: key}, nil
}

// List returns every configured provider.
func (s *Service) List(ctx context.Context) ([]ports.SSOProvider, error) {
	return s.store.ListSSOProviders(ctx)
}

// Enabled returns the enabled providers, optionally of one kind.
func (s *Service) Enabled(ctx context.Context, kind string) ([]ports.SSOProvider, error) {
	all, err := s.store.ListSSOProviders(ctx)
	if err != nil {
		return nil, err
	}
	var out []ports.SSOProvider
	for _, p := range all {
		if p.Enabled && (kind == "" || p.Kind == kind) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Get returns one provider.
func (s *Service) Get(ctx context.Context, kind, name string) (ports.SSOProvider, error) {
	return s.store.GetSSOProvider(ctx, kind, name)
}

// Create validates and stores a provider.
func (s *Service) Create(ctx context.Context, p ports.SSOProvider) (ports.SSOProvider, error) {
	if err := Validate(p); err != nil {
		return p, err
	}
	if p.DisplayName == "" {
		p.DisplayName = p.Name
	}
	err := s.store.CreateSSOProvider(ctx, &p)
	return p, err
}

// Replace overwrites a provider's display name, enabled flag and settings;
// secrets left out or empty keep their stored value.
func (s *Service) Replace(ctx context.Context, kind, name string, displayName string, enabled bool, config []byte) (ports.SSOProvider, error) {
	return s.store.UpdateSSOProvider(ctx, kind, name, func(p *ports.SSOProvider) error {
		merged, err := mergeSecrets(kind, p.Config, config)
		if err != nil {
			return err
		}
		next := *p
		next.Config, next.Enabled, next.DisplayName = merged, enabled, displayName
		if next.DisplayName == "" {
			next.DisplayName = name
		}
		if err := Validate(next); err != nil {
			return err
		}
		*p = next
		return nil
	})
}

// Delete removes a provider and its identity links (the users stay).
func (s *Service) Delete(ctx context.Context, kind, name string) error {
	return s.store.DeleteSSOProvider(ctx, kind, name)
}

// enabled returns the enabled provider kind/name, or ErrNotFound.
func (s *Service) enabled(ctx context.Context, kind, name string) (ports.SSOProvider, error) {
	p, err := s.store.GetSSOProvider(ctx, kind, name)
	if err != nil {
		return p, err
	}
	if !p.Enabled {
		return p, fmt.Errorf("sso: provider %s/%s is disabled: %w", kind, name, ports.ErrNotFound)
	}
	return p, nil
}

// AuthenticatePassword tries each enabled LDAP provider in name order; it
// implements auth.ExternalAuthenticator.
func (s *Service) AuthenticatePassword(ctx context.Context, username, password string) (ports.User, error) {
	if s.ldap == nil || username == "" || password == "" {
		return ports.User{}, auth.ErrBadCredentials
	}
	providers, err := s.Enabled(ctx, ports.SSOKindLDAP)
	if err != nil {
		return ports.User{}, fmt.Errorf("sso: list providers: %w", err)
	}
	for _, p := range providers {
		cfg, err := ParseLDAP(p.Config)
		if err != nil {
			slog.WarnContext(ctx, "sso: ldap provider misconfigured", "provider", p.Name, "err", err)
			continue
		}
		id, err := s.ldap.Authenticate(ctx, cfg, username, password)
		if errors.Is(err, auth.ErrBadCredentials) {
			continue
		}
		if err != nil {
			slog.WarnContext(ctx, "sso: ldap provider failed", "provider", p.Name, "err", err)
			continue
		}
		u, err := s.Provision(ctx, p, cfg.Mapping, id)
		if errors.Is(err, ErrRejected) {
			slog.InfoContext(ctx, "sso: ldap login rejected", "provider", p.Name, "user", id.Username, "err", err)
			return ports.User{}, auth.ErrBadCredentials
		}
		return u, err
	}
	return ports.User{}, auth.ErrBadCredentials
}

// Provision finds or creates the Keeper user for an identity vouched for by
// p, links it, applies the mapping and returns the user. A username already
// used by an account not linked to this provider is refused, so an external
// directory cannot take over local accounts.
func (s *Service) Provision(ctx context.Context, p ports.SSOProvider, m Mapping, id Identity) (ports.User, error) {
	if id.Subject == "" || id.Username == "" {
		return ports.User{}, fmt.Errorf("%w: provider %s/%s returned no subject or username", ErrRejected, p.Kind, p.Name)
	}
	res := m.Apply(id.Groups)
	if !res.Allowed {
		return ports.User{}, fmt.Errorf("%w: %s is in none of the allowed groups", ErrRejected, id.Username)
	}
	now := s.clock.Now()
	link, err := s.store.GetExternalIdentity(ctx, p.ID, id.Subject)
	var u ports.User
	var previous []string
	switch {
	case err == nil:
		previous = link.Groups
		u, err = s.users.UpdateUser(ctx, link.UserID, func(u *ports.User) error {
			if u.Disabled {
				return fmt.Errorf("%w: account %s is disabled", ErrRejected, u.Username)
			}
			if id.Email != "" {
				u.Email = id.Email
			}
			if id.DisplayName != "" {
				u.DisplayName = id.DisplayName
			}
			if res.Admin != nil {
				u.IsAdmin = *res.Admin
			}
			return nil
		})
		if err != nil {
			return u, err
		}
	case errors.Is(err, ports.ErrNotFound):
		if _, err := s.users.GetUserByName(ctx, id.Username); err == nil {
			return u, fmt.Errorf("%w: username %q belongs to an account not linked to %s/%s", ErrRejected, id.Username, p.Kind, p.Name)
		} else if !errors.Is(err, ports.ErrNotFound) {
			return u, err
		}
		u = ports.User{Username: id.Username, Email: id.Email, DisplayName: id.DisplayName, CreatedAt: now, UpdatedAt: now}
		if res.Admin != nil {
			u.IsAdmin = *res.Admin
		}
		if err := s.users.CreateUser(ctx, &u); err != nil {
			if errors.Is(err, ports.ErrConflict) {
				return u, fmt.Errorf("%w: username %q was just taken", ErrRejected, id.Username)
			}
			return u, err
		}
		slog.InfoContext(ctx, "sso: provisioned user", "provider", p.Kind+"/"+p.Name, "user", u.Username)
	default:
		return u, err
	}
	if err := s.store.PutExternalIdentity(ctx, ports.ExternalIdentity{ProviderID: p.ID, Subject: id.Subject,
		UserID: u.ID, Groups: res.Groups, LastLoginAt: now}); err != nil {
		return u, err
	}
	if s.groups != nil {
		if err := s.groups.SyncGroups(ctx, u.ID, previous, res.Groups); err != nil {
			return u, fmt.Errorf("sso: sync groups: %w", err)
		}
	}
	return u, nil
}

// Groups returns the Keeper groups recorded for a user at its last login
// through each provider (merged), for authorizers without a group store.
func (s *Service) Groups(ctx context.Context, userID int64) ([]string, error) {
	links, err := s.store.ListExternalIdentities(ctx, userID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := []string{}
	for _, l := range links {
		for _, g := range l.Groups {
			if !seen[strings.ToLower(g)] {
				seen[strings.ToLower(g)] = true
				out = append(out, g)
			}
		}
	}
	return out, nil
}
