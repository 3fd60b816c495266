package sdk_test

import (
	"errors"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// signHost is a host with the signing and compression imports.
type signHost struct {
	sdk.Host
	forms []sdk.SignForm
}

func (h *signHost) Sign(form sdk.SignForm, src sdk.Source) ([]byte, error) {
	h.forms = append(h.forms, form)
	return append([]byte("sig:"), src.Bytes...), nil
}

func (h *signHost) PublicKey(form sdk.KeyForm) (sdk.SigningKey, error) {
	return sdk.SigningKey{Name: "k", Data: []byte{byte(form)}}, nil
}

func (h *signHost) Compress(alg sdk.Compression, src sdk.Source) (sdk.Body, error) {
	return sdk.Body{Size: uint64(alg)}, nil
}

func (h *signHost) Decompress(alg sdk.Compression, src sdk.Source, max uint64) ([]byte, error) {
	return []byte{byte(alg), byte(max)}, nil
}

// TestSignHelpers: the helpers reach a host's imports and answer
// ErrNoImport for a host without them.
func TestSignHelpers(t *testing.T) {
	h := &signHost{Host: fakehost.New(nil)}
	sig, err := sdk.Sign(h, sdk.SignPGPClear, sdk.Source{Bytes: []byte("x")})
	if err != nil || string(sig) != "sig:x" || len(h.forms) != 1 || h.forms[0] != sdk.SignPGPClear {
		t.Errorf("Sign: %q %v %v", sig, err, h.forms)
	}
	if k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM); err != nil || k.Data[0] != byte(sdk.KeyPKIXPEM) {
		t.Errorf("PublicKey: %+v %v", k, err)
	}
	if b, err := sdk.Compress(h, sdk.Zstd, sdk.Source{}); err != nil || b.Size != uint64(sdk.Zstd) {
		t.Errorf("Compress: %+v %v", b, err)
	}
	if out, err := sdk.Decompress(h, sdk.Bzip2, sdk.Source{}, 7); err != nil || out[0] != byte(sdk.Bzip2) || out[1] != 7 {
		t.Errorf("Decompress: %v %v", out, err)
	}
	plain := fakehost.New(nil)
	if _, err := sdk.Sign(plain, sdk.SignPGPClear, sdk.Source{}); !errors.Is(err, sdk.ErrNoImport) {
		t.Errorf("Sign without the import: %v", err)
	}
	if _, err := sdk.PublicKey(plain, sdk.KeyPGPArmored); !errors.Is(err, sdk.ErrNoImport) {
		t.Errorf("PublicKey without the import: %v", err)
	}
	if _, err := sdk.Compress(plain, sdk.Gzip, sdk.Source{}); !errors.Is(err, sdk.ErrNoImport) {
		t.Errorf("Compress without the import: %v", err)
	}
	if _, err := sdk.Decompress(plain, sdk.Gzip, sdk.Source{}, 1); !errors.Is(err, sdk.ErrNoImport) {
		t.Errorf("Decompress without the import: %v", err)
	}
}

// TestEnumOrder: the SDK's enums keep the WIT's case order.
func TestEnumOrder(t *testing.T) {
	if sdk.SignRSASHA512 != 5 || sdk.KeyPKIXPEM != 2 || sdk.Bzip2 != 3 || sdk.ArchiveTarXz != 5 || sdk.ArchiveTarBz2 != 7 {
		t.Error("enum values drifted from the WIT order")
	}
}

func TestServePublicKey(t *testing.T) {
	r, err := sdk.ServePublicKey(&signHost{Host: fakehost.New(nil)}, sdk.KeyPGPArmored, "application/pgp-keys")
	if err != nil || r.Status != 200 || len(r.Headers) != 1 || r.Headers[0].Value != "application/pgp-keys" || len(r.Bytes) != 1 || r.Bytes[0] != byte(sdk.KeyPGPArmored) {
		t.Fatalf("%+v, %v", r, err)
	}
	_, err = sdk.ServePublicKey(fakehost.New(nil), sdk.KeyPGPArmored, "application/pgp-keys")
	if e := sdk.AsError(err); e.Status != 404 {
		t.Fatalf("no signing imports: %v", err)
	}
	if !sdk.NoSigningKey(errors.New("sign: repository has no signing key")) || sdk.NoSigningKey(nil) || sdk.NoSigningKey(errors.New("form mismatch")) {
		t.Fatal("NoSigningKey")
	}
}
