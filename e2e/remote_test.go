package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestRemoteRepositories installs with the real npm client through a remote
// repository of one keeper whose upstream is a private npm repository of a
// second keeper (reached with an upstream token), starting from an empty
// cache, and checks the tarballs are the upstream's byte for byte.
func TestRemoteRepositories(t *testing.T) {
	t.Parallel()
	requireClients(t, "npm", "npm")
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "plugins", "npm", "testdata", "src")

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "js", Format: "npm"})
	pub := newNpmEnv(t, up, "js")
	pub.writeRC(up.APIToken("publisher"))
	work := t.TempDir()
	for _, p := range []string{"hello", "util"} {
		copyTree(t, filepath.Join(src, p), filepath.Join(work, p))
		pub.must(filepath.Join(work, p), "npm", "publish", "--access", "public")
	}
	readToken := up.APIToken("proxy", "read:artifacts")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "jsproxy", Format: "npm", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/npm/js", Config: map[string]string{"upstream_token": readToken}})
	r := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/jsproxy", nil)
	if strings.Contains(string(r.Body), readToken) {
		t.Fatal("the upstream token is shown back by the API")
	}

	e := newNpmEnv(t, px, "jsproxy")
	e.writeRC("")
	install := func() string {
		proj := t.TempDir()
		if err := os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644); err != nil {
			t.Fatal(err)
		}
		e.must(proj, "npm", "install", "--no-audit", "@kp/util@2.0.0")
		sameFiles(t, filepath.Join(src, "util"), filepath.Join(proj, "node_modules", "@kp", "util"))
		sameFiles(t, filepath.Join(src, "hello"), filepath.Join(proj, "node_modules", "hello-keeper"))
		return proj
	}
	proj := install()

	// The lock file resolves through the proxy, with the upstream's integrity.
	var lock struct {
		Packages map[string]struct {
			Resolved  string `json:"resolved"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	b, _ := os.ReadFile(filepath.Join(proj, "package-lock.json"))
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hello-keeper", "@kp/util"} {
		got := lock.Packages["node_modules/"+name]
		if !strings.HasPrefix(got.Resolved, px.URL+"/npm/jsproxy/") {
			t.Fatalf("%s resolved from %q, not through the proxy", name, got.Resolved)
		}
		var doc struct {
			Versions map[string]struct {
				Dist struct {
					Integrity string `json:"integrity"`
					Tarball   string `json:"tarball"`
				} `json:"dist"`
			} `json:"versions"`
		}
		upDoc := up.Expect(http.StatusOK, http.MethodGet, "/npm/js/"+strings.Replace(name, "/", "%2f", 1), nil)
		if err := upDoc.JSON(&doc); err != nil {
			t.Fatal(err)
		}
		for _, v := range doc.Versions {
			if v.Dist.Integrity != got.Integrity {
				t.Fatalf("%s integrity %q through the proxy, %q upstream", name, got.Integrity, v.Dist.Integrity)
			}
			direct := up.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(v.Dist.Tarball, up.URL), nil)
			proxied := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(got.Resolved, px.URL), nil)
			if harness.SHA256(direct.Body) != harness.SHA256(proxied.Body) {
				t.Fatalf("%s tarball differs through the proxy", name)
			}
		}
	}

	var stats struct {
		UpstreamFetches int64 `json:"upstream_fetches"`
		Files           int64 `json:"files"`
	}
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/jsproxy/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	if stats.Files != 4 {
		t.Fatalf("cache holds %d files, want 2 packuments and 2 tarballs", stats.Files)
	}
	before := stats.UpstreamFetches
	install() // a second client, with its own empty cache: served by the proxy's cache
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/jsproxy/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	if stats.UpstreamFetches != before {
		t.Fatalf("a warm install fetched %d more times from the upstream", stats.UpstreamFetches-before)
	}

	t.Run("publish to the remote is refused", func(t *testing.T) {
		e.writeRC(px.APIToken("pub"))
		copyTree(t, filepath.Join(src, "hello"), filepath.Join(work, "again"))
		pj := filepath.Join(work, "again", "package.json")
		b, _ := os.ReadFile(pj)
		if err := os.WriteFile(pj, []byte(strings.Replace(string(b), `"1.0.0"`, `"9.9.9"`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := e.run(filepath.Join(work, "again"), "", "npm", "publish")
		if err == nil || !strings.Contains(out, "405") || !strings.Contains(out, "remote (proxy) repository") || strings.Contains(out, "[object Object]") {
			t.Fatalf("publish to a remote: npm must print the host's message: %v\n%s", err, out)
		}
	})

	t.Run("npm prints the host's errors", func(t *testing.T) {
		out, err := e.run(t.TempDir(), "", "npm", "view", "no-such-package-anywhere")
		if err == nil || !strings.Contains(out, "not found in the upstream of jsproxy") || strings.Contains(out, "[object Object]") {
			t.Fatalf("npm view of a missing package: %v\n%s", err, out)
		}
	})

	t.Run("generic remote", func(t *testing.T) {
		up.CreateRepo(harness.Repo{Key: "files", Public: true})
		data := []byte(strings.Repeat("generic bytes ", 1000))
		up.Expect(http.StatusCreated, http.MethodPut, "/generic/files/dir/a.bin", bytes.NewReader(data))
		px.CreateRepo(harness.Repo{Key: "gproxy", Type: "remote", Public: true, UpstreamURL: up.URL + "/generic/files"})
		for range 2 {
			got := px.Expect(http.StatusOK, http.MethodGet, "/generic/gproxy/dir/a.bin", nil)
			if harness.SHA256(got.Body) != harness.SHA256(data) {
				t.Fatal("generic file differs through the proxy")
			}
		}
		px.Expect(http.StatusNotFound, http.MethodGet, "/generic/gproxy/dir/missing.bin", nil)
		inv := px.Expect(http.StatusOK, http.MethodPost, "/api/v1/repositories/gproxy/cache/invalidate",
			harness.JSONBody(map[string]any{"path": "dir/", "prefix": true}), "Content-Type", "application/json")
		if !strings.Contains(string(inv.Body), `"removed":1`) {
			t.Fatalf("invalidate: %s", inv.Body)
		}
	})

	t.Run("go modules", func(t *testing.T) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			harness.MissingClient(t, "the go command is not on PATH")
		}
		const mod = "example.com/Remote/hello"
		up.CreateRepo(harness.Repo{Key: "gomods", Format: "go", Public: true})
		zips := map[string][]byte{}
		for _, v := range []string{"v1.0.0", "v1.1.0"} {
			zips[v] = gomodZip(t, mod, v, map[string]string{
				"go.mod":   "module " + mod + "\n\ngo 1.21\n",
				"hello.go": "package hello\n\nconst V = \"" + v + "\"\n",
			})
			up.Expect(http.StatusCreated, http.MethodPut, "/go/gomods/example.com/!remote/hello/@v/"+v+".zip",
				bytes.NewReader(zips[v]), "Content-Type", "application/zip")
		}
		px.CreateRepo(harness.Repo{Key: "goproxy", Format: "go", Type: "remote", Public: true, UpstreamURL: up.URL + "/go/gomods"})
		gwork := t.TempDir()
		env := gomodEnv(px.URL+"/go/goproxy", gwork, filepath.Join(gwork, "modcache"))
		out := gomodRun(t, goBin, gwork, env, 0, "list", "-m", "-versions", mod)
		if !strings.Contains(out, "v1.0.0 v1.1.0") {
			t.Fatalf("versions through the proxy: %s", out)
		}
		out = gomodRun(t, goBin, gwork, env, 0, "mod", "download", "-json", mod+"@v1.1.0")
		var dl struct{ Zip string }
		if err := json.Unmarshal([]byte(out), &dl); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		got, err := os.ReadFile(dl.Zip)
		if err != nil || harness.SHA256(got) != harness.SHA256(zips["v1.1.0"]) {
			t.Fatalf("module zip through the proxy differs from the upload (%v)", err)
		}

		// A virtual repository of a local member (holding v1.2.0) and the
		// remote: the versions are merged, @latest is the newest of both, and
		// each zip comes from its member.
		px.CreateRepo(harness.Repo{Key: "golocal", Format: "go", Public: true})
		local := gomodZip(t, mod, "v1.2.0", map[string]string{
			"go.mod":   "module " + mod + "\n\ngo 1.21\n",
			"hello.go": "package hello\n\nconst V = \"local\"\n",
		})
		px.Expect(http.StatusCreated, http.MethodPut, "/go/golocal/example.com/!remote/hello/@v/v1.2.0.zip",
			bytes.NewReader(local), "Content-Type", "application/zip")
		px.CreateRepo(harness.Repo{Key: "goall", Format: "go", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "golocal", "priority": 1}, {"repo_key": "goproxy", "priority": 2}}})
		vwork := t.TempDir()
		venv := gomodEnv(px.URL+"/go/goall", vwork, filepath.Join(vwork, "modcache"))
		if out := gomodRun(t, goBin, vwork, venv, 0, "list", "-m", "-versions", mod); !strings.Contains(out, "v1.0.0 v1.1.0 v1.2.0") {
			t.Fatalf("versions through the virtual: %s", out)
		}
		if out := gomodRun(t, goBin, vwork, venv, 0, "list", "-m", mod+"@latest"); !strings.Contains(out, "v1.2.0") {
			t.Fatalf("@latest through the virtual: %s", out)
		}
		for v, want := range map[string][]byte{"v1.2.0": local, "v1.0.0": zips["v1.0.0"]} {
			out := gomodRun(t, goBin, vwork, venv, 0, "mod", "download", "-json", mod+"@"+v)
			if err := json.Unmarshal([]byte(out), &dl); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got, err := os.ReadFile(dl.Zip); err != nil || harness.SHA256(got) != harness.SHA256(want) {
				t.Fatalf("%s through the virtual differs from its member's (%v)", v, err)
			}
		}
	})
}
