package oci

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for p, want := range map[string]sdk.CacheClass{
		"/library/alpine/blobs/" + d:                        sdk.Immutable,
		"/app/manifests/" + d:                               sdk.Immutable,
		"/app/manifests/sha512:" + strings.Repeat("ab", 64): sdk.Immutable,
		"/app/manifests/latest":                             sdk.Mutable,
		"/team/app/tags/list":                               sdk.Mutable,
		"/app/referrers/" + d:                               sdk.Mutable,
		"/app/blobs/sha256:short":                           sdk.Unknown,
		"/app/blobs/uploads/123":                            sdk.Unknown,
		"/":                                                 sdk.Unknown,
	} {
		if got := sdk.CallClassify(Plugin{}, p); got != want {
			t.Errorf("Classify(%q) = %v, want %v", p, got, want)
		}
	}
	info, err := sdk.DescribePlugin(Plugin{})
	if err != nil || !strings.Contains(strings.Join(info.Capabilities, ","), sdk.CapClassify) {
		t.Fatalf("describe does not declare classify: %v %v", info.Capabilities, err)
	}
}
