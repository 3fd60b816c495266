package oci_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, oci.Plugin{}, "oci", "http://k/v2/r", ociSeeds(f))
}

func ociSeeds(f *testing.F) []plugintest.FuzzSeed {
	const oci = "application/vnd.oci.image.manifest.v1+json"
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/fx/oci/manifests/1", "", oci, plugintest.Testdata(f, "crane-oci-manifest.json")),
		plugintest.Seed(2, "/fx/docker/manifests/1", "", "application/vnd.docker.distribution.manifest.v2+json", plugintest.Testdata(f, "crane-docker-manifest.json")),
		plugintest.Seed(2, "/fx/art/manifests/v1", "", oci, plugintest.Testdata(f, "oras-artifact-manifest.json")),
		plugintest.Seed(2, "/fx/art/manifests/sha256:0000000000000000000000000000000000000000000000000000000000000000", "", oci, plugintest.Testdata(f, "oras-attach-manifest.json")),
		plugintest.Seed(3, "/fx/app/blobs/uploads/", "digest=sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "", []byte("hello")),
		plugintest.Seed(3, "/fx/app/blobs/uploads/", "", "", nil),
		plugintest.Seed(5, "/fx/app/blobs/uploads/abc", "", "application/octet-stream", []byte("chunk")),
		plugintest.Seed(0, "/fx/app/tags/list", "n=2&last=a", "", nil),
		plugintest.Seed(0, "/_catalog", "n=10", "", nil),
		plugintest.Seed(0, "/fx/art/referrers/sha256:0000000000000000000000000000000000000000000000000000000000000000", "artifactType=x", "", nil),
		plugintest.Seed(0, "/token", "service=keeper&scope=repository:fx/app:pull,push", "", nil),
	}
}
