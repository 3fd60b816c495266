package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// buildHostile compiles e2e/testdata/hostile claiming mount.
func buildHostile(t *testing.T, mount string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hostile.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-ldflags", "-X main.mount="+mount, "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "hostile")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hostile plugin: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHostilePlugin installs a plugin that tries to take another plugin's
// traffic, read the caller's credentials and mint credentials of its own,
// and checks that each attempt fails: overlapping mounts are refused at
// install naming both plugins, no credential carrier reaches it, and the
// minting imports work only once an admin granted them. (Token headers that
// other plugins declare are stripped on every mount too: see the dispatch
// tests; no built-in declares one.)
func TestHostilePlugin(t *testing.T) {
	t.Parallel()
	nested, own := buildHostile(t, "/npm/somerepo/"), buildHostile(t, "/hostile/")
	k := harness.Start(t, harness.Options{})

	for _, m := range [][]byte{nested, buildHostile(t, "/v2/somerepo/"), buildHostile(t, "/npm")} {
		r := k.Expect(http.StatusConflict, "POST", "/api/v1/plugins", bytes.NewReader(m))
		if !strings.Contains(string(r.Body), `of plugin \"hostile\" overlaps mount`) {
			t.Fatalf("overlap refusal does not name both plugins: %s", r)
		}
	}
	var p struct {
		ID     string   `json:"id"`
		Grants []string `json:"grants"`
	}
	if err := k.Expect(http.StatusCreated, "POST", "/api/v1/plugins", bytes.NewReader(own)).JSON(&p); err != nil || len(p.Grants) != 0 {
		t.Fatalf("installed: %+v %v", p, err)
	}

	token := k.APIToken("victim", "read:artifacts")
	probe := func(auth ...string) string {
		t.Helper()
		hdr := append([]string{"X-API-Key", token, "Cookie", "keeper_session=secret", "X-Other", "kept"}, auth...)
		r := k.Expect(http.StatusOK, "GET", "/hostile/anything", nil, hdr...)
		return string(r.Body)
	}
	for _, auth := range [][]string{{"Authorization", "Bearer " + token}, {"Authorization", "Basic " + basic("admin", harness.AdminPassword)},
		{"X-Hostile-Key", token}} {
		seen := probe(auth...)
		if strings.Contains(seen, token) || strings.Contains(seen, "secret") || strings.Contains(seen, "Basic ") ||
			strings.Contains(seen, "Authorization") || !strings.Contains(seen, "X-Other: kept") {
			t.Fatalf("a credential reached the plugin:\n%s", seen)
		}
		if !strings.Contains(seen, "session-token refused") || !strings.Contains(seen, "login refused") {
			t.Fatalf("an ungranted import minted a credential:\n%s", seen)
		}
	}

	// An admin grants session-token explicitly (an upgrade: 200); the plugin API shows it.
	if err := k.Expect(http.StatusOK, "POST", "/api/v1/plugins?grant=session-token", bytes.NewReader(own)).JSON(&p); err != nil ||
		len(p.Grants) != 1 || p.Grants[0] != "session-token" {
		t.Fatalf("granted: %+v %v", p, err)
	}
	seen := probe("Authorization", "Bearer "+token)
	if !strings.Contains(seen, "session-token minted") || !strings.Contains(seen, "login refused") {
		t.Fatalf("after granting session-token only:\n%s", seen)
	}
	k.Expect(http.StatusBadRequest, "POST", "/api/v1/plugins?grant=root", bytes.NewReader(own))
	// Reloading takes no module: a body is refused instead of being ignored.
	r := k.Expect(http.StatusBadRequest, "POST", "/api/v1/plugins/"+p.ID+"/reload", bytes.NewReader(own))
	if !strings.Contains(string(r.Body), "/api/v1/plugins") {
		t.Fatalf("reload refusal: %s", r)
	}
	k.Expect(http.StatusOK, "POST", "/api/v1/plugins/"+p.ID+"/reload", nil)
}

