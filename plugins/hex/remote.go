package hex

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Classifier = Plugin{}

// Classify implements sdk.Classifier: a release's tarball never changes;
// the registry resources and the public key do. A remote repository serves
// its upstream's resources as they are, signed by the upstream's key for
// the upstream's repository name (hex_core checks both), so a client of a
// remote repository names it as the upstream does and trusts the key the
// remote serves at /public_key. No rewrite and no merge: a resource cannot
// be changed or combined without signing it anew, which the rewrite and
// merge capabilities cannot do (they run without a repository).
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/tarballs/") && strings.HasSuffix(path, ".tar") {
		return sdk.Immutable
	}
	return sdk.Mutable
}
