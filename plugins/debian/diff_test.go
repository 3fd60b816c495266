package debian_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/debian"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// TestNativeMatchesWasm runs refused uploads and reads through the native
// plugin and the .wasm on adapters/wasm (whose host reads the archives),
// each against its own in-memory host, and requires identical outcomes and
// no writes. Successful uploads are left out: their Release carries the
// time of the call, so the two runs' writes differ by their Date line.
func TestNativeMatchesWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	d := plugintest.New(t, "debian", debian.Plugin{}, ".", ports.PluginLimits{CallTimeout: 120 * time.Second})
	d.Repo = &ports.RepoContext{Key: "apt", Type: "local", Format: "debian", BaseURL: "http://h/debian/apt"}
	d.User = "alice"
	// tar.gz members are read by different host implementations natively
	// (sdk/go/fakehost) and in wasm (adapters/wasm): compare the finding's start.
	d.SameMessage = func(a, b string) bool { return strings.SplitN(a, ":", 2)[0] == strings.SplitN(b, ":", 2)[0] }
	good := makeDeb(controlText("hello", "1.0", "amd64"))
	up := func(path, query string, b []byte) ports.FormatRequest {
		m := "POST"
		if path != "/upload" {
			m = "PUT"
		}
		return ports.FormatRequest{Method: m, Path: path, RawQuery: query, Body: d.Body(b)}
	}
	d.Run([]ports.FormatRequest{
		up("/upload", "", good[:len(good)-40]),
		up("/upload", "", []byte("not an ar archive")),
		up("/upload", "", makeDeb("Package: hello\nPackage: evil\nVersion: 1\nArchitecture: amd64\n")),
		up("/upload", "", makeDeb(controlText("Bad Name", "1.0", "amd64"))),
		up("/pool/main/h/hello/hello_2.0_amd64.deb", "", good),
		up("/pool/main/../x/hello_1.0_amd64.deb", "", good),
		up("/upload", "distribution=../x", good),
		{Method: "GET", Path: "/gpg-key.asc"},
		{Method: "GET", Path: "/dists/stable/InRelease"},
		{Method: "DELETE", Path: "/pool/x.deb"},
	})
}
