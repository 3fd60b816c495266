package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// gemTools finds gem and bundle and returns the script that builds test
// gems with the real `gem build`.
func gemTools(t *testing.T) (makeGem string) {
	for _, c := range []string{"ruby", "gem", "bundle"} {
		if _, err := exec.LookPath(c); err != nil {
			harness.MissingClient(t, "%s is not on PATH (apt-get install ruby bundler)", c)
		}
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "plugins", "rubygems", "testdata", "make_gem.sh")
}

// gemRun runs Ruby clients with an isolated HOME and GEM_HOME.
type gemRun struct {
	t   *testing.T
	env []string
	dir string
}

func newGemRun(t *testing.T, dir string, vars ...string) gemRun {
	home := filepath.Join(dir, "home")
	mkdirs(t, home)
	var env []string
	for _, kv := range clientEnv(home, vars...) {
		if !strings.HasPrefix(kv, "GEM_") && !strings.HasPrefix(kv, "BUNDLE_") && !strings.HasPrefix(kv, "RUBY") {
			env = append(env, kv)
		}
	}
	env = append(env, "GEM_HOME="+filepath.Join(dir, "gemhome"), "GEM_PATH="+filepath.Join(dir, "gemhome"),
		"GEM_SPEC_CACHE="+filepath.Join(dir, "specs"), "BUNDLE_USER_HOME="+filepath.Join(dir, "bundle-home"))
	return gemRun{t: t, env: env, dir: dir}
}

