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

// galaxyClient returns ansible-galaxy, skipping when it is not installed.
func galaxyClient(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ansible-galaxy")
	if err != nil {
		harness.MissingClient(t, "ansible e2e: ansible-galaxy is not installed (e2e/install-clients.sh ansible)")
	}
	return bin
}

// galaxyEnv is ansible-galaxy's environment: an isolated HOME, only the
// given ansible.cfg, none of the machine's ANSIBLE_* settings.
func galaxyEnv(home, cfg string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		if !strings.HasPrefix(kv, "ANSIBLE_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "ANSIBLE_CONFIG="+cfg, "ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"),
		"ANSIBLE_GALAXY_CACHE_DIR="+filepath.Join(home, "cache"), "ANSIBLE_NOCOLOR=1")
}

// galaxyConfig writes an ansible.cfg whose only Galaxy server is url,
// with token when not empty.
func galaxyConfig(t *testing.T, path, url, token string) {
	t.Helper()
	cfg := "[galaxy]\nserver_list = keeper\n\n[galaxy_server.keeper]\nurl = " + url + "\n"
	if token != "" {
		cfg += "token = " + token + "\n"
	}
	gomodWrite(t, path, cfg)
}

// galaxyBuild builds collection NS.NAME at version with ansible-galaxy
// collection build and returns the artifact's path.
func galaxyBuild(t *testing.T, bin, dir, ns, name, version string, env []string) string {
	t.Helper()
	src := filepath.Join(dir, "src-"+version, ns, name)
	mkdirs(t, filepath.Join(src, "roles", "hello", "tasks"), filepath.Join(src, "meta"))
	gomodWrite(t, filepath.Join(src, "galaxy.yml"), "namespace: "+ns+"\nname: "+name+"\nversion: "+version+
		"\nreadme: README.md\nauthors:\n- Keeper Tests <t@example.org>\ndescription: Keeper test collection\nlicense:\n- MIT\ntags: []\ndependencies: {}\n")
	gomodWrite(t, filepath.Join(src, "README.md"), "# "+ns+"."+name+"\n")
	gomodWrite(t, filepath.Join(src, "meta", "runtime.yml"), "requires_ansible: '>=2.14.0'\n")
	gomodWrite(t, filepath.Join(src, "roles", "hello", "tasks", "main.yml"), "- ansible.builtin.debug:\n    msg: "+ns+"."+name+" "+version+"\n")
	out := filepath.Join(dir, "dist")
	cmd := exec.Command(bin, "collection", "build", src, "--output-path", out, "--force")
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-galaxy collection build: %v\n%s", err, b)
	}
	return filepath.Join(out, ns+"-"+name+"-"+version+".tar.gz")
}

func galaxyRun(t *testing.T, env []string, bin string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// installedVersion reads the version of an installed collection's MANIFEST.json.
func installedVersion(t *testing.T, root, ns, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "ansible_collections", ns, name, "MANIFEST.json"))
	if err != nil {
		t.Fatalf("%s.%s is not installed: %v", ns, name, err)
	}
	var m struct {
		CollectionInfo struct{ Version string } `json:"collection_info"`
	}
	_ = json.Unmarshal(b, &m)
	return m.CollectionInfo.Version
}

