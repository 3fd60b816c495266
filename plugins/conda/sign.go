package conda

import (
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// repodata.json.sig is a detached armored OpenPGP signature (RFC 4880 §11.4)
// of the subdir's repodata.json bytes, made by the host with the key the
// administrator configured for the repository (docs/signing.md); the public
// key is /repodata.json.key. conda itself does not check it (conda's own
// content trust, https://github.com/conda/conda-content-trust, signs
// per-package records with keys of a TUF-like delegation Keeper does not
// manage): it is for mirrors and CI that verify what they fetch with
// `gpg --verify repodata.json.sig repodata.json`. Neither is cached: the
// key can change without the repository changing.

// signRepodata answers <subdir>/repodata.json.sig.
func signRepodata(h sdk.Host, subdir string) (*sdk.Response, error) {
	src, _, err := repodataSource(h, subdir, false)
	if err != nil {
		return nil, err
	}
	sig, err := sdk.Sign(h, sdk.SignPGPDetachedArmored, src)
	if sdk.NoSigningKey(err) {
		return nil, sdk.Errorf(404, "repository has no signing key")
	}
	if err != nil {
		return nil, fmt.Errorf("conda: sign: %w", err)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: sig,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/pgp-signature"}}}, nil
}
