package http_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/ldap"
	"github.com/keeper-registry/keeper/adapters/oidc"
	"github.com/keeper-registry/keeper/adapters/saml"
	"github.com/keeper-registry/keeper/core/sso"
	"github.com/keeper-registry/keeper/ports"
)

// TestProvidersFromConfiguration: providers named in the configuration file
// are created at start, replaced (not duplicated) at the next start, and
// listed by the login API; a bad one stops the start with a message.
func TestProvidersFromConfiguration(t *testing.T) {
	e := newSSOEnv(t)
	apply := func(display string) error {
		svc, err := sso.NewService(t.Context(), sso.Deps{Store: e.store, Users: e.store, Settings: e.store,
			LDAP: ldap.New(), OIDC: oidc.New(nil), SAML: saml.New(nil)})
		if err != nil {
			t.Fatal(err)
		}
		return svc.ApplyConfigured(t.Context(), []ports.SSOProvider{{Kind: ports.SSOKindOIDC, Name: "corp",
			DisplayName: display, Enabled: true,
			Config: []byte(`{"issuer":"https://id.corp.test","client_id":"keeper","client_secret":"s"}`)}})
	}
	if err := apply("Corp"); err != nil {
		t.Fatal(err)
	}
	if err := apply("Corp SSO"); err != nil {
		t.Fatal(err)
	}
	data := e.doJSON("GET", "/api/v1/auth/providers", "", nil, 200, nil)
	if strings.Count(string(data), `"corp"`) != 1 || !strings.Contains(string(data), "Corp SSO") {
		t.Fatalf("providers: %s", data)
	}
	svc, _ := sso.NewService(t.Context(), sso.Deps{Store: e.store, Users: e.store, Settings: e.store})
	err := svc.ApplyConfigured(t.Context(), []ports.SSOProvider{{Kind: ports.SSOKindOIDC, Name: "bad", Enabled: true,
		Config: []byte(`{"issuer":"ftp://nope","client_id":"k"}`)}})
	if err == nil || !strings.Contains(err.Error(), "oidc/bad") {
		t.Fatalf("bad configured provider: %v", err)
	}
}
