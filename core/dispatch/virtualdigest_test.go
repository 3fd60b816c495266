package dispatch_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// digestFormats classifies every path with ".meta" in it as metadata.
type digestFormats struct{ mergingFormats }

func (digestFormats) Classify(_ context.Context, _, _, path string) (ports.CacheClass, error) {
	if strings.Contains(path, ".meta") {
		return ports.CacheMutable, nil
	}
	return ports.CacheImmutable, nil
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestVirtualDigestOfMergedDocument: the checksum sidecar of a merged
// document is computed from the merged bytes, not taken from a member;
// a document whose name merely ends like a sidecar, and whose members
// answer documents, is merged as usual.
func TestVirtualDigestOfMergedDocument(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a", "b")
	var merges atomic.Int64
	e.d.UseVirtual(digestFormats{mergingFormats{merges: &merges}})
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Method != http.MethodGet || req.Repo == nil {
			return e.handle(ctx, req, h)
		}
		doc := "doc-" + req.Repo.Key
		switch req.Path {
		case "/x.meta":
			return ports.FormatResponse{Status: 200, Body: []byte(doc)}, nil
		case "/x.meta.sha1":
			return ports.FormatResponse{Status: 200, Body: []byte(sha1Hex(doc) + "  x.meta\n")}, nil
		case "/pkg.meta.sha1":
			return ports.FormatResponse{Status: 200, Body: []byte(`{"name":"pkg.meta.sha1","from":"` + req.Repo.Key + `"}`)}, nil
		}
		return ports.FormatResponse{Status: 404}, nil
	})
	if code, body := get(e, nil, "/demo/virt/x.meta"); code != 200 || body != "doc-a + doc-b" {
		t.Fatalf("merged document: %d %q", code, body)
	}
	if code, body := get(e, nil, "/demo/virt/x.meta.sha1"); code != 200 || body != sha1Hex("doc-a + doc-b") {
		t.Fatalf("digest of the merged document: %d %q, want %s", code, body, sha1Hex("doc-a + doc-b"))
	}
	if code, body := get(e, nil, "/demo/virt/pkg.meta.sha1"); code != 200 || !strings.Contains(body, `"from":"a"} + {`) {
		t.Fatalf("a document named like a sidecar: %d %q", code, body)
	}
}
