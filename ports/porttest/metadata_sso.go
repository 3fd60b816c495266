package porttest

import (
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// SSOStores is a metadata adapter seen as the SSO store and the user store
// its identity links refer to.
type SSOStores struct {
	SSO   ports.SSOStore
	Users ports.UserStore
}

// SSOStore runs the conformance suite for ports.SSOStore. open must return
// stores over a fresh, migrated, empty database.
func SSOStore(t *testing.T, open func(t *testing.T) SSOStores) {
	t.Run("providers", func(t *testing.T) { ssoProviders(t, open(t)) })
	t.Run("identities", func(t *testing.T) { ssoIdentities(t, open(t)) })
}

func ssoProviders(t *testing.T, s SSOStores) {
	ctx := mdCtx(t)
	p := ports.SSOProvider{Kind: ports.SSOKindOIDC, Name: "corp", DisplayName: "Corp SSO", Enabled: true,
		Config: []byte(`{"issuer":"https://id.example.test"}`), CreatedAt: mdTime(0), UpdatedAt: mdTime(1)}
	mdOK(t, s.SSO.CreateSSOProvider(ctx, &p), "create")
	if p.ID == 0 {
		t.Fatal("create: ID not set")
	}
	dup := ports.SSOProvider{Kind: ports.SSOKindOIDC, Name: "corp"}
	mdIs(t, s.SSO.CreateSSOProvider(ctx, &dup), ports.ErrConflict, "duplicate kind+name")
	other := ports.SSOProvider{Kind: ports.SSOKindLDAP, Name: "corp", Config: []byte(`{"url":"ldap://x"}`)}
	mdOK(t, s.SSO.CreateSSOProvider(ctx, &other), "same name, other kind")
	bad := ports.SSOProvider{Kind: ports.SSOKindSAML}
	mdIs(t, s.SSO.CreateSSOProvider(ctx, &bad), ports.ErrInvalid, "empty name")

	got, err := s.SSO.GetSSOProvider(ctx, ports.SSOKindOIDC, "corp")
	mdOK(t, err, "get")
	if got.ID != p.ID || got.DisplayName != "Corp SSO" || !got.Enabled || string(got.Config) != string(p.Config) {
		t.Errorf("get: got %+v, want %+v", got, p)
	}
	mdSameTime(t, got.CreatedAt, p.CreatedAt, "created_at")
	_, err = s.SSO.GetSSOProvider(ctx, ports.SSOKindSAML, "corp")
	mdIs(t, err, ports.ErrNotFound, "get missing")

	list, err := s.SSO.ListSSOProviders(ctx)
	mdOK(t, err, "list")
	if len(list) != 2 || list[0].Kind != ports.SSOKindLDAP || list[1].Kind != ports.SSOKindOIDC {
		t.Fatalf("list: got %+v", list)
	}

	up, err := s.SSO.UpdateSSOProvider(ctx, ports.SSOKindOIDC, "corp", func(x *ports.SSOProvider) error {
		x.Enabled = false
		x.Name = "renamed" // ignored: the key is kept
		x.Config = []byte(`{"issuer":"https://other.example.test"}`)
		return nil
	})
	mdOK(t, err, "update")
	if up.Enabled || up.Name != "corp" || string(up.Config) != `{"issuer":"https://other.example.test"}` {
		t.Errorf("update: got %+v", up)
	}
	mdSameTime(t, up.CreatedAt, p.CreatedAt, "created_at kept")
	got, _ = s.SSO.GetSSOProvider(ctx, ports.SSOKindOIDC, "corp")
	if got.Enabled || string(got.Config) != string(up.Config) {
		t.Errorf("after update: got %+v", got)
	}
	_, err = s.SSO.UpdateSSOProvider(ctx, ports.SSOKindSAML, "nope", func(*ports.SSOProvider) error { return nil })
	mdIs(t, err, ports.ErrNotFound, "update missing")
	_, err = s.SSO.UpdateSSOProvider(ctx, ports.SSOKindOIDC, "corp", func(*ports.SSOProvider) error {
		return ports.Invalidf("x", "refused")
	})
	mdIs(t, err, ports.ErrInvalid, "update fn error is returned")

	mdOK(t, s.SSO.DeleteSSOProvider(ctx, ports.SSOKindOIDC, "corp"), "delete")
	mdIs(t, s.SSO.DeleteSSOProvider(ctx, ports.SSOKindOIDC, "corp"), ports.ErrNotFound, "delete again")
	list, _ = s.SSO.ListSSOProviders(ctx)
	if len(list) != 1 || list[0].Name != "corp" || list[0].Kind != ports.SSOKindLDAP {
		t.Errorf("list after delete: %+v", list)
	}
}

func ssoIdentities(t *testing.T, s SSOStores) {
	ctx := mdCtx(t)
	p := ports.SSOProvider{Kind: ports.SSOKindSAML, Name: "idp", Enabled: true, Config: []byte(`{}`)}
	mdOK(t, s.SSO.CreateSSOProvider(ctx, &p), "create provider")
	u := ports.User{Username: "carol"}
	mdOK(t, s.Users.CreateUser(ctx, &u), "create user")

	_, err := s.SSO.GetExternalIdentity(ctx, p.ID, "carol@idp")
	mdIs(t, err, ports.ErrNotFound, "get missing identity")
	id := ports.ExternalIdentity{ProviderID: p.ID, Subject: "carol@idp", UserID: u.ID, Groups: []string{"dev", "ops"}, LastLoginAt: mdTime(5)}
	mdOK(t, s.SSO.PutExternalIdentity(ctx, id), "put")
	got, err := s.SSO.GetExternalIdentity(ctx, p.ID, "carol@idp")
	mdOK(t, err, "get")
	if got.UserID != u.ID {
		t.Errorf("get: user %d, want %d", got.UserID, u.ID)
	}
	mdEqualStrings(t, got.Groups, []string{"dev", "ops"}, "groups")
	mdSameTime(t, got.LastLoginAt, id.LastLoginAt, "last_login_at")
	_, err = s.SSO.GetExternalIdentity(ctx, p.ID, "CAROL@idp")
	mdIs(t, err, ports.ErrNotFound, "subjects are case-sensitive")

	id.Groups, id.LastLoginAt = nil, mdTime(9)
	mdOK(t, s.SSO.PutExternalIdentity(ctx, id), "put again (replace)")
	got, _ = s.SSO.GetExternalIdentity(ctx, p.ID, "carol@idp")
	if len(got.Groups) != 0 || got.Groups == nil {
		t.Errorf("replaced groups: %#v, want empty non-nil", got.Groups)
	}
	mdSameTime(t, got.LastLoginAt, mdTime(9), "replaced last_login_at")

	list, err := s.SSO.ListExternalIdentities(ctx, u.ID)
	mdOK(t, err, "list")
	if len(list) != 1 || list[0].Subject != "carol@idp" {
		t.Errorf("list: %+v", list)
	}

	mdIs(t, s.SSO.PutExternalIdentity(ctx, ports.ExternalIdentity{ProviderID: p.ID, Subject: "x", UserID: u.ID + 99}),
		ports.ErrNotFound, "link to a missing user")
	mdIs(t, s.SSO.PutExternalIdentity(ctx, ports.ExternalIdentity{ProviderID: p.ID + 99, Subject: "x", UserID: u.ID}),
		ports.ErrNotFound, "link to a missing provider")
	mdIs(t, s.SSO.PutExternalIdentity(ctx, ports.ExternalIdentity{ProviderID: p.ID, UserID: u.ID}),
		ports.ErrInvalid, "empty subject")

	mdOK(t, s.Users.DeleteUser(ctx, u.ID), "delete user")
	_, err = s.SSO.GetExternalIdentity(ctx, p.ID, "carol@idp")
	mdIs(t, err, ports.ErrNotFound, "links go with their user")

	u2 := ports.User{Username: "dan"}
	mdOK(t, s.Users.CreateUser(ctx, &u2), "create user 2")
	mdOK(t, s.SSO.PutExternalIdentity(ctx, ports.ExternalIdentity{ProviderID: p.ID, Subject: "dan", UserID: u2.ID}), "put 2")
	mdOK(t, s.SSO.DeleteSSOProvider(ctx, p.Kind, p.Name), "delete provider")
	list, err = s.SSO.ListExternalIdentities(ctx, u2.ID)
	mdOK(t, err, "list after provider delete")
	if len(list) != 0 {
		t.Errorf("links go with their provider: %+v", list)
	}
}
