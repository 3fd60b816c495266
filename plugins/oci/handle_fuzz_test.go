package oci_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/oci"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// fuzzMethods are the methods FuzzHandle picks from.
var fuzzMethods = []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"}

// fuzzSeed is one request of FuzzHandle's seed corpus.
type fuzzSeed struct {
	method      uint8 // index into fuzzMethods
	path, query string
	contentType string
	body        []byte
}

func fuzzFile(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzHandle sends arbitrary requests (method, path, query, Content-Type,
// body), seeded with what real clients sent (testdata), through the native
// plugin against a fake host. The plugin must never panic and never answer
// a server error: malformed input is the client's fault, a 4xx.
func FuzzHandle(f *testing.F) {
	for _, s := range ociSeeds(f) {
		f.Add(s.method, s.path, s.query, s.contentType, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "oci", BaseURL: "http://k/v2/r"})
		h.Caller = "alice"
		req := &sdk.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(oci.Plugin{}, h, req)
		if err != nil {
			if e := sdk.AsError(err); e.Status >= 500 {
				t.Fatalf("%s %s?%s: %d %s", req.Method, path, query, e.Status, e.Message)
			}
			return
		}
		if resp.Status >= 500 {
			t.Fatalf("%s %s?%s: %d %s", req.Method, path, query, resp.Status, resp.Bytes)
		}
	})
}

func ociSeeds(f *testing.F) []fuzzSeed {
	const oci = "application/vnd.oci.image.manifest.v1+json"
	return []fuzzSeed{
		{2, "/fx/oci/manifests/1", "", oci, fuzzFile(f, "crane-oci-manifest.json")},
		{2, "/fx/docker/manifests/1", "", "application/vnd.docker.distribution.manifest.v2+json", fuzzFile(f, "crane-docker-manifest.json")},
		{2, "/fx/art/manifests/v1", "", oci, fuzzFile(f, "oras-artifact-manifest.json")},
		{2, "/fx/art/manifests/sha256:0000000000000000000000000000000000000000000000000000000000000000", "", oci, fuzzFile(f, "oras-attach-manifest.json")},
		{3, "/fx/app/blobs/uploads/", "digest=sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "", []byte("hello")},
		{3, "/fx/app/blobs/uploads/", "", "", nil},
		{5, "/fx/app/blobs/uploads/abc", "", "application/octet-stream", []byte("chunk")},
		{0, "/fx/app/tags/list", "n=2&last=a", "", nil},
		{0, "/_catalog", "n=10", "", nil},
		{0, "/fx/art/referrers/sha256:0000000000000000000000000000000000000000000000000000000000000000", "artifactType=x", "", nil},
		{0, "/token", "service=keeper&scope=repository:fx/app:pull,push", "", nil},
	}
}
