package plugintest

import (
	"context"
	"sync"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// SigningHost is the fake host with the repository's signing key, as the
// real host signs with a configured key (sdk.SignHost).
type SigningHost struct {
	*fakehost.Host
	Signer *pgp.Signer
}

var (
	testSignersMu sync.Mutex
	testSigners   = map[string]*pgp.Signer{}
)

// TestSigner is the RSA key named name, made once per test binary
// (generating one is slow).
func TestSigner(name string) *pgp.Signer {
	testSignersMu.Lock()
	defer testSignersMu.Unlock()
	if s, ok := testSigners[name]; ok {
		return s
	}
	s, err := pgp.NewSigner(pgp.RSA3072, name)
	if err != nil {
		panic(err)
	}
	testSigners[name] = s
	return s
}

// ServeSigned runs req through p like the real host: signed with s (none
// when nil), an error or a conflicting staged path commits nothing.
func ServeSigned(p sdk.Plugin, fh *fakehost.Host, s *pgp.Signer, req *sdk.Request) *sdk.Response {
	var h sdk.Host = fh
	if s != nil {
		h = SigningHost{fh, s}
	}
	resp, err := sdk.CallHandle(p, h, req)
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

// Sign signs with the test key.
func (h SigningHost) Sign(form sdk.SignForm, src sdk.Source) ([]byte, error) {
	data := src.Bytes
	if src.Blob != "" {
		data = h.Blobs[src.Blob]
	}
	return h.Signer.Sign(context.Background(), ports.SignForm(form), data)
}

// PublicKey is the test key's public half.
func (h SigningHost) PublicKey(form sdk.KeyForm) (sdk.SigningKey, error) {
	k, err := h.Signer.PublicKey(context.Background(), ports.KeyForm(form))
	return sdk.SigningKey(k), err
}
