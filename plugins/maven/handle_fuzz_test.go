package maven_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/maven"
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
	for _, s := range mavenSeeds(f) {
		f.Add(s.method, s.path, s.query, s.contentType, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query, contentType string, body []byte) {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "maven", BaseURL: "http://k/maven/r"})
		h.Caller = "alice"
		req := &sdk.Request{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: path, RawQuery: query,
			Repo: h.RepoCtx, User: "alice", BaseURL: "http://k"}
		if contentType != "" {
			req.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
		}
		if len(body) > 0 {
			req.Body = h.Body(body)
		}
		resp, err := sdk.CallHandle(maven.Plugin{}, h, req)
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

func mavenSeeds(f *testing.F) []fuzzSeed {
	const dir = "repo/org/example/keeper/lib-snap/1.1-SNAPSHOT/"
	return []fuzzSeed{
		{2, "/org/example/keeper/lib-snap/1.1-SNAPSHOT/lib-snap-1.1-20261130.030326-1.pom", "", "", fuzzFile(f, dir+"lib-snap-1.1-20261130.030326-1.pom")},
		{2, "/org/example/keeper/lib-snap/maven-metadata.xml.sha1", "", "", fuzzFile(f, "repo/org/example/keeper/lib-snap/maven-metadata.xml.sha1")},
		{2, "/org/example/keeper/lib-snap/maven-metadata.xml", "", "", []byte("<metadata><groupId>org.example</groupId><versioning><versions><version>1</version></versions></versioning></metadata>")},
		{0, "/org/example/keeper/lib-snap/1.1-SNAPSHOT/maven-metadata.xml", "", "", nil},
		{2, "/org/x/a/1/a-1.jar", "", "", []byte("PK\x05\x06" + string(make([]byte, 18)))},
		{0, "/org/example/", "", "", nil},
	}
}
