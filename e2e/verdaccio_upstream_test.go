package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// verdaccioVersion is the peer registry keeper's npm remote is tested against
// (issue 10, "Peers as upstreams"); CLIENTS.md says how it is installed.
const verdaccioVersion = "6.8.0"

// TestVerdaccioUpstream publishes packages to a real Verdaccio, then installs
// them with the real npm client through a keeper npm remote repository whose
// upstream is that Verdaccio, and checks the tarballs are Verdaccio's byte for
// byte and the lock file resolves through keeper.
func TestVerdaccioUpstream(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	requireClients(t, "npm", "npm")
	vurl := startVerdaccio(t, installVerdaccio(t, root))

	// Publish hello-keeper@1.0.0 and @kp/util@2.0.0 (which depends on it) to Verdaccio.
	token := verdaccioUser(t, vurl)
	vdir := t.TempDir()
	pub := &npmEnv{t: t, dir: vdir, registry: vurl + "/", npmrc: filepath.Join(vdir, "npmrc")}
	pub.writeRC(token)
	src := filepath.Join(root, "plugins", "npm", "testdata", "src")
	work := t.TempDir()
	for _, p := range []string{"hello", "util"} {
		copyTree(t, filepath.Join(src, p), filepath.Join(work, p))
		pub.must(filepath.Join(work, p), "npm", "publish", "--access", "public")
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "vproxy", Format: "npm", Type: "remote", Public: true, UpstreamURL: vurl})
	e := newNpmEnv(t, px, "vproxy")
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
	b, err := os.ReadFile(filepath.Join(proj, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	for name, version := range map[string]string{"hello-keeper": "1.0.0", "@kp/util": "2.0.0"} {
		got := lock.Packages["node_modules/"+name]
		if !strings.HasPrefix(got.Resolved, px.URL+"/npm/vproxy/") {
			t.Fatalf("%s resolved from %q, not through keeper", name, got.Resolved)
		}
		var doc struct {
			Versions map[string]struct {
				Dist struct {
					Integrity string `json:"integrity"`
					Tarball   string `json:"tarball"`
				} `json:"dist"`
			} `json:"versions"`
		}
		if err := json.Unmarshal(httpGet(t, vurl+"/"+strings.Replace(name, "/", "%2f", 1)), &doc); err != nil {
			t.Fatal(err)
		}
		dist := doc.Versions[version].Dist
		if dist.Tarball == "" || dist.Integrity != got.Integrity {
			t.Fatalf("%s integrity %q through keeper, %q in Verdaccio", name, got.Integrity, dist.Integrity)
		}
		direct := httpGet(t, dist.Tarball)
		proxied := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(got.Resolved, px.URL), nil)
		if len(direct) == 0 || harness.SHA256(direct) != harness.SHA256(proxied.Body) {
			t.Fatalf("%s tarball through keeper (%d bytes) differs from Verdaccio's (%d bytes)", name, len(proxied.Body), len(direct))
		}
	}
}

// installVerdaccio returns a directory holding node_modules/verdaccio at
// verdaccioVersion, installed once with npm into .tools (git-ignored). Node 20
// needs node-fetch pinned for Verdaccio 6.8 (CLIENTS.md).
func installVerdaccio(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(root, ".tools", "verdaccio-"+verdaccioVersion)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "verdaccio", "package.json")); err == nil {
		return dir
	}
	if _, err := exec.LookPath("node"); err != nil {
		harness.MissingClient(t, "node is needed for Verdaccio: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".verdaccio-install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	pkg := fmt.Sprintf(`{"name":"keeper-verdaccio","private":true,"version":"0.0.0","dependencies":{"verdaccio":%q},"overrides":{"node-fetch@cjs":"2.7.0"}}`, verdaccioVersion)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(pkg), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "npm_config_cache="+filepath.Join(home, "cache"),
		"NPM_CONFIG_USERCONFIG="+filepath.Join(home, "npmrc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		harness.MissingClient(t, "verdaccio %s could not be installed: %v\n%s", verdaccioVersion, err, out)
	}
	// Another test process may have finished first: keep whichever landed.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "verdaccio", "package.json")); statErr != nil {
			t.Fatalf("verdaccio install: %v", err)
		}
	}
	return dir
}

// startVerdaccio runs Verdaccio with its storage, config and HOME in temp
// directories on a free loopback port, and stops it when the test ends.
func startVerdaccio(t *testing.T, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := t.TempDir()
	cfg := fmt.Sprintf(`storage: %[1]s/storage
auth:
  htpasswd:
    file: %[1]s/htpasswd
    max_users: 100
uplinks: {}
packages:
  '@*/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
listen: %[2]s
`, d, addr)
	if err := os.WriteFile(filepath.Join(d, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(d, "verdaccio.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "node_modules", "verdaccio", "bin", "verdaccio"), "-c", filepath.Join(d, "config.yaml"))
	cmd.Env = append(harness.BaseEnv(), "HOME="+d)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	u := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r, err := http.Get(u + "/-/ping"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return u
			}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("verdaccio exited:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("verdaccio not ready on %s:\n%s", u, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// verdaccioUser creates a Verdaccio user and returns its token.
func verdaccioUser(t *testing.T, vurl string) string {
	t.Helper()
	body := `{"name":"kpub","password":"kpub-secret-pass"}`
	req, _ := http.NewRequest(http.MethodPut, vurl+"/-/user/org.couchdb.user:kpub", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil || r.StatusCode/100 != 2 || out.Token == "" {
		t.Fatalf("verdaccio adduser: %d %v", r.StatusCode, err)
	}
	return out.Token
}

// httpGet returns the body of a GET that must answer 200.
func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	r, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, r.StatusCode, err)
	}
	return b
}