// TestAnsibleGalaxyClients builds collections with ansible-galaxy,
// publishes them to a private repository and installs them with only
// Keeper configured, on every database.
func TestAnsibleGalaxyClients(t *testing.T) {
	t.Parallel()
	bin := galaxyClient(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "galaxy", Format: "ansible"})
		token := k.APIToken("galaxy")
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		mkdirs(t, home)
		cfg, anonCfg := filepath.Join(dir, "ansible.cfg"), filepath.Join(dir, "anon.cfg")
		server := k.URL + "/ansible/galaxy/"
		galaxyConfig(t, cfg, server, token)
		galaxyConfig(t, anonCfg, server, "")
		env, anon := galaxyEnv(home, cfg), galaxyEnv(home, anonCfg)
		v1 := galaxyBuild(t, bin, dir, "keeper", "demo", "1.0.0", env)
		v11 := galaxyBuild(t, bin, dir, "keeper", "demo", "1.1.0", env)

		if out, ok := galaxyRun(t, anon, bin, "collection", "publish", v1); ok || !strings.Contains(out, "401") {
			t.Fatalf("anonymous publish: ok=%v\n%s", ok, out)
		}
		for _, f := range []string{v1, v11} {
			if out, ok := galaxyRun(t, env, bin, "collection", "publish", f); !ok || !strings.Contains(out, "has completed") {
				t.Fatalf("publish %s: %s", f, out)
			}
		}
		if out, ok := galaxyRun(t, env, bin, "collection", "publish", v11); ok || !strings.Contains(out, "409") || !strings.Contains(out, "already exists") {
			t.Fatalf("republish: ok=%v\n%s", ok, out)
		}
		k.Expect(http.StatusNotFound, "GET", "/ansible/galaxy/api/v3/collections/keeper/nope/", nil)
		if r, _ := k.Call("GET", "/ansible/galaxy/api/v3/collections/", nil, "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of a private repository: %v", r)
		}

		// Install from an empty cache: the newest, then a pinned older version.
		dest := filepath.Join(dir, "collections")
		if out, ok := galaxyRun(t, env, bin, "collection", "install", "keeper.demo", "-p", dest); !ok {
			t.Fatalf("install: %s", out)
		}
		if v := installedVersion(t, dest, "keeper", "demo"); v != "1.1.0" {
			t.Fatalf("installed %s, want 1.1.0", v)
		}
		old := filepath.Join(dir, "old")
		if out, ok := galaxyRun(t, galaxyEnv(filepath.Join(dir, "home2"), cfg), bin, "collection", "install", "keeper.demo:==1.0.0", "-p", old); !ok {
			t.Fatalf("install 1.0.0: %s", out)
		}
		if v := installedVersion(t, old, "keeper", "demo"); v != "1.0.0" {
			t.Fatalf("installed %s, want 1.0.0", v)
		}
		// The advertised artifact is the published one, byte for byte.
		var ver struct {
			DownloadURL string `json:"download_url"`
			Artifact    struct{ SHA256 string }
		}
		_ = k.Expect(http.StatusOK, "GET", "/ansible/galaxy/api/v3/collections/keeper/demo/versions/1.1.0/", nil).JSON(&ver)
		want, _ := os.ReadFile(v11)
		got := k.Expect(http.StatusOK, "GET", strings.TrimPrefix(ver.DownloadURL, k.URL), nil)
		if !bytes.Equal(got.Body, want) || ver.Artifact.SHA256 != harness.SHA256(want) {
			t.Fatalf("artifact: %d bytes (published %d), sha256 %s", len(got.Body), len(want), ver.Artifact.SHA256)
		}
		if db.Name != "sqlite" {
			return
		}
		// The README's blocks, as written, against a second private repository.
		k.CreateRepo(harness.Repo{Key: "galaxy-readme", Format: "ansible"})
		work := filepath.Join(dir, "readme")
		copyTree(t, filepath.Join(dir, "src-1.1.0", "keeper", "demo"), filepath.Join(work, "demo"))
		vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=galaxy-readme", "T=" + k.APIToken("readme-galaxy"),
			"PKG=keeper.demo", "SRC=demo"}
		rhome := filepath.Join(work, "home")
		mkdirs(t, rhome)
		renv := append(galaxyEnv(rhome, ""), vars...)
		runSnippet(t, "ansible-publish", work, renv)
		runSnippet(t, "ansible-consume", work, renv)
		if v := installedVersion(t, filepath.Join(work, "collections"), "keeper", "demo"); v != "1.1.0" {
			t.Fatalf("the README's install: %s", v)
		}
	})
}
