package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.OIDCClient = (*Client)(nil)

// discoveryTTL is how long a provider's discovery document is reused.
const discoveryTTL = 10 * time.Minute

// Client implements sso.OIDCClient with go-oidc and x/oauth2.
type Client struct {
	http *http.Client
	mu   sync.Mutex
	// providers caches discovery (and with it the JWKS key set) per issuer.
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p       *gooidc.Provider
	fetched time.Time
}

// New returns a client using hc for every call to providers (nil: a client
// with a 30 s timeout).
func New(hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{http: hc, providers: map[string]cachedProvider{}}
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, c.http)
}

// provider fetches the issuer's discovery document (OpenID Connect
// Discovery 1.0 §4); go-oidc checks that it names the same issuer.
func (c *Client) provider(ctx context.Context, issuer string) (*gooidc.Provider, error) {
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && time.Since(cp.fetched) < discoveryTTL {
		return cp.p, nil
	}
	// The provider keeps the context for fetching keys later: detach it
	// from the request so it outlives it.
	p, err := gooidc.NewProvider(c.ctx(context.WithoutCancel(ctx)), issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery: %w", err)
	}
	c.mu.Lock()
	c.providers[issuer] = cachedProvider{p: p, fetched: time.Now()}
	c.mu.Unlock()
	return p, nil
}

func oauthConfig(p *gooidc.Provider, cfg sso.OIDCConfig, redirectURL string) *oauth2.Config {
	scopes := []string{gooidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if s != gooidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURL, Scopes: scopes}
}

// AuthURL builds the authentication request (OpenID Connect Core 1.0
// §3.1.2.1) with state, nonce and an S256 PKCE challenge (RFC 7636 §4.2).
func (c *Client) AuthURL(ctx context.Context, cfg sso.OIDCConfig, redirectURL, state, nonce, verifier string) (string, error) {
	p, err := c.provider(ctx, cfg.Issuer)
	if err != nil {
		return "", err
	}
	return oauthConfig(p, cfg, redirectURL).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems the code with the PKCE verifier (RFC 7636 §4.5) and
// verifies the ID token (Core §3.1.3.7: signature with the provider's JWKS,
// iss, aud, exp) and its nonce (§3.1.3.7 item 11).
func (c *Client) Exchange(ctx context.Context, cfg sso.OIDCConfig, redirectURL, code, verifier, nonce string) (sso.Identity, error) {
	p, err := c.provider(ctx, cfg.Issuer)
	if err != nil {
		return sso.Identity{}, err
	}
	tok, err := oauthConfig(p, cfg, redirectURL).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return sso.Identity{}, fmt.Errorf("oidc: token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return sso.Identity{}, errors.New("oidc: token response has no id_token")
	}
	idt, err := p.VerifierContext(c.ctx(ctx), &gooidc.Config{ClientID: cfg.ClientID}).Verify(c.ctx(ctx), raw)
	if err != nil {
		return sso.Identity{}, fmt.Errorf("oidc: id token: %w", err)
	}
	if idt.Nonce == "" || idt.Nonce != nonce {
		return sso.Identity{}, errors.New("oidc: id token nonce does not match the request")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return sso.Identity{}, fmt.Errorf("oidc: at_hash: %w", err)
		}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return sso.Identity{}, fmt.Errorf("oidc: claims: %w", err)
	}
	return identity(cfg, idt.Subject, claims)
}

// identity maps ID token claims to an sso.Identity.
func identity(cfg sso.OIDCConfig, sub string, claims map[string]any) (sso.Identity, error) {
	str := func(k string) string { s, _ := claims[k].(string); return s }
	if cfg.RequireVerifiedEmail {
		if v, ok := claims["email_verified"].(bool); !ok || !v {
			return sso.Identity{}, errors.New("oidc: email is not verified")
		}
	}
	id := sso.Identity{Subject: sub, Username: str(cfg.UsernameClaim), Email: str(cfg.EmailClaim), DisplayName: str(cfg.DisplayNameClaim)}
	if id.Username == "" {
		return id, fmt.Errorf("oidc: id token has no %q claim", cfg.UsernameClaim)
	}
	switch g := claims[cfg.GroupsClaim].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok && s != "" {
				id.Groups = append(id.Groups, s)
			}
		}
	case string:
		id.Groups = append(id.Groups, strings.Fields(strings.ReplaceAll(g, ",", " "))...)
	}
	return id, nil
}
