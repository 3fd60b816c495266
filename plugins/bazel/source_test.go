package bazel_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// randomModule is a module name, a version and a source archive declaring
// them, with or without a top-level directory (strip_prefix).
func randomModule(r *rand.Rand) (name, version string, archive []byte) {
	const lower, alnum = "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789._-"
	n := []byte{lower[r.IntN(len(lower))]}
	for i := r.IntN(20); i > 0; i-- {
		n = append(n, alnum[r.IntN(len(alnum))])
	}
	name = string(append(n, "z0"[r.IntN(2)]))
	version = fmt.Sprintf("%d.%d.%d", r.IntN(30), r.IntN(300), r.IntN(3000))
	switch r.IntN(4) {
	case 0:
		version += ".bcr." + fmt.Sprint(r.IntN(9))
	case 1:
		version += "-rc." + fmt.Sprint(r.IntN(9))
	case 2:
		version += "+build.7"
	}
	if r.IntN(3) == 0 {
		archive = targz(map[string]string{"MODULE.bazel": "module(name = \"" + name + "\", version = \"" + version + "\")\n", "BUILD": ""})
		return name, version, archive
	}
	return name, version, moduleArchive(name, version)
}

// TestStoredSourceMatchesRender: the source.json a publish stores is, byte
// for byte, what a GET of it renders for the same version at the same
// repository URL, and is filed under the version, with that URL as
// served_base (300 generated modules, repository URLs with ports, escapes
// and a trailing slash).
func TestStoredSourceMatchesRender(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	bases := []string{base, "https://keeper.example:8443/bazel/bzl", "http://127.0.0.1:1/bazel/a%20b", "http://k/bazel/r/",
		"http://[::1]:8080/bazel/%C3%A9t%C3%A9"}
	for round := 0; round < 300; round++ {
		b := bases[round%len(bases)]
		h := fakehost.New(&sdk.RepoContext{Key: "bzl", Kind: "local", Format: "bazel", BaseURL: b})
		name, version, archive := randomModule(r)
		req := &sdk.Request{Method: "PUT", Path: "/modules/" + name + "/" + version + "/archive", Repo: h.RepoCtx, User: "u", Body: h.Body(archive)}
		if resp := fakehost.Serve(bazel.Plugin{}, h, req); resp.Status != 201 {
			t.Fatalf("round %d: publish %s@%s: %d %s", round, name, version, resp.Status, resp.Bytes)
		}
		p := "modules/" + name + "/" + version + "/source.json"
		f, ok := h.Files[p]
		if !ok {
			t.Fatalf("round %d: %s not stored", round, p)
		}
		rendered := fakehost.Serve(bazel.Plugin{}, h, &sdk.Request{Method: "GET", Path: "/" + p, Repo: h.RepoCtx})
		if rendered.Status != 200 || !bytes.Equal(h.Blobs[f.BlobDigest], rendered.Bytes) {
			t.Fatalf("round %d: stored\n%s\nrendered (%d)\n%s", round, h.Blobs[f.BlobDigest], rendered.Status, rendered.Bytes)
		}
		if f.ContentType != "application/json" || f.Package != name || f.Version != version ||
			string(f.Metadata) != `{"served_base":"`+b+`"}` {
			t.Fatalf("round %d: stored as %+v", round, f)
		}
	}
}

// refuseAll is a download gate that refuses every stored file.
type refuseAll struct{}

func (refuseAll) CheckDownload(context.Context, ports.Subject, ports.File) error { return refusal{} }

type refusal struct{}

func (refusal) Error() string   { return "refused" }
func (refusal) Refusal() string { return "refused by policy" }

