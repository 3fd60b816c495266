package debian

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Rewriter   = Plugin{}
)

// Classify implements sdk.Classifier: packages in the pool and by-hash
// index copies never change once published (a new version has a new name,
// a new index a new hash); Release, InRelease, Release.gpg, the indexes and
// the key do (https://wiki.debian.org/DebianRepository/Format#indices_acquisition_via_hashsums_.28by-hash.29).
func (Plugin) Classify(path string) sdk.CacheClass {
	p := strings.TrimPrefix(path, "/")
	switch {
	case strings.HasPrefix(p, "pool/") && strings.HasSuffix(p, ".deb"):
		return sdk.Immutable
	case strings.HasPrefix(p, "dists/") && strings.Contains(p, "/by-hash/"):
		return sdk.Immutable
	case strings.HasPrefix(p, "dists/") || p == "gpg-key.asc":
		return sdk.Mutable
	}
	return sdk.Unknown
}

// Rewrite implements sdk.Rewriter: APT indexes name files relative to the
// repository root (Filename: pool/...), and InRelease is signed by the
// upstream, so every document passes unchanged; clients of a remote
// repository verify it with the upstream's key.
func (Plugin) Rewrite(_ sdk.Host, _ string, body []byte, _, _ string) ([]byte, error) {
	return body, nil
}
