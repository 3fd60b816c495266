package e2e

import (
	"archive/tar"
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// jarLayerTar is an image layer holding one jar at app/<name>.
func jarLayerTar(t *testing.T, name string, jar []byte) string {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	w.WriteHeader(&tar.Header{Name: "app/", Mode: 0o755, Typeflag: tar.TypeDir})
	w.WriteHeader(&tar.Header{Name: "app/" + name, Mode: 0o644, Size: int64(len(jar)), Typeflag: tar.TypeReg})
	w.Write(jar)
	w.Close()
	p := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScanImage pushes real images built by crane (a layer holding a jar
// planted with CVE-2099-0003, and one with the fixed jar) into an OCI
// repository: the host assembles an OCI image layout from each manifest's
// stored blobs and both Trivy and Grype scan it; the vulnerable image's
// manifest has the finding once, reported by both, the fixed one is clean,
// and a blocking policy refuses the vulnerable manifest to crane.
func TestScanImage(t *testing.T) {
	t.Parallel()
	env, _, scanners := scanSetup(t)
	if len(scanners) == 0 {
		t.Skip("no scanner installed")
	}
	crane := ociTool(t, "crane")
	k := harness.Start(t, harness.Options{Env: env})
	k.CreateRepo(harness.Repo{Key: "images", Format: "oci"})
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ociRun(t, home, crane, "auth", "login", u.Host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")

	push := func(tag, version string, oci bool) string {
		t.Helper()
		args := []string{"append", "--insecure", "-f", jarLayerTar(t, "vuln-demo-"+version+".jar", jarBytes(t, version)),
			"-t", u.Host + "/images/app:" + tag}
		if oci {
			args = append(args, "--oci-empty-base")
		}
		ociRun(t, home, crane, args...)
		return ociRun(t, home, crane, "digest", "--insecure", u.Host+"/images/app:"+tag)
	}
	// Docker media types for the vulnerable image, OCI ones for the fixed.
	bad, good := push("bad", "1.0.0", false), push("good", "1.1.0", true)

	rep := waitScanned(t, k, "images", "app/manifests/"+bad)
	var rows []scanFinding
	for _, f := range rep.Findings {
		if f.ID == "CVE-2099-0003" || slices.Contains(f.Aliases, "CVE-2099-0003") {
			rows = append(rows, f)
		}
	}
	if rep.Status != "done" || len(rows) != 1 || rep.Score != 90 {
		t.Fatalf("vulnerable image %s: want CVE-2099-0003 once (score 90): %+v", bad, rep)
	}
	for _, sc := range scanners {
		if !slices.Contains(rows[0].Sources, sc) || !slices.Contains(rep.Scanners, sc) {
			t.Errorf("vulnerable image: %s did not report CVE-2099-0003: %+v", sc, rep)
		}
	}
	t.Logf("image %s: %+v found by %v (score %d, grade %s)", bad, rows[0], rep.Scanners, rep.Score, rep.Grade)
	clean := waitScanned(t, k, "images", "app/manifests/"+good)
	if clean.Status != "done" || len(clean.Findings) != 0 || clean.Score != 100 {
		t.Fatalf("fixed image %s: want clean: %+v", good, clean)
	}

	// The verdict gates pulls of the manifest like any scanned artifact.
	k.Expect(200, "PUT", "/api/v1/security/policies/images", harness.JSONBody(map[string]any{"block_severity": "HIGH"}),
		"Content-Type", "application/json")
	time.Sleep(3500 * time.Millisecond) // policies are cached per replica for 3 s
	// By tag too: the tag's own stored file is judged by the manifest it
	// names (plugins/oci tagfiles.go, core/scan/alias.go).
	for _, ref := range []string{"@" + bad, ":bad"} {
		cmd := exec.Command(crane, "manifest", "--insecure", u.Host+"/images/app"+ref)
		cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
		out, err := cmd.CombinedOutput()
		if err == nil || !bytes.Contains(out, []byte("CVE-2099-0003")) {
			t.Fatalf("pull of the vulnerable manifest %s under a blocking policy: %v\n%s", ref, err, out)
		}
	}
	ociRun(t, home, crane, "manifest", "--insecure", u.Host+"/images/app@"+good)
	ociRun(t, home, crane, "manifest", "--insecure", u.Host+"/images/app:good")
}