func (g gemRun) run(dir string, args ...string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, g.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (g gemRun) must(dir string, args ...string) string {
	g.t.Helper()
	out, err := g.run(dir, args...)
	if err != nil {
		g.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestRubyGems publishes with the real gem (the README's block), then
// installs with gem and with bundler (compact index) from empty caches and
// isolated homes with Keeper as the only source, and compares bytes; it
// checks the refusals in the clients' terms and yank.
func TestRubyGems(t *testing.T) {
	t.Parallel()
	makeGem := gemTools(t)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "gems", Format: "rubygems"})
	token := k.APIToken("gem", "read:artifacts", "write:artifacts", "delete:artifacts")
	host := strings.TrimPrefix(k.URL, "http://")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	mkdirs(t, src)
	pub := newGemRun(t, filepath.Join(dir, "pub"), "K="+host, "REPO=gems", "T="+token)
	pub.must(src, "sh", makeGem, src, "keeper_dep", "0.2.0")
	pub.must(src, "sh", makeGem, src, "keeper_demo", "1.0.0", "keeper_dep")
	pub.must(src, "sh", makeGem, src, "keeper_demo", "1.1.0.pre1", "keeper_dep")

	// Anonymous push: 401 before anything is read.
	body, _ := os.ReadFile(filepath.Join(src, "keeper_dep-0.2.0.gem"))
	if r, _ := k.Call("POST", "/gems/gems/api/v1/gems", bytes.NewReader(body), "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous push: %v, want 401", r)
	}

	// The README's publish block, once per gem.
	for _, g := range []string{"keeper_dep-0.2.0.gem", "keeper_demo-1.0.0.gem", "keeper_demo-1.1.0.pre1.gem"} {
		snip := newGemRun(t, filepath.Join(dir, "pub"), "K="+host, "REPO=gems", "T="+token, "GEMFILE="+g)
		if out := runSnippet(t, "gem-publish", src, snip.env); !strings.Contains(out, "Successfully registered gem") {
			t.Fatalf("gem push %s: %s", g, out)
		}
	}
	// Republish: gem push fails with the server's message.
	out, err := pub.run(src, "gem", "push", "--key", "keeper", "--host", k.URL+"/gems/gems", "keeper_demo-1.0.0.gem")
	if err == nil || !strings.Contains(out, "Repushing of gem versions is not allowed") {
		t.Fatalf("republish: %v\n%s", err, out)
	}
	// Unknown gem: 404.
	k.Expect(http.StatusNotFound, "GET", "/gems/gems/info/nothing", nil, "Authorization", token)

	// gem install (the README's consume block) from an empty GEM_HOME: the
	// dependency resolves too, and the cached .gem files are the pushed ones.
	inst := newGemRun(t, filepath.Join(dir, "inst"), "K="+host, "REPO=gems", "T="+token, "PKG=keeper_demo")
	runSnippet(t, "gem-consume", inst.dir, inst.env)
	for _, g := range []string{"keeper_demo-1.0.0.gem", "keeper_dep-0.2.0.gem"} {
		want, _ := os.ReadFile(filepath.Join(src, g))
		got, err := os.ReadFile(filepath.Join(inst.dir, "gemhome", "cache", g))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("installed %s: %v (%d bytes, want %d)", g, err, len(got), len(want))
		}
	}
	if out := inst.must(inst.dir, "ruby", "-e", `require "keeper_demo"; print KeeperMark::VAL`); out != "keeper_demo-1.0.0" {
		t.Fatalf("the installed gem does not load: %q", out)
	}
	// gem list -r reads specs.4.8.gz and prerelease_specs.4.8.gz (Marshal).
	source := "http://admin:" + token + "@" + host + "/gems/gems/"
	list := inst.must(inst.dir, "gem", "list", "-r", "-a", "--clear-sources", "--source", source, "keeper")
	if !strings.Contains(list, "keeper_demo (1.0.0)") || !strings.Contains(list, "keeper_dep (0.2.0)") {
		t.Fatalf("gem list -r: %s", list)
	}
	if pre := inst.must(inst.dir, "gem", "list", "-r", "--prerelease", "--clear-sources", "--source", source, "keeper_demo"); !strings.Contains(pre, "1.1.0.pre1") {
		t.Fatalf("gem list -r --prerelease: %s", pre)
	}

	// bundler (the README's block): compact index (/versions, /info) from an
	// empty cache, gems installed into a private path.
	app := filepath.Join(dir, "app")
	mkdirs(t, app)
	bun := newGemRun(t, filepath.Join(dir, "bundler"), "K="+host, "REPO=gems", "T="+token, "PKG=keeper_demo")
	bun.env = append(bun.env, "BUNDLE_PATH="+filepath.Join(app, "vendor"), "BUNDLE_GEMFILE="+filepath.Join(app, "Gemfile"))
	out = runSnippet(t, "bundler-consume", app, bun.env)
	if !strings.Contains(out, "Installing keeper_demo 1.0.0") || !strings.Contains(out, "Installing keeper_dep 0.2.0") {
		t.Fatalf("bundle install: %s", out)
	}
	cached, _ := filepath.Glob(filepath.Join(dir, "bundler", "bundle-home", "cache", "compact_index", "*", "info", "keeper_demo"))
	if len(cached) != 1 {
		t.Fatalf("bundler did not use the compact index (no cached info/keeper_demo)")
	}
	lock, _ := os.ReadFile(filepath.Join(app, "Gemfile.lock"))
	if !strings.Contains(string(lock), "keeper_demo (1.0.0)") {
		t.Fatalf("Gemfile.lock: %s", lock)
	}
	// A second run revalidates the compact index (ETag = MD5) and installs nothing.
	if out := bun.must(app, "bundle", "install"); !strings.Contains(out, "Bundle complete") {
		t.Fatalf("second bundle install: %s", out)
	}

	// Yank: the version leaves the indexes; gem picks the remaining one.
	out = pub.must(src, "gem", "yank", "keeper_demo", "-v", "1.0.0", "--key", "keeper", "--host", k.URL+"/gems/gems")
	if !strings.Contains(out, "Successfully deleted gem") {
		t.Fatalf("gem yank: %s", out)
	}
	v := k.Expect(http.StatusOK, "GET", "/gems/gems/versions", nil, "Authorization", token)
	if strings.Contains(string(v.Body), "keeper_demo 1.0.0") || !strings.Contains(string(v.Body), "keeper_demo 1.1.0.pre1 ") {
		t.Fatalf("/versions after yank:\n%s", v.Body)
	}
}