// TestSourceTakesTheFastPath: through the host's dispatcher, a GET or HEAD
// of a published version's source.json is answered from the stored
// document with no plugin call, with the bytes and content type the plugin
// renders; read permission and the download gate apply as to any stored
// file; the document adds no package or version.
func TestSourceTakesTheFastPath(t *testing.T) {
	s := plugintest.NewServer(t, bazel.Plugin{}, nil, "bzl")
	archive := moduleArchive("demo", "1.2.0")
	if a := s.Do(nil, "PUT", "/modules/demo/1.2.0/archive", archive); a.Status != 201 {
		t.Fatalf("publish: %d %s", a.Status, a.Body)
	}
	calls := s.Calls()
	got := s.Do(nil, "GET", "/modules/demo/1.2.0/source.json", nil)
	head := s.Do(nil, "HEAD", "/modules/demo/1.2.0/source.json", nil)
	query := s.Do(nil, "GET", "/modules/demo/1.2.0/source.json?x=1", nil)
	if n := s.Calls() - calls; n != 0 || !got.Stored || !head.Stored || !bytes.Equal(query.Body, got.Body) {
		t.Fatalf("%d plugin calls for GET, HEAD and GET?x=1; stored %v %v", n, got.Stored, head.Stored)
	}
	if got.Status != 200 || got.Headers["Content-Type"] != "application/json" ||
		!strings.Contains(string(got.Body), `"url": "`+plugintest.ServerBaseURL+`/bazel/bzl/archives/demo/1.2.0/demo-1.2.0.tar.gz"`) {
		t.Fatalf("GET: %d %v %s", got.Status, got.Headers, got.Body)
	}
	// The plugin's own answer, once the stored document is gone.
	if _, err := s.Files.Apply(context.Background(), s.Repo.ID, ports.WriteSet{Deletes: []string{"modules/demo/1.2.0/source.json"}}); err != nil {
		t.Fatal(err)
	}
	rendered := s.Do(nil, "GET", "/modules/demo/1.2.0/source.json", nil)
	if rendered.Stored || s.Calls()-calls != 1 || !bytes.Equal(rendered.Body, got.Body) || rendered.Headers["Content-Type"] != "application/json" {
		t.Fatalf("rendered (stored %v, %d calls): %v %s, stored document %s", rendered.Stored, s.Calls()-calls, rendered.Headers, rendered.Body, got.Body)
	}

	// Packages and versions: the module and its one version, nothing more.
	if a := s.Do(nil, "PUT", "/modules/demo/1.3.0/archive", moduleArchive("demo", "1.3.0")); a.Status != 201 {
		t.Fatalf("publish: %d %s", a.Status, a.Body)
	}
	ps, _ := s.Files.ListPackages(context.Background(), s.Repo.ID, "", "", 100)
	vs, _ := s.Files.ListVersions(context.Background(), s.Repo.ID, "demo", "", 100)
	if len(ps) != 1 || len(vs) != 2 {
		t.Fatalf("packages %v, versions %v", ps, vs)
	}
	if md := s.Do(nil, "GET", "/modules/demo/metadata.json", nil); !strings.Contains(string(md.Body), "\"1.2.0\",\n    \"1.3.0\"\n") {
		t.Fatalf("metadata.json %s", md.Body)
	}

	// A private repository: an anonymous read is refused before any file
	// or plugin is read.
	if _, err := s.Repos.UpdateRepository(context.Background(), "bzl", func(r *ports.Repository) error { r.IsPublic = false; return nil }); err != nil {
		t.Fatal(err)
	}
	calls = s.Calls()
	for _, m := range []string{"GET", "HEAD"} {
		if a := s.Do(&ports.Subject{Anonymous: true}, m, "/modules/demo/1.3.0/source.json", nil); a.Status != 401 || len(a.Body) > 0 && bytes.Contains(a.Body, []byte("integrity")) {
			t.Fatalf("anonymous %s of a private repository: %d %s", m, a.Status, a.Body)
		}
	}
	// The download gate judges the stored document as any stored file.
	s.D.UseGate(refuseAll{})
	if a := s.Do(nil, "GET", "/modules/demo/1.3.0/source.json", nil); a.Status != 403 {
		t.Fatalf("a refusing gate: %d %s", a.Status, a.Body)
	}
	if s.Calls() != calls {
		t.Fatal("refused reads called the plugin")
	}
}
