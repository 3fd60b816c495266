package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// debTools returns dpkg-deb and apt-get, skipping when they are absent.
func debTools(t *testing.T) (dpkgDeb, aptGet string) {
	t.Helper()
	var err error
	if dpkgDeb, err = exec.LookPath("dpkg-deb"); err != nil {
		harness.MissingClient(t, "debian e2e: dpkg-deb not found")
	}
	if aptGet, err = exec.LookPath("apt-get"); err != nil {
		harness.MissingClient(t, "debian e2e: apt-get not found")
	}
	return dpkgDeb, aptGet
}

// buildDeb builds NAME_VERSION_ARCH.deb with dpkg-deb --build and returns its path.
func buildDeb(t *testing.T, dpkgDeb, dir, name, version, arch, content string) string {
	t.Helper()
	root := filepath.Join(dir, name+"-"+version)
	must(t, os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755))
	must(t, os.MkdirAll(filepath.Join(root, "usr", "share", name), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "usr", "share", name, "hello.txt"), []byte(content), 0o644))
	ctl := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Keeper <e2e@keeper.invalid>\nDescription: Keeper e2e package\n A package built by the e2e test.\n", name, version, arch)
	must(t, os.WriteFile(filepath.Join(root, "DEBIAN", "control"), []byte(ctl), 0o644))
	out := filepath.Join(dir, fmt.Sprintf("%s_%s_%s.deb", name, version, arch))
	if b, err := exec.Command(dpkgDeb, "--root-owner-group", "--build", root, out).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, b)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// aptRoot is an isolated apt configuration: one source, its own lists,
// cache, status file and keyrings, nothing of the machine's.
type aptRoot struct {
	t    *testing.T
	apt  string
	dir  string
	opts []string
}

func newAptRoot(t *testing.T, aptGet, sourceLine string) *aptRoot {
	dir := t.TempDir()
	for _, d := range []string{"lists/partial", "archives/partial", "cache", "etc/preferences.d", "etc/apt.conf.d"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(dir, "sources.list"), []byte(sourceLine+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "status"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "apt.conf"), nil, 0o644))
	opts := []string{"-o", "Dir::Etc::SourceList=" + filepath.Join(dir, "sources.list"), "-o", "Dir::Etc::SourceParts=/nonexistent",
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"), "-o", "Dir::Cache::Archives=" + filepath.Join(dir, "archives"),
		"-o", "Dir::Cache=" + filepath.Join(dir, "cache"), "-o", "Dir::State::status=" + filepath.Join(dir, "status"),
		"-o", "Dir::Etc::Trusted=/nonexistent", "-o", "Dir::Etc::TrustedParts=/nonexistent",
		"-o", "Dir::Etc::Preferences=/nonexistent", "-o", "Dir::Etc::PreferencesParts=" + filepath.Join(dir, "etc/preferences.d"),
		"-o", "Dir::Etc::Parts=" + filepath.Join(dir, "etc/apt.conf.d"),
		"-o", "APT::Sandbox::User=root", "-o", "Acquire::Languages=none", "-o", "APT::Architecture=amd64", "-o", "APT::Architectures=amd64"}
	return &aptRoot{t: t, apt: aptGet, dir: dir, opts: opts}
}

