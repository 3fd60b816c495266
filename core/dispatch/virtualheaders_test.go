package dispatch_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestVirtualReplaysMembersRecordedHeaders: a member's stored file served
// through a virtual repository carries the headers recorded with it, as
// the member's own fast path sends them (an OCI manifest pulled by tag or
// digest through a virtual keeps Docker-Content-Digest).
func TestVirtualReplaysMembersRecordedHeaders(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a")
	ctx := context.Background()
	b, err := e.blobs.Put(ctx, strings.NewReader("manifest bytes"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f := ports.File{Path: "app/manifests/1", BlobDigest: b.Digest, Size: b.Size, ContentType: "application/x-demo",
		Metadata: []byte(`{"served_headers":[["X-Content-Digest","sha256:abc"]]}`)}
	if _, err := e.files.Apply(ctx, e.repoID("a"), ports.WriteSet{Puts: []ports.FilePut{{File: f}}}); err != nil {
		t.Fatal(err)
	}
	calls := e.rt.Calls.Load()
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		w := e.do(nil, m, "/demo/virt/app/manifests/1", nil)
		wantStatus(t, w, 200)
		if w.Header().Get("X-Content-Digest") != "sha256:abc" {
			t.Fatalf("%s through the virtual: headers %v", m, w.Header())
		}
	}
	if e.rt.Calls.Load() != calls {
		t.Fatal("a stored file of a member called the plugin")
	}
}
