package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestVirtualRepositories installs with the real npm client through a
// virtual repository combining a local member (holding @kp/util) and a
// remote member whose upstream is a second keeper (holding hello-keeper,
// util's dependency), from an empty cache; the tarballs are the members'
// byte for byte; a publish to the virtual URL lands in its deployment target
// and shows in the merged packument at once.
func TestVirtualRepositories(t *testing.T) {
	t.Parallel()
	requireClients(t, "npm", "npm")
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "plugins", "npm", "testdata", "src")
	work := t.TempDir()

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	upPub := newNpmEnv(t, up, "js")
	upPub.writeRC(up.APIToken("publisher"))
	copyTree(t, filepath.Join(src, "hello"), filepath.Join(work, "hello"))
	upPub.must(filepath.Join(work, "hello"), "npm", "publish")

	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	k.CreateRepo(harness.Repo{Key: "jslocal", Format: "npm", Public: true})
	k.CreateRepo(harness.Repo{Key: "jsproxy", Format: "npm", Type: "remote", Public: true, UpstreamURL: up.URL + "/npm/js"})
	k.CreateRepo(harness.Repo{Key: "jsall", Format: "npm", Type: "virtual", Public: true,
		Config:  map[string]string{"deploy_to": "jslocal"},
		Members: []map[string]any{{"repo_key": "jsproxy", "priority": 2}, {"repo_key": "jslocal", "priority": 1}}})
	localPub := newNpmEnv(t, k, "jslocal")
	localPub.writeRC(k.APIToken("publisher"))
	copyTree(t, filepath.Join(src, "util"), filepath.Join(work, "util"))
	localPub.must(filepath.Join(work, "util"), "npm", "publish", "--access", "public")

	e := newNpmEnv(t, k, "jsall")
	proj := t.TempDir()
	if err := os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(proj, "npm", "install", "--no-audit", "@kp/util@2.0.0")
	sameFiles(t, filepath.Join(src, "util"), filepath.Join(proj, "node_modules", "@kp", "util"))
	sameFiles(t, filepath.Join(src, "hello"), filepath.Join(proj, "node_modules", "hello-keeper"))

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
	// Each tarball through the virtual URL is its member's, byte for byte.
	for name, direct := range map[string]string{
		"@kp/util":     "/npm/jslocal/@kp/util/-/util-2.0.0.tgz",
		"hello-keeper": "/npm/js/hello-keeper/-/hello-keeper-1.0.0.tgz",
	} {
		got := lock.Packages["node_modules/"+name]
		if !strings.HasPrefix(got.Resolved, k.URL+"/npm/jsall/") {
			t.Fatalf("%s resolved from %q, not through the virtual repository", name, got.Resolved)
		}
		var from *harness.Keeper = k
		if name == "hello-keeper" {
			from = up
		}
		want := from.Expect(http.StatusOK, http.MethodGet, direct, nil)
		via := k.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(got.Resolved, k.URL), nil)
		if harness.SHA256(want.Body) != harness.SHA256(via.Body) {
			t.Fatalf("%s tarball differs through the virtual repository", name)
		}
	}

	t.Run("publish lands in the deployment target", func(t *testing.T) {
		e.writeRC(k.APIToken("pub"))
		copyTree(t, filepath.Join(src, "hello"), filepath.Join(work, "again"))
		pj := filepath.Join(work, "again", "package.json")
		b, _ := os.ReadFile(pj)
		if err := os.WriteFile(pj, []byte(strings.Replace(string(b), `"1.0.0"`, `"9.9.9"`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		e.must(filepath.Join(work, "again"), "npm", "publish")
		k.Expect(http.StatusOK, http.MethodGet, "/npm/jslocal/hello-keeper/-/hello-keeper-9.9.9.tgz", nil)
		var doc struct {
			Versions map[string]struct {
				Dist struct {
					Tarball string `json:"tarball"`
				} `json:"dist"`
			} `json:"versions"`
		}
		// The merged packument (cached since the install) has the local 9.9.9 and the remote 1.0.0.
		if err := k.Expect(http.StatusOK, http.MethodGet, "/npm/jsall/hello-keeper", nil).JSON(&doc); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"1.0.0", "9.9.9"} {
			if !strings.HasPrefix(doc.Versions[v].Dist.Tarball, k.URL+"/npm/jsall/") {
				t.Fatalf("merged packument, version %s: %+v", v, doc.Versions)
			}
		}
		proj := t.TempDir()
		if err := os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"app2","version":"1.0.0","private":true}`), 0o644); err != nil {
			t.Fatal(err)
		}
		e.must(proj, "npm", "install", "--no-audit", "hello-keeper@9.9.9")
		if _, err := os.Stat(filepath.Join(proj, "node_modules", "hello-keeper", "package.json")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("without a deployment target publish is refused", func(t *testing.T) {
		k.CreateRepo(harness.Repo{Key: "jsro", Format: "npm", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "jslocal", "priority": 1}}})
		ro := newNpmEnv(t, k, "jsro")
		ro.writeRC(k.APIToken("pub2"))
		copyTree(t, filepath.Join(src, "hello"), filepath.Join(work, "refused"))
		pj := filepath.Join(work, "refused", "package.json")
		b, _ := os.ReadFile(pj)
		if err := os.WriteFile(pj, []byte(strings.Replace(string(b), `"1.0.0"`, `"9.9.10"`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := ro.run(filepath.Join(work, "refused"), "", "npm", "publish")
		if err == nil || !strings.Contains(out, "405") {
			t.Fatalf("publish to a virtual without a target: %v\n%s", err, out)
		}
		r := k.Expect(http.StatusMethodNotAllowed, http.MethodPut, "/npm/jsro/hello-keeper", strings.NewReader("{}"), "Content-Type", "application/json")
		if !strings.Contains(string(r.Body), "without a deployment target") {
			t.Fatalf("405 body: %s", r.Body)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, "/npm/jslocal/hello-keeper/-/hello-keeper-9.9.10.tgz", nil)
	})

	t.Run("generic", func(t *testing.T) {
		up.CreateRepo(harness.Repo{Key: "files", Public: true})
		remoteBytes := []byte(strings.Repeat("upstream bytes ", 500))
		up.Expect(http.StatusCreated, http.MethodPut, "/generic/files/dir/up.bin", bytes.NewReader(remoteBytes))
		up.Expect(http.StatusCreated, http.MethodPut, "/generic/files/dir/both.bin", strings.NewReader("upstream copy"))
		k.CreateRepo(harness.Repo{Key: "glocal", Public: true})
		k.CreateRepo(harness.Repo{Key: "gproxy", Type: "remote", Public: true, UpstreamURL: up.URL + "/generic/files"})
		k.CreateRepo(harness.Repo{Key: "gall", Type: "virtual", Public: true, Config: map[string]string{"deploy_to": "glocal"},
			Members: []map[string]any{{"repo_key": "glocal", "priority": 1}, {"repo_key": "gproxy", "priority": 2}}})
		k.Expect(http.StatusCreated, http.MethodPut, "/generic/glocal/dir/both.bin", strings.NewReader("local copy"))
		if got := k.Expect(http.StatusOK, http.MethodGet, "/generic/gall/dir/up.bin", nil); harness.SHA256(got.Body) != harness.SHA256(remoteBytes) {
			t.Fatal("the remote member's file differs through the virtual repository")
		}
		if got := k.Expect(http.StatusOK, http.MethodGet, "/generic/gall/dir/both.bin", nil); string(got.Body) != "local copy" {
			t.Fatalf("the first member wins: %q", got.Body)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, "/generic/gall/dir/none.bin", nil)
		k.Expect(http.StatusCreated, http.MethodPut, "/generic/gall/dir/new.bin", strings.NewReader("deployed"))
		if got := k.Expect(http.StatusOK, http.MethodGet, "/generic/glocal/dir/new.bin", nil); string(got.Body) != "deployed" {
			t.Fatalf("deployed: %q", got.Body)
		}
	})
}
