package dispatch_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// storeDoc stores body at path in repo with metadata, as a plugin's write
// would.
func storeDoc(t *testing.T, e *env, repo, path, body, metadata string) {
	t.Helper()
	ctx := context.Background()
	b, err := e.blobs.Put(ctx, strings.NewReader(body), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f := ports.File{Path: path, BlobDigest: b.Digest, Size: b.Size, ContentType: "application/json", Metadata: []byte(metadata)}
	if _, err := e.files.Apply(ctx, e.repoID(repo), ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: true}}}); err != nil {
		t.Fatal(err)
	}
}

// TestFastPathServedBase: a stored document whose metadata names the
// repository URL it was written for ("served_base") is served by the fast
// path only to requests that reach the repository at that URL, directly or
// through a virtual repository, and one that names a file it is derived
// from ("served_while") only while that file is stored; any other request,
// and one whose metadata cannot be read, goes to the plugin as if nothing
// were stored.
func TestFastPathServedBase(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a")
	storeDoc(t, e, "pub", "same.json", "same", `{"served_base":"http://keeper.test/demo/pub"}`)
	storeDoc(t, e, "pub", "other.json", "other", `{"served_base":"http://elsewhere.test/demo/pub"}`)
	storeDoc(t, e, "pub", "broken.json", "broken", `{"served_base":1}`)
	storeDoc(t, e, "pub", "plain.json", "plain", `{"x":1}`)
	storeDoc(t, e, "a", "same.json", "member", `{"served_base":"http://keeper.test/demo/a"}`)
	storeDoc(t, e, "a", "virt.json", "as virt", `{"served_base":"http://keeper.test/demo/virt"}`)
	storeDoc(t, e, "pub", "pkg.zip", "zip", "")
	storeDoc(t, e, "pub", "sums", "sums of pkg.zip", `{"served_while":"pkg.zip"}`)
	storeDoc(t, e, "pub", "gone-sums", "sums of gone.zip", `{"served_while":"gone.zip"}`)
	storeDoc(t, e, "a", "sums", "member sums", `{"served_while":"gone.zip","served_base":"http://keeper.test/demo/a"}`)

	for _, c := range []struct {
		target, body string
		calls        int64
	}{
		{"/demo/pub/same.json", "same", 0},
		{"/demo/pub/plain.json", "plain", 0},
		{"/demo/pub/other.json", "plugin: no /other.json", 1},
		{"/demo/pub/broken.json", "plugin: no /broken.json", 1},
		{"/demo/a/same.json", "member", 0},
		// Through the virtual: the member's own URL is the one its plugin
		// would have written; a document written for another is not served.
		{"/demo/virt/same.json", "member", 0},
		{"/demo/virt/virt.json", "not found in virt", 1},
		// Derived from a file: served while it is stored.
		{"/demo/pub/sums", "sums of pkg.zip", 0},
		{"/demo/pub/gone-sums", "plugin: no /gone-sums", 1},
		{"/demo/virt/sums", "not found in virt", 1},
	} {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			calls := e.rt.Calls.Load()
			w := e.do(nil, m, c.target, nil)
			got := e.rt.Calls.Load() - calls
			if got != c.calls {
				t.Fatalf("%s %s: %d plugin calls, want %d", m, c.target, got, c.calls)
			}
			if m == http.MethodGet && !strings.Contains(w.Body.String(), c.body) {
				t.Fatalf("GET %s: %d %q, want %q", c.target, w.Code, w.Body.String(), c.body)
			}
		}
	}
}
