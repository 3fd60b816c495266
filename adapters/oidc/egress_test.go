package oidc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/oidc"
	"github.com/keeper-registry/keeper/core/sso"
)

// TestDiscoveryGoesThroughTheEgressGuard: with the server's guarded client
// an issuer on a loopback address is refused before any request is made
// (a provider setting cannot be used to probe internal services), and the
// failure is the provider's (sso.ErrProvider, a 4xx at the edge); the
// same issuer works once the host is allowed.
func TestDiscoveryGoesThroughTheEgressGuard(t *testing.T) {
	op, _, cfg := setup(t)
	guarded := oidc.New(egress.Policy{}.Client(5 * time.Second))
	_, err := guarded.AuthURL(context.Background(), cfg, redirectURL, "s", "n", "v")
	if !errors.Is(err, egress.ErrRefused) || !errors.Is(err, sso.ErrProvider) {
		t.Fatalf("loopback issuer %s: err = %v", op.URL, err)
	}
	allowed := oidc.New(egress.Policy{AllowedHosts: []string{"127.0.0.1"}}.Client(5 * time.Second))
	if _, err := allowed.AuthURL(context.Background(), cfg, redirectURL, "s", "n", "v"); err != nil {
		t.Fatalf("allowed host: %v", err)
	}
}

// TestConnectionTestGoesThroughTheEgressGuard: the admin's "test
// connection" cannot probe a loopback issuer either, and says why.
func TestConnectionTestGoesThroughTheEgressGuard(t *testing.T) {
	_, _, cfg := setup(t)
	_, err := oidc.New(egress.Policy{}.Client(5*time.Second)).TestOIDC(context.Background(), cfg)
	var f *sso.TestFailure
	if !errors.As(err, &f) || !strings.Contains(f.Msg, "egress policy") {
		t.Fatalf("err = %v", err)
	}
	msg, err := oidc.New(egress.Policy{AllowedHosts: []string{"127.0.0.1"}}.Client(5*time.Second)).TestOIDC(context.Background(), cfg)
	if err != nil || !strings.Contains(msg, "authorization endpoint") {
		t.Fatalf("allowed host: %q %v", msg, err)
	}
}
