package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/artifactory/artifactorytest"
	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactoryNative imports an npm and a PyPI repository from
// the Artifactory test server: each file is deployed by path through its
// format's own mount, so the plugins index it as a publish, and the real
// clients then install it from Keeper with the source's checksums. The
// source's own index folder (.npm/) is skipped; a rerun skips everything.
func TestImportArtifactoryNative(t *testing.T) {
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
	src := artifactorytest.New(
		artifactorytest.Repo{Key: "npm-local", Type: "LOCAL", PackageType: "Npm", Files: map[string][]byte{
			"left-pad/-/left-pad-1.3.0.tgz": tgz,
			".npm/left-pad/package.json":    []byte(`{"name":"left-pad"}`),
		}},
		artifactorytest.Repo{Key: "pypi-local", Type: "LOCAL", PackageType: "Pypi", Files: map[string][]byte{
			"keeper-demo/1.0.0/" + whlName: whl,
		}},
	)
	defer src.Close()
	src.Token = "source-token"

	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	k.CreateRepo(harness.Repo{Key: "py", Format: "pypi", Public: true})
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + k.APIToken("import", "admin"), "KEEPER_IMPORT_TOKEN=source-token",
		"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	args := []string{"import", "artifactory", "--url", src.Base(), "--map", "npm-local=js", "--map", "pypi-local=py", "--json"}
	res := harness.Run(t, env, args...)
	if res.ExitCode != 0 {
		t.Fatalf("import: %s", res)
	}
	var rep struct {
		Imported, Skipped, Failed int
		Items                     []struct{ Repository, Path, Outcome, Reason string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, res)
	}
	if rep.Imported != 2 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Fatalf("report: %+v", rep)
	}

	// npm installs the imported version; its tarball is the source's bytes.
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

	// pip downloads the imported wheel from Keeper's simple index.
	dl := t.TempDir()
	p := pyRun{t: t, env: pyEnv(t.TempDir())}
	p.must("python3", "-m", "pip", "download", "--no-deps", "--index-url", k.URL+"/pypi/py/simple/", "-d", dl, "keeper-demo==1.0.0")
	got, err := os.ReadFile(filepath.Join(dl, whlName))
	if err != nil || harness.SHA256(got) != harness.SHA256(whl) {
		t.Fatalf("pip downloaded %s: %v", harness.SHA256(got), err)
	}

	// Each deploy is audited as the importing administrator's.
	var audit struct {
		Items []struct{ Actor, Target string }
	}
	if err := k.Expect(200, "GET", "/api/v1/admin/audit?action=artifact.write", nil).JSON(&audit); err != nil {
		t.Fatal(err)
	}
	audited := map[string]string{}
	for _, it := range audit.Items {
		audited[it.Target] = it.Actor
	}
	if audited["js/left-pad/-/left-pad-1.3.0.tgz"] != "admin" || audited["py/keeper-demo/1.0.0/"+whlName] != "admin" {
		t.Fatalf("audit of the deploys: %+v", audit.Items)
	}

	// The report is kept in the database: a restarted server shows it.
	var list struct {
		Jobs []struct{ ID, State string }
	}
	if err := k.Expect(200, "GET", "/api/v1/admin/imports", nil).JSON(&list); err != nil || len(list.Jobs) != 1 {
		t.Fatalf("imports: %+v %v", list, err)
	}
	k.Restart()
	var job struct {
		State    string
		Imported int
		Items    []struct{ Repository, Path, Outcome string }
	}
	if err := k.Expect(200, "GET", "/api/v1/admin/imports/"+list.Jobs[0].ID, nil).JSON(&job); err != nil ||
		job.State != "done" || job.Imported != 2 || len(job.Items) != 3 {
		t.Fatalf("report after a restart: %+v %v", job, err)
	}

	// A rerun imports nothing again.
	env[0] = "KEEPER_URL=" + k.URL // the restarted server may listen elsewhere
	res = harness.Run(t, env, args...)
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil || res.ExitCode != 0 || rep.Imported != 0 || rep.Skipped != 3 {
		t.Fatalf("rerun: %+v\n%s", rep, res)
	}
	for _, it := range rep.Items {
		if it.Repository == "py" && !strings.Contains(it.Reason, "already exists") {
			t.Fatalf("rerun item %+v", it)
		}
	}
}

// npmTarball builds the tarball `npm pack` makes of a minimal package.
func npmTarball(t *testing.T, name, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for n, c := range map[string]string{
		"package/package.json": `{"name":"` + name + `","version":"` + version + `","main":"index.js"}`,
		"package/index.js":     "module.exports = (s, n) => String(s).padStart(n);\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(c))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
