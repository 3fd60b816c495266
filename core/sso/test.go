package sso

import (
	"context"
	"errors"

	"github.com/keeper-registry/keeper/ports"
)

// TestFailure is why a provider's connection test failed, in words an
// administrator can act on (no transport or library error text).
type TestFailure struct{ Msg string }

func (e *TestFailure) Error() string { return e.Msg }

// Each adapter that can check its settings without a user implements one
// of these: LDAP binds with the service account, OIDC fetches discovery,
// SAML reads the IdP metadata. They return what went right, or a *TestFailure.
type (
	DirectoryTester interface {
		TestLDAP(ctx context.Context, cfg LDAPConfig) (string, error)
	}
	OIDCTester interface {
		TestOIDC(ctx context.Context, cfg OIDCConfig) (string, error)
	}
	SAMLTester interface {
		TestSAML(ctx context.Context, cfg SAMLConfig) (string, error)
	}
)

// Test checks a stored provider's settings (enabled or not) against the
// provider itself and says whether they work. err is only for a missing
// provider or an adapter that cannot test; a failing provider is ok=false.
func (s *Service) Test(ctx context.Context, kind, name string) (ok bool, msg string, err error) {
	p, err := s.store.GetSSOProvider(ctx, kind, name)
	if err != nil {
		return false, "", err
	}
	var failed error
	switch kind {
	case ports.SSOKindLDAP:
		t, has := s.ldap.(DirectoryTester)
		if !has {
			return false, "", ErrUnavailable
		}
		cfg, err := ParseLDAP(p.Config)
		if err != nil {
			return false, "", err
		}
		msg, failed = t.TestLDAP(ctx, cfg)
	case ports.SSOKindOIDC:
		t, has := s.oidc.(OIDCTester)
		if !has {
			return false, "", ErrUnavailable
		}
		cfg, err := ParseOIDC(p.Config)
		if err != nil {
			return false, "", err
		}
		msg, failed = t.TestOIDC(ctx, cfg)
	case ports.SSOKindSAML:
		t, has := s.saml.(SAMLTester)
		if !has {
			return false, "", ErrUnavailable
		}
		cfg, err := ParseSAML(p.Config)
		if err != nil {
			return false, "", err
		}
		msg, failed = t.TestSAML(ctx, cfg)
	default:
		return false, "", ErrUnavailable
	}
	if failed == nil {
		return true, msg, nil
	}
	var f *TestFailure
	if errors.As(failed, &f) {
		return false, f.Msg, nil
	}
	return false, "the provider could not be reached or answered something unexpected", nil
}
