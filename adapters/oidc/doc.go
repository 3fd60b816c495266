// Package oidc runs the OpenID Connect authorization code flow with PKCE
// against a provider and verifies its ID tokens, for core/sso.
package oidc