func (a *aptRoot) run(args ...string) (string, error) {
	cmd := exec.Command(a.apt, append(a.opts, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "APT_CONFIG="+filepath.Join(a.dir, "apt.conf"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestDebianClients publishes .deb files built by dpkg-deb and installs one
// with apt-get from an isolated configuration whose only source is Keeper,
// verifying InRelease with the repository key (signed-by, no trusted=yes).
func TestDebianClients(t *testing.T) {
	t.Parallel()
	dpkgDeb, aptGet := debTools(t)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "apt", Format: "debian", Public: true})
	token := k.APIToken("apt")
	var key struct{ ID string }
	if err := k.Expect(201, "POST", "/api/v1/signing/keys", harness.JSONBody(map[string]string{"name": "apt", "algorithm": "rsa3072"})).JSON(&key); err != nil {
		t.Fatal(err)
	}
	k.Expect(200, "PUT", "/api/v1/signing/repositories/apt/config", harness.JSONBody(map[string]string{"key_id": key.ID}))

	dir := t.TempDir()
	deb1 := buildDeb(t, dpkgDeb, dir, "keeper-hello", "1.0-1", "amd64", "hello from keeper 1.0\n")
	deb2 := buildDeb(t, dpkgDeb, dir, "keeper-hello", "1.1-1", "amd64", "hello from keeper 1.1\n")
	debAll := buildDeb(t, dpkgDeb, dir, "keeper-data", "2.0", "all", "data\n")
	read := func(p string) []byte { b, err := os.ReadFile(p); must(t, err); return b }
	auth := []string{"Authorization", "Bearer " + token}

	// Anonymous upload: 401; upload; the same again: 409.
	k.Expect(401, "POST", "/debian/apt/upload", bytes.NewReader(read(deb1)), "Authorization", "")
	k.Expect(201, "POST", "/debian/apt/upload", bytes.NewReader(read(deb1)), auth...)
	k.Expect(409, "POST", "/debian/apt/upload", bytes.NewReader(read(deb1)), auth...)
	k.Expect(201, "PUT", "/debian/apt/pool/main/k/keeper-hello/keeper-hello_1.1-1_amd64.deb", bytes.NewReader(read(deb2)), auth...)
	k.Expect(201, "POST", "/debian/apt/upload?distribution=stable&component=main", bytes.NewReader(read(debAll)), auth...)
	r := k.Expect(400, "POST", "/debian/apt/upload", bytes.NewReader(read(deb1)[:200]), auth...)
	if !strings.Contains(string(r.Body), "debian") && !strings.Contains(string(r.Body), "ar") {
		t.Logf("truncated upload: %s", r.Body)
	}

	keyFile := filepath.Join(dir, "keeper-apt.asc")
	must(t, os.WriteFile(keyFile, k.Expect(200, "GET", "/debian/apt/gpg-key.asc", nil, "Authorization", "").Body, 0o644))
	src := fmt.Sprintf("deb [signed-by=%s] %s/debian/apt stable main", keyFile, k.URL)
	a := newAptRoot(t, aptGet, src)
	if out, err := a.run("update"); err != nil || strings.Contains(out, "W:") || strings.Contains(out, "E:") {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if out, err := a.run("install", "-y", "--download-only", "--no-install-recommends", "keeper-hello=1.0-1", "keeper-data"); err != nil {
		t.Fatalf("apt-get install: %v\n%s", err, out)
	}
	for _, want := range []string{deb1, debAll} {
		got, err := os.ReadFile(filepath.Join(a.dir, "archives", filepath.Base(want)))
		if err != nil || !bytes.Equal(got, read(want)) {
			t.Fatalf("%s: downloaded bytes differ (%v)", filepath.Base(want), err)
		}
	}
	x := filepath.Join(dir, "x")
	if out, err := exec.Command("dpkg", "-x", filepath.Join(a.dir, "archives", filepath.Base(deb1)), x).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -x: %v %s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(x, "usr/share/keeper-hello/hello.txt")); string(b) != "hello from keeper 1.0\n" {
		t.Fatalf("extracted: %q", b)
	}
	if out, err := a.run("install", "-y", "--download-only", "keeper-hello"); err != nil || !strings.Contains(out, "1.1-1") {
		t.Fatalf("newest version: %v\n%s", err, out)
	}

	// A client holding another key refuses the repository.
	other := filepath.Join(dir, "other.asc")
	var okey struct {
		PublicKey string `json:"public_key"`
	}
	must(t, k.Expect(201, "POST", "/api/v1/signing/keys", harness.JSONBody(map[string]string{"name": "other"})).JSON(&okey))
	must(t, os.WriteFile(other, []byte(okey.PublicKey), 0o644))
	b := newAptRoot(t, aptGet, fmt.Sprintf("deb [signed-by=%s] %s/debian/apt stable main", other, k.URL))
	if out, _ := b.run("update"); !strings.Contains(out, "NO_PUBKEY") && !strings.Contains(out, "not signed") && !strings.Contains(out, "signature") {
		t.Fatalf("update with the wrong key succeeded:\n%s", out)
	}
}

// TestReadmeDebian runs the README's apt blocks against a private
// repository whose signing key an admin configured.
func TestReadmeDebian(t *testing.T) {
	t.Parallel()
	dpkgDeb, _ := debTools(t)
	k := harness.Start(t, harness.Options{})
	host := strings.TrimPrefix(k.URL, "http://")
	k.CreateRepo(harness.Repo{Key: "apt-private", Format: "debian"})
	var key struct{ ID string }
	must(t, k.Expect(201, "POST", "/api/v1/signing/keys", harness.JSONBody(map[string]string{"name": "readme"})).JSON(&key))
	k.Expect(200, "PUT", "/api/v1/signing/repositories/apt-private/config", harness.JSONBody(map[string]string{"key_id": key.ID}))
	work := t.TempDir()
	home := filepath.Join(work, "home")
	mkdirs(t, home)
	deb := buildDeb(t, dpkgDeb, work, "keeper-readme", "1.0", "amd64", "readme\n")
	// apt drops to the _apt user for downloads, which cannot enter the
	// test's private temp directory: keep root (the README's blocks do not
	// depend on it).
	conf := filepath.Join(work, "apt.conf")
	must(t, os.WriteFile(conf, []byte("APT::Sandbox::User \"root\";\nDir::Etc::Trusted \"/nonexistent\";\nDir::Etc::TrustedParts \"/nonexistent\";\nAcquire::Languages \"none\";\n"), 0o644))
	env := clientEnv(home, "K="+host, "REPO=apt-private", "T="+k.APIToken("readme-apt"), "PKG=keeper-readme", "DEB="+deb,
		"APT_CONFIG="+conf, "DEBIAN_FRONTEND=noninteractive")
	runSnippet(t, "apt-publish", work, env)
	if r, _ := k.Call("GET", "/debian/apt-private/dists/stable/InRelease", nil, "Authorization", ""); r == nil || r.Status != 401 {
		t.Fatalf("anonymous read of the private repository: %v, want 401", r)
	}
	out := runSnippet(t, "apt-consume", work, env)
	if strings.Contains(out, "W:") {
		t.Fatalf("apt warned:\n%s", out)
	}
	got, err := os.ReadFile(filepath.Join(work, "cache", "archives", filepath.Base(deb)))
	want, _ := os.ReadFile(deb)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("downloaded .deb: %v", err)
	}
}

// TestDebianRemote: an APT remote repository of a second keeper serves the
// upstream's signed indexes and packages; apt verifies them with the
// upstream's key and installs through the remote.
func TestDebianRemote(t *testing.T) {
	t.Parallel()
	dpkgDeb, aptGet := debTools(t)
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "apt", Format: "debian", Public: true})
	var key struct{ ID string }
	must(t, up.Expect(201, "POST", "/api/v1/signing/keys", harness.JSONBody(map[string]string{"name": "up"})).JSON(&key))
	up.Expect(200, "PUT", "/api/v1/signing/repositories/apt/config", harness.JSONBody(map[string]string{"key_id": key.ID}))
	dir := t.TempDir()
	deb := buildDeb(t, dpkgDeb, dir, "keeper-remote", "3.0", "amd64", "through the remote\n")
	data, _ := os.ReadFile(deb)
	up.Expect(201, "POST", "/debian/apt/upload", bytes.NewReader(data))
	keyFile := filepath.Join(dir, "up.asc")
	must(t, os.WriteFile(keyFile, up.Expect(200, "GET", "/debian/apt/gpg-key.asc", nil, "Authorization", "").Body, 0o644))

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "aptproxy", Format: "debian", Type: "remote", Public: true, UpstreamURL: up.URL + "/debian/apt"})
	a := newAptRoot(t, aptGet, fmt.Sprintf("deb [signed-by=%s] %s/debian/aptproxy stable main", keyFile, px.URL))
	if out, err := a.run("update"); err != nil || strings.Contains(out, "W:") || strings.Contains(out, "E:") {
		t.Fatalf("apt-get update through the remote: %v\n%s", err, out)
	}
	if out, err := a.run("install", "-y", "--download-only", "keeper-remote"); err != nil {
		t.Fatalf("apt-get install through the remote: %v\n%s", err, out)
	}
	if got, err := os.ReadFile(filepath.Join(a.dir, "archives", filepath.Base(deb))); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("package through the remote differs: %v", err)
	}
}

