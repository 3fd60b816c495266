package pypi_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/pypi"
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
	for _, s := range pypiSeeds(f) {
		f.Add(s.method, s.path, s.query, s.contentType, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "pypi", BaseURL: "http://k/pypi/r"})
		h.Caller = "alice"
		req := &sdk.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(pypi.Plugin{}, h, req)
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

func pypiSeeds(f *testing.F) []fuzzSeed {
	var out []fuzzSeed
	for _, name := range []string{"keeper_demo-1.0.0-py3-none-any.whl", "keeper_demo-1.0.0.tar.gz"} {
		ct := string(fuzzFile(f, "uploads/"+name+".content-type"))
		out = append(out, fuzzSeed{3, "/", "", ct, fuzzFile(f, "uploads/"+name+".body")})
	}
	return append(out,
		fuzzSeed{0, "/simple/", "", "", nil},
		fuzzSeed{0, "/simple/keeper-demo/", "", "application/vnd.pypi.simple.v1+json", nil},
		fuzzSeed{0, "/pypi/keeper-demo/json", "", "", nil},
		fuzzSeed{3, "/yank", "", "application/x-www-form-urlencoded", []byte("name=keeper-demo&version=1.0.0")},
	)
}
