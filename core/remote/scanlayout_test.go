package remote_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
)

// TestCachedFilesCarryTheirScanLayout: an immutable file cached from the
// upstream records the layout Deps.ScanLayout chose from its content as
// the metadata's "scan" member (so it is queued and gated like an upload);
// mutable documents are not asked about and carry none.
func TestCachedFilesCarryTheirScanLayout(t *testing.T) {
	up := newCounting(t)
	up.set("/pkg/-/pkg-1.0.0.tgz", "tarball bytes")
	up.set("/pkg", `{"name":"pkg"}`)
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	var asked []string
	e.svc = remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: e.fmts, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{}),
		ScanLayout: func(_ context.Context, digest string) []byte {
			asked = append(asked, digest)
			return []byte(`{"unpack":"tar.gz","mode":"rootfs"}`)
		}}, remote.Options{})
	res := e.mustGet(t, "/pkg/-/pkg-1.0.0.tgz", "tarball bytes")
	e.mustGet(t, "/pkg", `{"name":"pkg"}`)
	if len(asked) != 1 || asked[0] != res.File.BlobDigest {
		t.Fatalf("layout asked for %v, want only the tarball %s", asked, res.File.BlobDigest)
	}
	scanOf := func(path string) string {
		f, err := e.files.GetFile(context.Background(), e.repo.ID, path)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Scan   json.RawMessage `json:"scan"`
			Remote json.RawMessage `json:"remote"`
		}
		if err := json.Unmarshal(f.Metadata, &m); err != nil || m.Remote == nil {
			t.Fatalf("%s metadata %s: %v", path, f.Metadata, err)
		}
		return string(m.Scan)
	}
	if got := scanOf("pkg/-/pkg-1.0.0.tgz"); got != `{"unpack":"tar.gz","mode":"rootfs"}` {
		t.Fatalf("tarball scan layout %q", got)
	}
	if got := scanOf("pkg"); got != "" {
		t.Fatalf("document scan layout %q, want none", got)
	}
}
