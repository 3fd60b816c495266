package alpine

import (
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// signingHost is the fake host with the repository's signing key.
type signingHost = plugintest.SigningHost

// signer is one RSA key shared by the package's tests.
func signer() *pgp.Signer { return plugintest.TestSigner("keeper-test-alpine") }

// serveSigned runs req like the real host, signed with the test key when signed.
func serveSigned(fh *fakehost.Host, signed bool, req *sdk.Request) *sdk.Response {
	var s *pgp.Signer
	if signed {
		s = signer()
	}
	return plugintest.ServeSigned(Plugin{}, fh, s, req)
}