// TestDebianVirtual installs with apt-get through a virtual repository of
// two local members: the joined indexes under a Release signed with the
// virtual repository's own key (signed-by that key, no trusted=yes).
func TestDebianVirtual(t *testing.T) {
	t.Parallel()
	dpkgDeb, aptGet := debTools(t)
	k := harness.Start(t, harness.Options{})
	dir := t.TempDir()
	debs := map[string]string{}
	for _, m := range []struct{ repo, name, version, arch string }{
		{"apta", "keeper-a", "1.0", "amd64"}, {"aptb", "keeper-b", "2.0", "amd64"}, {"aptb", "keeper-data", "3.0", "all"},
	} {
		if _, ok := debs[m.repo]; !ok {
			k.CreateRepo(harness.Repo{Key: m.repo, Format: "debian", Public: true})
			debs[m.repo] = ""
		}
		deb := buildDeb(t, dpkgDeb, dir, m.name, m.version, m.arch, m.name+" through the virtual\n")
		data, err := os.ReadFile(deb)
		must(t, err)
		k.Expect(201, "POST", "/debian/"+m.repo+"/upload", bytes.NewReader(data))
		debs[m.name] = deb
	}
	k.CreateRepo(harness.Repo{Key: "aptall", Format: "debian", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "apta", "priority": 1}, {"repo_key": "aptb", "priority": 2}}})
	var key struct{ ID string }
	must(t, k.Expect(201, "POST", "/api/v1/signing/keys", harness.JSONBody(map[string]string{"name": "aptall"})).JSON(&key))
	k.Expect(200, "PUT", "/api/v1/signing/repositories/aptall/config", harness.JSONBody(map[string]string{"key_id": key.ID}))
	keyFile := filepath.Join(dir, "aptall.asc")
	must(t, os.WriteFile(keyFile, k.Expect(200, "GET", "/debian/aptall/gpg-key.asc", nil, "Authorization", "").Body, 0o644))

	a := newAptRoot(t, aptGet, fmt.Sprintf("deb [signed-by=%s] %s/debian/aptall stable main", keyFile, k.URL))
	if out, err := a.run("update"); err != nil || strings.Contains(out, "W:") || strings.Contains(out, "E:") {
		t.Fatalf("apt-get update through the virtual repository: %v\n%s", err, out)
	}
	if out, err := a.run("install", "-y", "--download-only", "--no-install-recommends", "keeper-a", "keeper-b", "keeper-data"); err != nil {
		t.Fatalf("apt-get install through the virtual repository: %v\n%s", err, out)
	}
	for _, name := range []string{"keeper-a", "keeper-b", "keeper-data"} {
		want, _ := os.ReadFile(debs[name])
		if got, err := os.ReadFile(filepath.Join(a.dir, "archives", filepath.Base(debs[name]))); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s through the virtual repository differs (%v)", name, err)
		}
	}
	// A new upload to a member shows in the virtual's indexes.
	deb := buildDeb(t, dpkgDeb, dir, "keeper-a", "1.1", "amd64", "newer\n")
	data, _ := os.ReadFile(deb)
	k.Expect(201, "POST", "/debian/apta/upload", bytes.NewReader(data))
	if out, err := a.run("update"); err != nil || strings.Contains(out, "E:") {
		t.Fatalf("apt-get update after an upload: %v\n%s", err, out)
	}
	if out, err := a.run("install", "-y", "--download-only", "keeper-a"); err != nil || !strings.Contains(out, "1.1") {
		t.Fatalf("the new version through the virtual repository: %v\n%s", err, out)
	}
	// The virtual accepts no uploads (no deployment target).
	k.Expect(405, "POST", "/debian/aptall/upload", bytes.NewReader(data))
}
