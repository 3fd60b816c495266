package e2e

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/artifactory/artifactorytest"
	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestImportArtifactoryOCI imports a container image kept in Artifactory's
// layout (<image>/<tag>/manifest.json and sha256__<hex> blobs), once from
// the Artifactory test server and once from an export directory, into OCI
// repositories: the importer pushes the blobs and then the manifest through
// the OCI plugin's own routes. crane then pulls each import and finds the
// digests of the image that was pushed to build the fixture.
func TestImportArtifactoryOCI(t *testing.T) {
	t.Parallel()
	crane := ociTool(t, "crane")
	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	for _, key := range []string{"staging", "from-rest", "from-export"} {
		k.CreateRepo(harness.Repo{Key: key, Format: "oci"})
	}
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, home := u.Host, t.TempDir()
	ociRun(t, home, crane, "auth", "login", host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")

	// The fixture: an image built by crane (crane append -f layer.tar -t
	// HOST/staging/app/web:1.0), read back as Artifactory stores it.
	ociRun(t, home, crane, "append", "--insecure", "-f", layerTar(t, home, "hello", "hello from artifactory\n"), "-t", host+"/staging/app/web:1.0")
	manifest := []byte(ociRun(t, home, crane, "manifest", "--insecure", host+"/staging/app/web:1.0"))
	digest := ociRun(t, home, crane, "digest", "--insecure", host+"/staging/app/web:1.0")
	if sum := sha256.Sum256(manifest); "sha256:"+hex.EncodeToString(sum[:]) != digest {
		t.Fatalf("crane manifest printed other bytes than %s", digest)
	}
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if err := json.Unmarshal(manifest, &m); err != nil || len(m.Layers) != 1 {
		t.Fatalf("manifest %s: %v", manifest, err)
	}
	files := map[string][]byte{"app/web/1.0/manifest.json": manifest}
	for _, d := range []string{m.Config.Digest, m.Layers[0].Digest} {
		files["app/web/1.0/sha256__"+strings.TrimPrefix(d, "sha256:")] = craneBytes(t, home, crane, "blob", "--insecure", host+"/staging/app/web@"+d)
	}

	// From the REST API.
	src := artifactorytest.New(artifactorytest.Repo{Key: "docker-local", Type: "LOCAL", PackageType: "Docker", Files: files})
	defer src.Close()
	src.Token = "source-token"
	env := []string{"KEEPER_URL=" + k.URL, "KEEPER_TOKEN=" + k.APIToken("import", "admin"), "KEEPER_IMPORT_TOKEN=source-token",
		"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	rep := importReport(t, env, 3, 0, "import", "artifactory", "--url", src.Base(), "--map", "docker-local=from-rest", "--json")
	pendingLast(t, rep)

	// From an export directory, each file with its artifactory-file.xml.
	export := t.TempDir()
	for p, b := range files {
		writeExportFile(t, filepath.Join(export, "repositories", "docker-local", p), b)
	}
	args := []string{"import", "artifactory", "--from", export, "--map", "docker-local=from-export", "--json"}
	pendingLast(t, importReport(t, env, 3, 0, args...))

	for _, repo := range []string{"from-rest", "from-export"} {
		ref := host + "/" + repo + "/app/web:1.0"
		if got := ociRun(t, home, crane, "digest", "--insecure", ref); got != digest {
			t.Fatalf("%s: digest %s, want %s", ref, got, digest)
		}
		layout := filepath.Join(t.TempDir(), "img")
		ociRun(t, home, crane, "pull", "--insecure", "--format", "oci", ref, layout)
		for _, d := range []string{m.Config.Digest, m.Layers[0].Digest} {
			b, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")))
			if sum := sha256.Sum256(b); err != nil || "sha256:"+hex.EncodeToString(sum[:]) != d {
				t.Fatalf("%s: pulled blob %s: %v", repo, d, err)
			}
		}
	}
	// A rerun finds everything stored.
	rep = importReport(t, env, 0, 0, args...)
	if rep.Skipped != 3 {
		t.Fatalf("rerun: %+v", rep)
	}
}

// pendingLast: the manifest, listed before its blobs (manifest.json sorts
// before sha256__), was answered 424 by the plugin and deployed again after
// them, so it is reported last.
func pendingLast(t *testing.T, rep importRep) {
	t.Helper()
	if n := len(rep.Items); n != 3 || rep.Items[n-1].Path != "app/web/1.0/manifest.json" || rep.Items[n-1].Outcome != "imported" {
		t.Fatalf("the manifest is not imported after its blobs: %+v", rep.Items)
	}
}

type importRep struct {
	Imported, Skipped, Failed int
	Items                     []struct{ Repository, Path, Outcome, Reason string }
}

// importReport runs keeper import … --json and checks its totals.
func importReport(t *testing.T, env []string, imported, failed int, args ...string) importRep {
	t.Helper()
	res := harness.Run(t, env, args...)
	var rep importRep
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, res)
	}
	// The exit status is 1 when an item failed, with --json too.
	if rep.Imported != imported || rep.Failed != failed || (failed == 0) != (res.ExitCode == 0) {
		t.Fatalf("report of %v: %+v\n%s", args, rep, res)
	}
	return rep
}

// writeExportFile writes an artifact of an export and, beside it,
// its artifactory-file.xml with the checksums Artifactory records.
func writeExportFile(t *testing.T, p string, b []byte) {
	t.Helper()
	s1, s256, m5 := sha1.Sum(b), sha256.Sum256(b), md5.Sum(b)
	meta := `<?xml version="1.0" encoding="UTF-8"?>
<artifactory-file>
  <name>` + filepath.Base(p) + `</name>
  <size>` + strconv.Itoa(len(b)) + `</size>
  <additionalInfo>
    <checksumsInfo>
      <checksums>
        <checksum><type>sha1</type><original>` + hex.EncodeToString(s1[:]) + `</original><actual>` + hex.EncodeToString(s1[:]) + `</actual></checksum>
        <checksum><type>md5</type><original>` + hex.EncodeToString(m5[:]) + `</original><actual>` + hex.EncodeToString(m5[:]) + `</actual></checksum>
        <checksum><type>sha256</type><original>` + hex.EncodeToString(s256[:]) + `</original><actual>` + hex.EncodeToString(s256[:]) + `</actual></checksum>
      </checksums>
    </checksumsInfo>
  </additionalInfo>
</artifactory-file>
`
	for name, data := range map[string][]byte{p: b, p + ".artifactory-metadata/artifactory-file.xml": []byte(meta)} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// craneBytes runs crane and returns its raw standard output (a blob).
func craneBytes(t *testing.T, home, crane string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(crane, args...)
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("crane %s: %v", strings.Join(args, " "), err)
	}
	return out
}
