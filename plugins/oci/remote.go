package oci

import sdk "github.com/keeper-registry/keeper/sdk/go"

var _ sdk.Classifier = Plugin{}

// Classify implements sdk.Classifier for remote (pull-through) repositories:
// what a digest names never changes (blobs, manifests by digest); tags,
// tag lists and referrer lists move.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
func (Plugin) Classify(path string) sdk.CacheClass {
	r, ok := parse(path)
	if !ok {
		return sdk.Unknown
	}
	switch r.kind {
	case "blob":
		if _, _, ok := parseDigest(r.ref); ok {
			return sdk.Immutable
		}
	case "manifest":
		if _, _, ok := parseDigest(r.ref); ok {
			return sdk.Immutable
		}
		return sdk.Mutable
	case "tags", "referrers":
		return sdk.Mutable
	}
	return sdk.Unknown
}