// TestContract010PluginStillServes installs the example plugin as built
// against contract 0.1.0 (kept prebuilt in testdata) into a 0.5.0 host.
// That build predates the built-in vagrant plugin and has its id
// ("vagrant"), so installing it replaces the built-in (200, not 201);
// deleting it gives way to the built-in again, which serves the same boxes.
func TestContract010PluginStillServes(t *testing.T) {
	t.Parallel()
	gz, err := os.ReadFile("testdata/vagrant-0.1.0/vagrant.wasm.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	k := harness.Start(t, harness.Options{})
	var installed struct {
		ID              string `json:"id"`
		BuiltIn         bool   `json:"built_in"`
		ContractVersion string `json:"contract_version"`
		Credentials     struct {
			Basic, Bearer bool
		} `json:"credentials"`
	}
	if err := k.Expect(http.StatusOK, "POST", "/api/v1/plugins", bytes.NewReader(wasm)).JSON(&installed); err != nil ||
		installed.ContractVersion != "0.1.0" || installed.BuiltIn || !installed.Credentials.Basic || !installed.Credentials.Bearer {
		t.Fatalf("installed: %+v %v", installed, err)
	}
	k.CreateRepo(harness.Repo{Key: "oldboxes", Format: "vagrant", Public: true})
	box := exampleBox(t)
	k.Expect(http.StatusCreated, "PUT", "/vagrant/oldboxes/acme/base/1.0.0/libvirt.box", bytes.NewReader(box))
	r := k.Expect(http.StatusOK, "GET", "/vagrant/oldboxes/acme/base", nil)
	if !strings.Contains(string(r.Body), harness.SHA256(box)) {
		t.Fatalf("catalog: %s", r)
	}
	k.Expect(http.StatusOK, "GET", "/vagrant/oldboxes/acme/base/1.0.0/libvirt.box", nil)
	// Anonymous writes get the legacy Basic challenge.
	r, err = k.Call("PUT", "/vagrant/oldboxes/acme/base/1.0.1/libvirt.box", bytes.NewReader(box), "Authorization", "")
	if err != nil || r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Basic realm="keeper"` {
		t.Fatalf("anonymous write: %v %v", r, err)
	}
	// Deleted, the built-in vagrant plugin serves the repository again.
	k.Expect(http.StatusNoContent, "DELETE", "/api/v1/plugins/vagrant?force=true", nil)
	if err := k.Expect(http.StatusOK, "GET", "/api/v1/plugins/vagrant", nil).JSON(&installed); err != nil || !installed.BuiltIn {
		t.Fatalf("after delete: %+v %v", installed, err)
	}
	r = k.Expect(http.StatusOK, "GET", "/vagrant/oldboxes/acme/base", nil)
	if !strings.Contains(string(r.Body), `"checksum":"`+harness.SHA256(box)+`","checksum_type":"sha256"`) {
		t.Fatalf("built-in catalog: %s", r)
	}
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// TestTemplateBuildsOutOfTreeAndInstalls copies sdk/go/examples/template to a
// directory outside the repository, as a plugin author would, points its
// go.mod at the SDK, builds it and installs it into a running keeper.
func TestTemplateBuildsOutOfTreeAndInstalls(t *testing.T) {
	t.Parallel()
	src, err := filepath.Abs(filepath.Join("..", "sdk", "go", "examples", "template"))
	if err != nil {
		t.Fatal(err)
	}
	sdkDir := filepath.Dir(filepath.Dir(src))
	dir := t.TempDir()
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			b = []byte(strings.ReplaceAll(string(b), "=> ../..", "=> "+sdkDir))
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "myformat.wasm")
	for _, args := range [][]string{{"test", "./..."}, {"build", "-trimpath", "-buildmode=c-shared", "-o", out, "./wasm"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if args[0] == "build" {
			cmd.Env = append(cmd.Env, "GOOS=wasip1", "GOARCH=wasm")
		}
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", args[0], err, msg)
		}
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	k := harness.Start(t, harness.Options{})
	k.Expect(http.StatusCreated, "POST", "/api/v1/plugins", bytes.NewReader(wasm))
	k.CreateRepo(harness.Repo{Key: "mine", Format: "myformat"})
	k.Expect(http.StatusCreated, "PUT", "/myformat/mine/docs/a.txt", strings.NewReader("hello template"))
	if r := k.Expect(http.StatusOK, "GET", "/myformat/mine/docs/a.txt", nil); string(r.Body) != "hello template" {
		t.Fatalf("download: %s", r)
	}
	if r := k.Expect(http.StatusOK, "GET", "/myformat/mine/-/index", nil); !strings.Contains(string(r.Body), `"path":"docs/a.txt"`) {
		t.Fatalf("index: %s", r)
	}
	if r := k.Expect(http.StatusOK, "GET", "/api/v1/repositories/mine/setup", nil); !strings.Contains(string(r.Body), k.URL+"/myformat/mine/FILE") {
		t.Fatalf("setup: %s", r)
	}
}
