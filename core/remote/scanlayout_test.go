package remote_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
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

// TestCachedFilesAskThePluginForTheirScanLayout: Request.ScanLayout (the
// plugin's parse-metadata) chooses the layout of every fetched file, a
// mutable document's (an image manifest by tag) too: what it answers wins
// over sniffing, NoScan (a blob scanned with its image) leaves the file
// without a layout although it is an archive, and nil leaves the sniffed
// one.
func TestCachedFilesAskThePluginForTheirScanLayout(t *testing.T) {
	up := newCounting(t)
	up.set("/app/manifests/1", `{"schemaVersion":2}`)
	up.set("/app/blobs/layer.tgz", "layer bytes")
	up.set("/app/blobs/own.tgz", "a layer of an image")
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	e.svc = remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: e.fmts, Clock: e.clock,
		Upstream:   upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{}),
		ScanLayout: func(context.Context, string) []byte { return []byte(`{"unpack":"tar","mode":"rootfs"}`) }}, remote.Options{})
	asked := map[string]string{}
	get := func(path string) {
		t.Helper()
		_, err := e.svc.Get(context.Background(), remote.Request{Repo: e.repo, PluginID: "p", Path: path, LocalBase: "http://keeper.test/x/proxy",
			ScanLayout: func(_ context.Context, f ports.File) []byte {
				asked[f.Path] = f.BlobDigest
				switch {
				case strings.Contains(f.Path, "manifests"):
					return []byte(`{"unpack":"image-layout","mode":"image"}`)
				case strings.Contains(f.Path, "own"):
					return remote.NoScan
				}
				return nil
			}}, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	get("/app/manifests/1")
	get("/app/blobs/layer.tgz") // immutable (the fake classifies .tgz so)
	get("/app/blobs/own.tgz")
	if len(asked) != 3 {
		t.Fatalf("the plugin was asked about %v", asked)
	}
	scanOf := func(path string) string {
		f, err := e.files.GetFile(context.Background(), e.repo.ID, path)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Scan json.RawMessage `json:"scan"`
		}
		_ = json.Unmarshal(f.Metadata, &m)
		return string(m.Scan)
	}
	if got := scanOf("app/manifests/1"); got != `{"unpack":"image-layout","mode":"image"}` {
		t.Fatalf("manifest by tag: scan %q", got)
	}
	if got := scanOf("app/blobs/layer.tgz"); got != `{"unpack":"tar","mode":"rootfs"}` {
		t.Fatalf("layer: scan %q, want the sniffed one", got)
	}
	if got := scanOf("app/blobs/own.tgz"); got != "" {
		t.Fatalf("a blob scanned with its image: scan %q, want none", got)
	}
}
