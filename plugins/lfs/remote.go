package lfs

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Classifier = Plugin{}

// Classify implements sdk.Classifier: an object is addressed by its
// sha256 and never changes.
func (Plugin) Classify(path string) sdk.CacheClass {
	if oid, ok := strings.CutPrefix(path, "/objects/"); ok && validOID(oid) {
		return sdk.Immutable
	}
	return sdk.Mutable
}
