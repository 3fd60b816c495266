package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/oidc"
	"github.com/keeper-registry/keeper/adapters/oidc/oidctest"
	"github.com/keeper-registry/keeper/core/sso"
)

const redirectURL = "http://127.0.0.1:1/api/v1/auth/oidc/corp/callback"

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func setup(t *testing.T) (*oidctest.OP, *oidc.Client, sso.OIDCConfig) {
	op := oidctest.Start(t, "keeper", "s3cret")
	op.SignIn(map[string]any{"sub": "u-123", "preferred_username": "erin", "email": "erin@corp.test", "name": "Erin", "groups": []string{"eng", "ops"}})
	cfg, err := sso.ParseOIDC([]byte(`{"issuer":"` + op.URL + `","client_id":"keeper","client_secret":"s3cret","scopes":["email","profile"]}`))
	if err != nil {
		t.Fatal(err)
	}
	return op, oidc.New(nil), cfg
}

// authorize runs the browser's part: open the auth URL and read the code
// the OP redirects back with.
func authorize(t *testing.T, c *oidc.Client, cfg sso.OIDCConfig, state, nonce, verifier string) string {
	t.Helper()
	u, err := c.AuthURL(context.Background(), cfg, redirectURL, state, nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	if q.Get("state") != state || q.Get("nonce") != nonce || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || strings.Contains(u, verifier) || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("auth URL lacks state, nonce or PKCE (or leaks the verifier): %s", u)
	}
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("code") == "" || back.Query().Get("state") != state {
		t.Fatalf("OP answered %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("code")
}

const verifier = "verifier-0123456789-0123456789-0123456789-abcdef"

func TestCodeFlowWithPKCE(t *testing.T) {
	op, c, cfg := setup(t)
	ctx := context.Background()
	code := authorize(t, c, cfg, "st-1", "n-1", verifier)
	id, err := c.Exchange(ctx, cfg, redirectURL, code, verifier, "n-1")
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "u-123" || id.Username != "erin" || id.Email != "erin@corp.test" || id.DisplayName != "Erin" || !slices.Equal(id.Groups, []string{"eng", "ops"}) {
		t.Fatalf("identity %+v", id)
	}
	if _, err := c.Exchange(ctx, cfg, redirectURL, code, verifier, "n-1"); err == nil {
		t.Error("a code was redeemed twice")
	}
	if op.TokenRequests() != 1 {
		t.Errorf("token requests %d, want 1", op.TokenRequests())
	}

	// Custom claim names.
	cfg2 := cfg
	cfg2.UsernameClaim, cfg2.GroupsClaim = "email", "roles"
	op.SignIn(map[string]any{"sub": "u-9", "email": "f@corp.test", "roles": "a, b"})
	id, err = c.Exchange(ctx, cfg2, redirectURL, authorize(t, c, cfg2, "s", "n", verifier), verifier, "n")
	if err != nil || id.Username != "f@corp.test" || !slices.Equal(id.Groups, []string{"a", "b"}) {
		t.Fatalf("custom claims: %+v %v", id, err)
	}
}

func TestRejects(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(op *oidctest.OP, c *oidc.Client, cfg *sso.OIDCConfig) (verifier, nonce string){
		"wrong PKCE verifier": func(*oidctest.OP, *oidc.Client, *sso.OIDCConfig) (string, string) { return verifier + "x", "n" },
		"nonce mismatch":      func(*oidctest.OP, *oidc.Client, *sso.OIDCConfig) (string, string) { return verifier, "other" },
		"wrong audience": func(op *oidctest.OP, _ *oidc.Client, _ *sso.OIDCConfig) (string, string) {
			op.Tamper(func(c map[string]any) { c["aud"] = "someone-else" })
			return verifier, "n"
		},
		"wrong issuer": func(op *oidctest.OP, _ *oidc.Client, _ *sso.OIDCConfig) (string, string) {
			op.Tamper(func(c map[string]any) { c["iss"] = "http://evil.test" })
			return verifier, "n"
		},
		"expired": func(op *oidctest.OP, _ *oidc.Client, _ *sso.OIDCConfig) (string, string) {
			op.Tamper(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
			return verifier, "n"
		},
		"unknown signing key": func(op *oidctest.OP, _ *oidc.Client, _ *sso.OIDCConfig) (string, string) {
			op.SignWithUnpublishedKey(t)
			return verifier, "n"
		},
		"wrong client secret": func(_ *oidctest.OP, _ *oidc.Client, cfg *sso.OIDCConfig) (string, string) {
			cfg.ClientSecret = "nope"
			return verifier, "n"
		},
		"no username claim": func(op *oidctest.OP, _ *oidc.Client, _ *sso.OIDCConfig) (string, string) {
			op.Tamper(func(c map[string]any) { delete(c, "preferred_username") })
			return verifier, "n"
		},
		"unverified email required": func(op *oidctest.OP, _ *oidc.Client, cfg *sso.OIDCConfig) (string, string) {
			cfg.RequireVerifiedEmail = true
			op.Tamper(func(c map[string]any) { c["email_verified"] = false })
			return verifier, "n"
		},
	}
	for name, arrange := range cases {
		t.Run(name, func(t *testing.T) {
			op, c, cfg := setup(t)
			code := authorize(t, c, cfg, "s", "n", verifier)
			v, n := arrange(op, c, &cfg)
			if id, err := c.Exchange(ctx, cfg, redirectURL, code, v, n); err == nil {
				t.Fatalf("accepted: %+v", id)
			}
		})
	}
}
