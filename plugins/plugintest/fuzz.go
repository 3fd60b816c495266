package plugintest

import (
	"os"
	"path/filepath"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// FuzzMethods are the methods FuzzHandle picks from (FuzzSeed.Method
// indexes them).
var FuzzMethods = []string{"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"}

// FuzzSeed is one request of a FuzzHandle seed corpus.
type FuzzSeed struct {
	Method      uint8 // index into FuzzMethods
	Path, Query string
	ContentType string
	Body        []byte
}

// Seed builds a FuzzSeed.
func Seed(method uint8, path, query, contentType string, body []byte) FuzzSeed {
	return FuzzSeed{Method: method, Path: path, Query: query, ContentType: contentType, Body: body}
}

// Testdata reads testdata/name of the calling package, failing tb when it
// cannot.
func Testdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzHandle sends arbitrary requests (method, path, query, Content-Type,
// body), seeded with seeds (what real clients sent), through plugin p run
// natively against the SDK's fake host for a local repository "r" of
// format at baseURL, by user "alice". The plugin must never panic and never
// answer a server error: malformed input is the client's fault, a 4xx.
func FuzzHandle(f *testing.F, p sdk.Plugin, format, baseURL string, seeds []FuzzSeed) {
	for _, s := range seeds {
		f.Add(s.Method, s.Path, s.Query, s.ContentType, s.Body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: format, BaseURL: baseURL})
		h.Caller = "alice"
		req := &sdk.Request{Method: FuzzMethods[int(method)%len(FuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(p, h, req)
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
