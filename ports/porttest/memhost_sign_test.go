package porttest_test

import (
	"context"
	"testing"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestMemHostSigning: the fake passes the HostSigning suite with a
// pgp.Signer as the repository key, and refuses without one.
func TestMemHostSigning(t *testing.T) {
	signer, err := pgp.NewSigner(pgp.RSA3072, "test-repo")
	if err != nil {
		t.Fatal(err)
	}
	open := func(s ports.HostSigning) func(t *testing.T) porttest.HostHarness {
		return func(t *testing.T) porttest.HostHarness {
			h := porttest.NewMemHost()
			h.Signing = s
			return porttest.HostHarness{Call: func(t *testing.T, body []byte, fn func(ctx context.Context, h ports.HostCall, body *ports.Body) error) error {
				return fn(t.Context(), h, nil)
			}}
		}
	}
	porttest.HostSigning(t, open(signer), open(nil))
}

// TestMemSigningStore: the fake key store passes the suite.
func TestMemSigningStore(t *testing.T) {
	porttest.SigningKeyStore(t, func(*testing.T) ports.SigningKeyStore { return porttest.NewMemSigningStore() })
}
