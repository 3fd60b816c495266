package e2e

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactoryExportNative imports an npm and a PyPI repository
// from an export directory: each file goes through the server's import
// route, which deploys it by path through its format's mount as a live
// import does, checked against the checksums the export recorded. npm and
// pip then install what was imported; a tarball whose bytes differ from
// its recorded checksum fails and is not stored.
func TestImportArtifactoryExportNative(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"npm", "python3"} {
		if _, err := exec.LookPath(c); err != nil {
			harness.MissingClient(t, "%s not found", c)
		}
	}
	tgz := npmTarball(t, "left-pad", "1.3.0")
	whlName := "keeper_demo-1.0.0-py3-none-any.whl"
	whl, err := os.ReadFile(filepath.Join(root, "plugins", "pypi", "testdata", "dists", whlName))
	if err != nil {
		t.Fatal(err)
	}
	export := t.TempDir()
	repos := filepath.Join(export, "repositories")
	writeExportFile(t, filepath.Join(repos, "npm-local", "left-pad", "-", "left-pad-1.3.0.tgz"), tgz)
	// Artifactory's own npm metadata: hidden, left out.
	writeExportFile(t, filepath.Join(repos, "npm-local", ".npm", "left-pad", "package.json"), []byte(`{"name":"left-pad"}`))
	// A tarball changed after the export: its recorded checksums differ.
	other := npmTarball(t, "right-pad", "1.0.0")
	tampered := filepath.Join(repos, "npm-local", "right-pad", "-", "right-pad-1.0.0.tgz")
	writeExportFile(t, tampered, other)
	if err := os.WriteFile(tampered, append(other, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	writeExportFile(t, filepath.Join(repos, "pypi-local", "keeper-demo", "1.0.0", whlName), whl)
	// The properties Artifactory sets on packages it indexes.
	for p, props := range map[string]string{
		filepath.Join(repos, "npm-local", "left-pad", "-", "left-pad-1.3.0.tgz"): `<property><key>npm.name</key><value>left-pad</value></property><property><key>npm.version</key><value>1.3.0</value></property>`,
		filepath.Join(repos, "pypi-local", "keeper-demo", "1.0.0", whlName):      `<property><key>pypi.name</key><value>keeper-demo</value></property><property><key>pypi.version</key><value>1.0.0</value></property>`,
	} {
		if err := os.WriteFile(p+".artifactory-metadata/properties.xml", []byte("<properties>"+props+"</properties>\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	k.CreateRepo(harness.Repo{Key: "py", Format: "pypi", Public: true})
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + k.APIToken("import", "admin"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	args := []string{"import", "artifactory", "--from", export, "--map", "npm-local=js", "--map", "pypi-local=py", "--json"}
	rep := importReport(t, env, 2, 1, args...)
	for _, it := range rep.Items {
		if it.Outcome == "failed" && (it.Path != "right-pad/-/right-pad-1.0.0.tgz" || !strings.Contains(it.Reason, "checksum mismatch")) {
			t.Fatalf("failed item %+v", it)
		}
	}
	k.Expect(404, "GET", "/npm/js/right-pad", nil)
	for _, it := range rep.Items {
		if it.Repository == "py" && !strings.Contains(it.Reason, "properties not set") {
			t.Fatalf("the wheel's properties have no path to go to: %+v", it)
		}
	}
	var art struct{ Properties map[string][]string }
	if err := k.Expect(200, "GET", "/api/v1/repositories/js/artifacts/left-pad/-/left-pad-1.3.0.tgz", nil).JSON(&art); err != nil ||
		len(art.Properties["npm.version"]) != 1 || art.Properties["npm.version"][0] != "1.3.0" {
		t.Fatalf("the tarball's properties: %+v %v", art, err)
	}

	e := newNpmEnv(t, k, "js")
	app := t.TempDir()
	if err := os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"app","version":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(app, "npm", "install", "left-pad@1.3.0")
	var lock struct {
		Packages map[string]struct{ Version, Integrity string }
	}
	b, err := os.ReadFile(filepath.Join(app, "package-lock.json"))
	if err != nil || json.Unmarshal(b, &lock) != nil {
		t.Fatalf("package-lock.json: %v %s", err, b)
	}
	sum := sha512.Sum512(tgz)
	if got := lock.Packages["node_modules/left-pad"]; got.Version != "1.3.0" || got.Integrity != "sha512-"+base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("installed %+v", got)
	}
	dl := t.TempDir()
	p := pyRun{t: t, env: pyEnv(t.TempDir())}
	p.must("python3", "-m", "pip", "download", "--no-deps", "--index-url", k.URL+"/pypi/py/simple/", "-d", dl, "keeper-demo==1.0.0")
	if got, err := os.ReadFile(filepath.Join(dl, whlName)); err != nil || harness.SHA256(got) != harness.SHA256(whl) {
		t.Fatalf("pip downloaded %s: %v", harness.SHA256(got), err)
	}

	// A rerun: the stored versions are skipped (the plugins answer 409).
	rep = importReport(t, env, 0, 1, args...)
	if rep.Skipped != 2 {
		t.Fatalf("rerun: %+v", rep)
	}
}
