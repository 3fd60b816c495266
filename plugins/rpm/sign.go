package rpm

import (
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Repository metadata is signed by the host with the repository's key
// (contract 0.2.0 sign import): repomd.xml.asc is an armored detached
// OpenPGP signature of repomd.xml, which dnf checks with repo_gpgcheck=1
// against the key(s) named by gpgkey=, e.g. repodata/repomd.xml.key.
// https://dnf.readthedocs.io/en/latest/conf_ref.html (repo_gpgcheck)

// The signature and the key are not cached by the host: its cache is per
// repository generation, and changing the repository's key (PUT
// /api/v1/signing/repositories/{key}/config) changes no generation. Each
// request signs the current repomd.xml (whose documents the host has
// cached per generation) with the current key.

// signRepomd answers repodata/repomd.xml.asc: the current repomd.xml (the
// same bytes, rendered from the same generation) signed.
func signRepomd(h sdk.Host) (*sdk.Response, error) {
	docs, err := allDocs(h)
	if err != nil {
		return nil, err
	}
	sig, err := sdk.Sign(h, sdk.SignPGPDetachedArmored, sdk.Source{Bytes: repomd(docs)})
	if sdk.NoSigningKey(err) {
		return nil, sdk.Errorf(404, "repository has no signing key")
	}
	if err != nil {
		return nil, fmt.Errorf("rpm: sign: %w", err)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: sig,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/pgp-signature"}}}, nil
}
