package terraform

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestSignedChecksums: the provider package document names the
// repository's key, SHA256SUMS lists the package's sha256, and the .sig is
// a binary detached OpenPGP signature of it that verifies with that key
// (what terraform checks). Without a key the documents are refused with a
// message, never signed by anything else.
func TestSignedChecksums(t *testing.T) {
	signer, err := pgp.NewSigner(pgp.Ed25519, "tf")
	if err != nil {
		t.Fatal(err)
	}
	h := porttest.NewMemHost()
	repo := &ports.RepoContext{Key: "tf", Format: "terraform", BaseURL: "http://h/terraform/tf"}
	zl := providerZipBytes(t, "demo", "1.0.0")
	dg := h.AddBlob(zl)
	call := func(method, path string, body *ports.Body) ports.FormatResponse {
		t.Helper()
		r, err := plugintest.NativeHandle(Plugin{}, h, ports.FormatRequest{Method: method, Path: path, Repo: repo, User: "u", Body: body})
		if err != nil {
			r.Status, r.Body = 0, []byte(err.Error())
			if e, ok := err.(interface{ StatusCode() int }); ok {
				r.Status = e.StatusCode()
			}
		}
		return r
	}
	if r := call("PUT", "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip", &ports.Body{Digest: dg, Size: int64(len(zl))}); r.Status != 201 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	if r := call("GET", "/demo/1.0.0/download/linux/amd64", nil); r.Status == 200 || !strings.Contains(string(r.Body), "no signing key") {
		t.Fatalf("download document without a key: %d %s", r.Status, r.Body)
	}
	if r := call("GET", "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS.sig", nil); r.Status == 200 {
		t.Fatalf("signature without a key: %d %s", r.Status, r.Body)
	}

	h.Signing = signer
	r := call("GET", "/demo/1.0.0/download/linux/amd64", nil)
	var doc struct {
		SHASumsURL          string `json:"shasums_url"`
		SHASumsSignatureURL string `json:"shasums_signature_url"`
		SHASum              string `json:"shasum"`
		SigningKeys         struct {
			GPGPublicKeys []struct {
				KeyID      string `json:"key_id"`
				ASCIIArmor string `json:"ascii_armor"`
			} `json:"gpg_public_keys"`
		} `json:"signing_keys"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &doc) != nil || len(doc.SigningKeys.GPGPublicKeys) != 1 {
		t.Fatalf("download document: %d %s", r.Status, r.Body)
	}
	// The key changes per run: the golden file holds the document without it.
	var generic map[string]any
	_ = json.Unmarshal(r.Body, &generic)
	delete(generic, "signing_keys")
	stable, _ := json.Marshal(generic)
	plugintest.GoldenJSON(t, "provider-download.json", stable)
	if doc.SHASum != sha256hex(zl) || doc.SHASumsURL != "../../../../-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS" ||
		doc.SHASumsSignatureURL != doc.SHASumsURL+".sig" {
		t.Fatalf("download document: %s", r.Body)
	}
	pub, _ := signer.PublicKey(t.Context(), ports.KeyPGPArmored)
	key := doc.SigningKeys.GPGPublicKeys[0]
	if key.ASCIIArmor != string(pub.Data) || !strings.HasSuffix(pub.Fingerprint, key.KeyID) || len(key.KeyID) != 16 {
		t.Fatalf("signing key %s, want the repository's (%s)", key.KeyID, pub.Fingerprint)
	}
	sums := call("GET", "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS", nil)
	sig := call("GET", "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS.sig", nil)
	if sums.Status != 200 || sig.Status != 200 {
		t.Fatalf("sums %d, sig %d %s", sums.Status, sig.Status, sig.Body)
	}
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(key.ASCIIArmor))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckDetachedSignature(ring, bytes.NewReader(sums.Body), bytes.NewReader(sig.Body), nil); err != nil {
		t.Fatalf("the signature does not verify with the advertised key: %v", err)
	}
	if _, err := openpgp.CheckDetachedSignature(ring, bytes.NewReader(append(sums.Body, 'x')), bytes.NewReader(sig.Body), nil); err == nil {
		t.Fatal("the signature verifies other bytes too")
	}
}
