package rpm

import (
	"context"
	"sync"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// signingHost is the fake host with the repository's signing key, as the
// real host signs with a configured key (sdk.SignHost).
type signingHost struct {
	*fakehost.Host
	s *pgp.Signer
}

var (
	testSignerOnce sync.Once
	testSigner     *pgp.Signer
)

// signer is one RSA key shared by the package's tests (generating one is slow).
func signer() *pgp.Signer {
	testSignerOnce.Do(func() {
		s, err := pgp.NewSigner(pgp.RSA3072, "keeper-test-rpm")
		if err != nil {
			panic(err)
		}
		testSigner = s
	})
	return testSigner
}

// serveSigned runs req like the real host: the key is the repository's
// (when signed), an error or a conflicting staged path commits nothing.
func serveSigned(fh *fakehost.Host, signed bool, req *sdk.Request) *sdk.Response {
	var h sdk.Host = fh
	if signed {
		h = signingHost{fh, signer()}
	}
	resp, err := sdk.CallHandle(Plugin{}, h, req)
	if err != nil {
		fh.Discard()
		e := sdk.AsError(err)
		return &sdk.Response{Status: e.Status, Bytes: []byte(e.Message)}
	}
	if resp.Status >= 400 {
		fh.Discard()
		return resp
	}
	for _, f := range fh.StagedFiles {
		if _, ok := fh.Files[f.Path]; ok && !f.Overwrite {
			fh.Discard()
			return &sdk.Response{Status: 409, Bytes: []byte("path " + f.Path + " already exists")}
		}
	}
	fh.Commit()
	return resp
}

func (h signingHost) Sign(form sdk.SignForm, src sdk.Source) ([]byte, error) {
	data := src.Bytes
	if src.Blob != "" {
		data = h.Blobs[src.Blob]
	}
	return h.s.Sign(context.Background(), ports.SignForm(form), data)
}

func (h signingHost) PublicKey(form sdk.KeyForm) (sdk.SigningKey, error) {
	k, err := h.s.PublicKey(context.Background(), ports.KeyForm(form))
	return sdk.SigningKey{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, Data: k.Data}, err
}
