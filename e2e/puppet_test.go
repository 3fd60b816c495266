package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// puppetClient returns puppet, skipping when it is not installed.
func puppetClient(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("puppet")
	if err != nil {
		harness.MissingClient(t, "puppet e2e: puppet is not installed (e2e/install-clients.sh puppet)")
	}
	return bin
}

// puppetDirs are the flags that keep puppet's configuration, state and
// cache (the Forge cache included) inside root, whoever runs it.
func puppetDirs(root string) []string {
	var args []string
	for _, d := range []string{"confdir", "codedir", "vardir", "logdir", "rundir", "publicdir"} {
		args = append(args, "--"+d, filepath.Join(root, d))
	}
	return args
}

// puppetModule builds the tarball of module slug (OWNER-NAME) at version,
// laid out as `pdk build` writes it, depending on deps (OWNER/NAME).
func puppetModule(t *testing.T, slug, version string, deps ...string) []byte {
	t.Helper()
	ds := []map[string]string{}
	for _, d := range deps {
		ds = append(ds, map[string]string{"name": d, "version_requirement": ">= 1.0.0 < 2.0.0"})
	}
	md, _ := json.MarshalIndent(map[string]any{"name": slug, "version": version, "author": "keeper", "license": "Apache-2.0",
		"summary": "Keeper test module", "source": "https://example.org/src", "dependencies": ds}, "", "  ")
	name := slug[strings.Index(slug, "-")+1:]
	dir := slug + "-" + version + "/"
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range [][2]string{{dir + "metadata.json", string(md)}, {dir + "manifests/init.pp", "class " + name + " {\n  notice('" + slug + " " + version + "')\n}\n"},
		{dir + "README.md", "# " + slug + "\n"}} {
		must(t, tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(f[1]))
		must(t, err)
	}
	must(t, tw.Close())
	must(t, zw.Close())
	return b.Bytes()
}

// puppetPublish POSTs a module tarball to /v3/releases as the Forge API
// documents it (multipart field "file"), with the given Authorization.
func puppetPublish(t *testing.T, k *harness.Keeper, repo, auth, file string, data []byte) *harness.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", file)
	_, _ = fw.Write(data)
	must(t, w.Close())
	r, err := k.Call("POST", "/puppet/"+repo+"/v3/releases", &b, "Content-Type", w.FormDataContentType(), "Authorization", auth)
	must(t, err)
	return r
}

// puppetInstall runs puppet module install of module from url into target
// with an isolated HOME and puppet directories under root.
func puppetInstall(t *testing.T, bin, root, url, token, target string, module ...string) (string, bool) {
	t.Helper()
	home := filepath.Join(root, "home")
	mkdirs(t, home)
	args := append([]string{"module", "install", "--module_repository", url, "--target-dir", target}, puppetDirs(root)...)
	if token != "" {
		args = append(args, "--forge_authorization", "Bearer "+token)
	}
	cmd := exec.Command(bin, append(args, module...)...)
	cmd.Env = clientEnv(home)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// puppetInstalled checks that module NAME in target holds the files of tarball.
func puppetInstalled(t *testing.T, target, name string, tarball []byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tarball))
	must(t, err)
	raw, err := io.ReadAll(zr)
	must(t, err)
	for path, want := range untar(t, raw) {
		rel := path[strings.Index(path, "/")+1:]
		got, err := os.ReadFile(filepath.Join(target, name, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("installed %s/%s differs from the published module (%v)", name, rel, err)
		}
	}
}

