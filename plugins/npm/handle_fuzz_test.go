package npm_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/npm"
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
	for _, s := range npmSeeds(f) {
		f.Add(s.method, s.path, s.query, s.contentType, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "npm", BaseURL: "http://k/npm/r"})
		h.Caller = "alice"
		req := &sdk.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(npm.Plugin{}, h, req)
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

func npmSeeds(f *testing.F) []fuzzSeed {
	return []fuzzSeed{
		{2, "/hello-keeper", "", "application/json", fuzzFile(f, "publish-hello.json")},
		{2, "/@kp%2futil", "", "application/json", fuzzFile(f, "publish-scoped.json")},
		{0, "/hello-keeper", "", "", nil},
		{0, "/hello-keeper/-/hello-keeper-1.0.0.tgz", "", "", nil},
		{2, "/-/package/hello-keeper/dist-tags/beta", "", "application/json", []byte(`"1.0.0"`)},
		{2, "/-/user/org.couchdb.user:bob", "", "application/json", []byte(`{"name":"bob","password":"x"}`)},
		{3, "/-/npm/v1/security/advisories/bulk", "", "application/json", []byte(`{"a":["1.0.0"]}`)},
		{0, "/-/v1/search", "text=hello&size=5", "", nil},
	}
}
