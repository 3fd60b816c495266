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
// remote serves at /public_key. No rewrite: a resource cannot be changed
// without signing it anew. A virtual repository's resources are merged and
// signed anew with the virtual's own key (merge.go).
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/tarballs/") && strings.HasSuffix(path, ".tar") {
		return sdk.Immutable
	}
	return sdk.Mutable
}