// TestPuppetModuleInstall publishes modules to a private repository with
// the Forge API and installs them with puppet module install (Keeper the
// only Forge, an empty cache), dependencies included, on every database.
func TestPuppetModuleInstall(t *testing.T) {
	t.Parallel()
	bin := puppetClient(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "forge", Format: "puppet"})
		token := k.APIToken("puppet")
		bearer := "Bearer " + token
		dir := t.TempDir()
		demo1, demo11 := puppetModule(t, "keeper-demo", "1.0.0"), puppetModule(t, "keeper-demo", "1.1.0")
		app := puppetModule(t, "keeper-app", "0.3.0", "keeper/demo")

		if r := puppetPublish(t, k, "forge", "", "keeper-demo-1.0.0.tar.gz", demo1); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous publish: %s", r)
		}
		for _, m := range []struct {
			file string
			data []byte
		}{{"keeper-demo-1.0.0.tar.gz", demo1}, {"keeper-demo-1.1.0.tar.gz", demo11}, {"keeper-app-0.3.0.tar.gz", app}} {
			if r := puppetPublish(t, k, "forge", bearer, m.file, m.data); r.Status != http.StatusCreated {
				t.Fatalf("publish %s: %s", m.file, r)
			}
		}
		if r := puppetPublish(t, k, "forge", bearer, "keeper-demo-1.1.0.tar.gz", demo11); r.Status != http.StatusConflict ||
			!strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		if r := puppetPublish(t, k, "forge", bearer, "keeper-demo-1.2.0.tar.gz", demo1); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "does not match metadata.json") {
			t.Fatalf("mismatched file name: %s", r)
		}
		k.Expect(http.StatusNotFound, "GET", "/puppet/forge/v3/modules/keeper-nope", nil)
		k.Expect(http.StatusNotFound, "GET", "/puppet/forge/v3/files/keeper-demo-9.9.9.tar.gz", nil)
		if r, _ := k.Call("GET", "/puppet/forge/v3/modules/keeper-demo", nil, "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of a private repository: %v", r)
		}

		// Without the token puppet is refused; with it keeper-app and its dependency install.
		url := k.URL + "/puppet/forge"
		if out, ok := puppetInstall(t, bin, filepath.Join(dir, "anon"), url, "", filepath.Join(dir, "anon-mods"), "keeper-app"); ok ||
			!strings.Contains(out, "401") {
			t.Fatalf("anonymous install: ok=%v\n%s", ok, out)
		}
		target := filepath.Join(dir, "modules")
		if out, ok := puppetInstall(t, bin, filepath.Join(dir, "p1"), url, token, target, "keeper-app"); !ok {
			t.Fatalf("puppet module install keeper-app: %s", out)
		}
		puppetInstalled(t, target, "app", app)
		puppetInstalled(t, target, "demo", demo11)
		old := filepath.Join(dir, "old")
		if out, ok := puppetInstall(t, bin, filepath.Join(dir, "p2"), url, token, old, "keeper-demo", "--version", "1.0.0"); !ok {
			t.Fatalf("puppet module install keeper-demo 1.0.0: %s", out)
		}
		puppetInstalled(t, old, "demo", demo1)
		// The advertised file is the published one, byte for byte.
		var rel struct {
			FileURI    string `json:"file_uri"`
			FileSHA256 string `json:"file_sha256"`
		}
		must(t, k.Expect(http.StatusOK, "GET", "/puppet/forge/v3/releases/keeper-demo-1.1.0", nil).JSON(&rel))
		if got := k.Expect(http.StatusOK, "GET", "/puppet/forge"+rel.FileURI, nil); !bytes.Equal(got.Body, demo11) ||
			rel.FileSHA256 != harness.SHA256(demo11) {
			t.Fatalf("file %s: %d bytes, sha256 %s", rel.FileURI, len(got.Body), rel.FileSHA256)
		}
		if db.Name != "sqlite" {
			return
		}
		// The README's blocks, as written, against a second private repository.
		k.CreateRepo(harness.Repo{Key: "forge-readme", Format: "puppet"})
		work := filepath.Join(dir, "readme")
		mkdirs(t, work, filepath.Join(work, "home"))
		must(t, os.WriteFile(filepath.Join(work, "keeper-demo-1.1.0.tar.gz"), demo11, 0o644))
		env := clientEnv(filepath.Join(work, "home"), "K="+strings.TrimPrefix(k.URL, "http://"), "REPO=forge-readme",
			"T="+k.APIToken("readme-puppet"), "PKG=keeper-demo", "FILE=keeper-demo-1.1.0.tar.gz")
		runSnippet(t, "puppet-publish", work, env)
		runSnippet(t, "puppet-consume", work, env)
		puppetInstalled(t, filepath.Join(work, "modules"), "demo", demo11)
	})
}
