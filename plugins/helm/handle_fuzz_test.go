package helm_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/helm"
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
	for _, s := range helmSeeds(f) {
		f.Add(s.method, s.path, s.query, s.contentType, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "helm", BaseURL: "http://k/helm/r"})
		h.Caller = "alice"
		req := &sdk.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(helm.Plugin{}, h, req)
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

func helmSeeds(f *testing.F) []fuzzSeed {
	chart := fuzzFile(f, "keeper-demo-0.1.0.tgz")
	form := "--X\r\nContent-Disposition: form-data; name=\"chart\"; filename=\"keeper-demo-0.1.0.tgz\"\r\n\r\n" +
		string(chart) + "\r\n--X--\r\n"
	return []fuzzSeed{
		{2, "/charts/keeper-demo-0.1.0.tgz", "", "application/gzip", chart},
		{3, "/api/charts", "", "multipart/form-data; boundary=X", []byte(form)},
		{0, "/index.yaml", "", "", nil},
		{0, "/api/charts/keeper-demo", "", "", nil},
		{3, "/api/prov", "", "application/octet-stream", []byte("-----BEGIN PGP SIGNED MESSAGE-----\n")},
	}
}
