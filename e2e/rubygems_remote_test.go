package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestRubyGemsRemote installs gems with the real gem through a remote
// RubyGems repository of one keeper whose upstream is a private repository
// of a second keeper, from an empty GEM_HOME, then through a virtual
// repository of a local repository and that remote, and compares bytes.
func TestRubyGemsRemote(t *testing.T) {
	t.Parallel()
	makeGem := gemTools(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	mkdirs(t, src)
	pub := newGemRun(t, filepath.Join(dir, "pub"))
	pub.must(src, "sh", makeGem, src, "keeper_dep", "0.2.0")
	pub.must(src, "sh", makeGem, src, "keeper_demo", "1.0.0", "keeper_dep")
	pub.must(src, "sh", makeGem, src, "keeper_local", "3.0.0", "keeper_dep")

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "gems", Format: "rubygems"})
	pub.env = append(pub.env, "GEM_HOST_API_KEY="+up.APIToken("gem", "read:artifacts", "write:artifacts"))
	for _, g := range []string{"keeper_dep-0.2.0.gem", "keeper_demo-1.0.0.gem"} {
		pub.must(src, "gem", "push", "--host", up.URL+"/gems/gems", g)
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "gemproxy", Format: "rubygems", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/gems/gems", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})

	install := func(name, repo, gem string) gemRun {
		g := newGemRun(t, filepath.Join(dir, name))
		g.must(g.dir, "gem", "install", "--clear-sources", "--source", px.URL+"/gems/"+repo+"/", gem)
		return g
	}
	same := func(g gemRun, file string) {
		t.Helper()
		want, _ := os.ReadFile(filepath.Join(src, file))
		got, err := os.ReadFile(filepath.Join(g.dir, "gemhome", "cache", file))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s through the proxy: %v (%d bytes, want the published %d)", file, err, len(got), len(want))
		}
	}
	g := install("remote", "gemproxy", "keeper_demo")
	same(g, "keeper_demo-1.0.0.gem")
	same(g, "keeper_dep-0.2.0.gem")
	if out := g.must(g.dir, "gem", "list", "-r", "--clear-sources", "--source", px.URL+"/gems/gemproxy/", "keeper"); !strings.Contains(out, "keeper_demo (1.0.0)") {
		t.Fatalf("gem list -r through the proxy: %s", out)
	}

	// bundler through the remote: the compact index (/versions, /info) is
	// served with the upstream's ETag, which bundler checks is the MD5.
	app := filepath.Join(dir, "bundler-app")
	mkdirs(t, app)
	if err := os.WriteFile(filepath.Join(app, "Gemfile"), []byte("source \""+px.URL+"/gems/gemproxy/\"\ngem \"keeper_demo\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bun := newGemRun(t, filepath.Join(dir, "bundler"))
	bun.env = append(bun.env, "BUNDLE_PATH="+filepath.Join(app, "vendor"), "BUNDLE_GEMFILE="+filepath.Join(app, "Gemfile"))
	if out := bun.must(app, "bundle", "install"); !strings.Contains(out, "Installing keeper_demo 1.0.0") {
		t.Fatalf("bundle install through the remote: %s", out)
	}
	if cached, _ := filepath.Glob(filepath.Join(dir, "bundler", "bundle-home", "cache", "compact_index", "*", "info", "keeper_demo")); len(cached) != 1 {
		t.Fatal("bundler did not use the compact index through the remote")
	}

	t.Run("virtual", func(t *testing.T) {
		px.CreateRepo(harness.Repo{Key: "gemlocal", Format: "rubygems", Public: true})
		px.CreateRepo(harness.Repo{Key: "gemall", Format: "rubygems", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "gemlocal", "priority": 1}, {"repo_key": "gemproxy", "priority": 2}}})
		pushEnv := newGemRun(t, filepath.Join(dir, "pub2"))
		pushEnv.env = append(pushEnv.env, "GEM_HOST_API_KEY="+px.APIToken("gem-local", "read:artifacts", "write:artifacts"))
		pushEnv.must(src, "gem", "push", "--host", px.URL+"/gems/gemlocal", "keeper_local-3.0.0.gem")
		if r, _ := px.Call("GET", "/gems/gemall/specs.4.8.gz", nil); r == nil || r.Status != 200 {
			t.Fatalf("merged specs.4.8.gz: %v", r)
		}
		// keeper_local (local member) depends on keeper_dep (remote member).
		v := install("virtual", "gemall", "keeper_local")
		same(v, "keeper_local-3.0.0.gem")
		same(v, "keeper_dep-0.2.0.gem")
		list := v.must(v.dir, "gem", "list", "-r", "--clear-sources", "--source", px.URL+"/gems/gemall/", "keeper")
		for _, want := range []string{"keeper_demo (1.0.0)", "keeper_dep (0.2.0)", "keeper_local (3.0.0)"} {
			if !strings.Contains(list, want) {
				t.Fatalf("gem list -r of the virtual repository lacks %s:\n%s", want, list)
			}
		}
	})
}
