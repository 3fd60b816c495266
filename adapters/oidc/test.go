package oidc

import (
	"context"
	"errors"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/core/sso"
)

var _ sso.OIDCTester = (*Client)(nil)

// TestOIDC fetches the issuer's discovery document afresh (OpenID Connect
// Discovery 1.0 §4, https://openid.net/specs/openid-connect-discovery-1_0.html)
// through the client's egress-guarded HTTP client, and checks that it
// names the same issuer and an authorization and a token endpoint.
func (c *Client) TestOIDC(ctx context.Context, cfg sso.OIDCConfig) (string, error) {
	p, err := gooidc.NewProvider(c.ctx(ctx), cfg.Issuer)
	if err != nil {
		msg := "could not fetch the discovery document from " + cfg.Issuer + "/.well-known/openid-configuration"
		if strings.Contains(err.Error(), "did not match the issuer") {
			msg = "the discovery document names another issuer than " + cfg.Issuer
		} else if errors.Is(err, egress.ErrRefused) {
			msg = "refused by the egress policy: the issuer is a private, loopback or link-local address (allow it with egress.allowed_hosts)"
		}
		return "", &sso.TestFailure{Msg: msg}
	}
	ep := p.Endpoint()
	if ep.AuthURL == "" || ep.TokenURL == "" {
		return "", &sso.TestFailure{Msg: "the discovery document lacks an authorization or token endpoint"}
	}
	return "discovery document read: authorization endpoint " + ep.AuthURL, nil
}
