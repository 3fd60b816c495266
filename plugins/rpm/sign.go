package rpm

import sdk "github.com/keeper-registry/keeper/sdk/go"

// signRepomd answers repodata/repomd.xml.asc, the detached armored OpenPGP
// signature dnf checks with repo_gpgcheck=1.
func signRepomd(h sdk.Host) (*sdk.Response, error) {
	return nil, sdk.Errorf(404, "this repository has no signing key")
}

// publicKey answers repodata/repomd.xml.key, the armored public key.
func publicKey(h sdk.Host) (*sdk.Response, error) {
	return nil, sdk.Errorf(404, "this repository has no signing key")
}
