package scan_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// TestAliasIsJudgedByItsTarget: a file whose metadata names another path as
// "alias_of" (an OCI tag file naming its manifest) is refused exactly when
// that file is, and refused under an enforcing policy when that file is gone
// or holds other content; without such a policy it passes like any file.
func TestAliasIsJudgedByItsTarget(t *testing.T) {
	e := newImageEnv(t)
	repo := e.repo(t, "mine", ports.RepoLocal)
	config := e.put(t, repo, "app/blobs/config", "config", nil)
	layer := e.put(t, repo, "app/blobs/layer", "layer", nil)
	e.manifest(t, repo, "app/manifests/sha256:m", config, layer)
	target, err := e.store.GetFile(e.ctx, repo, "app/manifests/sha256:m")
	if err != nil {
		t.Fatal(err)
	}
	alias := func(path, of, blob string) ports.File {
		f := ports.File{RepositoryID: repo, Path: path, BlobDigest: blob, Metadata: []byte(`{"alias_of":"` + of + `","served_headers":[["Docker-Content-Digest","sha256:m"]]}`)}
		if _, err := e.store.Apply(e.ctx, repo, ports.WriteSet{Puts: []ports.FilePut{{File: f, Overwrite: true}}}); err != nil {
			t.Fatal(err)
		}
		got, err := e.store.GetFile(e.ctx, repo, path)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	tag := alias("app/manifests/latest", target.Path, target.BlobDigest)
	check := func(f ports.File) string {
		t.Helper()
		err := e.svc.CheckDownload(e.ctx, ports.Subject{Username: "alice"}, f)
		var b *scan.Blocked
		if err != nil && !errors.As(err, &b) {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if b == nil {
			return ""
		}
		return b.Reason
	}
	if r := check(tag); r != "" {
		t.Fatalf("no enforcing policy, yet refused: %s", r)
	}
	if err := e.store.PutScanPolicy(e.ctx, ports.ScanPolicy{RepositoryID: repo, Enabled: true, BlockUnscanned: true}); err != nil {
		t.Fatal(err)
	}
	e.clock.add(time.Hour) // past the cached policy
	if r, rt := check(tag), check(target); r == "" || r != rt {
		t.Fatalf("unscanned: alias refused %q, its target %q", r, rt)
	}
	e.result(t, target.BlobDigest) // scanned clean
	if r := check(tag); r != "" {
		t.Fatalf("target scanned clean, alias still refused: %s", r)
	}
	gone := alias("app/manifests/old", "app/manifests/sha256:gone", target.BlobDigest)
	if r := check(gone); !strings.Contains(r, "no longer stored") {
		t.Fatalf("alias of a missing file: %q", r)
	}
	other := alias("app/manifests/other", target.Path, config)
	if r := check(other); !strings.Contains(r, "no longer stored") {
		t.Fatalf("alias holding other content than its target: %q", r)
	}
	chain := alias("app/manifests/chain", tag.Path, target.BlobDigest)
	if r := check(chain); r == "" {
		t.Fatal("an alias of an alias passed unjudged")
	}
}
