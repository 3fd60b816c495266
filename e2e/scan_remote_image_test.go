package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestScanRemoteImage: images a remote OCI repository caches from its
// upstream (a second keeper holding images built by crane, one with a
// layer carrying a jar planted with CVE-2099-0003, one with the fixed jar)
// are scanned with the real scanners. The plugin describes the cached
// manifest (parse-metadata), and its scan waits until the layers a client
// fetches after it are cached too: pulled by tag with crane, the
// vulnerable image's manifest gets the finding from every scanner, the
// same content by digest shares the verdict (no second scan), and a
// blocking policy refuses it to crane with the reason. Of an image whose
// manifest only was fetched, the scan waits (pending, saying for which
// blob) and is made once the image is pulled; of one whose manifest only
// is ever fetched, the repository fetches the blobs itself after
// scan.blob_fetch_after. Layers are scanned with their image, never on
// their own.
func TestScanRemoteImage(t *testing.T) {
	t.Parallel()
	env, runs, scanners := scanSetup(t)
	if len(scanners) == 0 {
		t.Skip("no scanner installed")
	}
	crane := ociTool(t, "crane")
	home := t.TempDir()

	up := harness.Start(t, harness.Options{Env: []string{"KEEPER_SCAN_ENABLED=false"}})
	up.CreateRepo(harness.Repo{Key: "src", Format: "oci"})
	upHost := hostOf(t, up.URL)
	ociRun(t, home, crane, "auth", "login", upHost, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	push := func(image, version string) string {
		t.Helper()
		ociRun(t, home, crane, "append", "--insecure", "-f", jarLayerTar(t, "vuln-demo-"+version+".jar", jarBytes(t, version)),
			"-t", upHost+"/src/team/"+image+":1")
		return ociRun(t, home, crane, "digest", "--insecure", upHost+"/src/team/"+image+":1")
	}
	bad, good, part := push("app", "1.0.0"), push("fixed", "1.1.0"), push("partial", "1.0.0")

	px := harness.Start(t, harness.Options{Env: append(env, "KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true",
		"KEEPER_SCAN_BLOB_FETCH_AFTER=30s")})
	px.CreateRepo(harness.Repo{Key: "hub", Format: "oci", Type: "remote", Public: true, UpstreamURL: up.URL + "/v2/src",
		Config: map[string]string{"upstream_username": "admin", "upstream_password": harness.AdminPassword}})
	pxHost := hostOf(t, px.URL)
	anon := t.TempDir()
	pull := func(ref string) {
		t.Helper()
		ociRun(t, anon, crane, "pull", "--insecure", "--format", "oci", ref, filepath.Join(t.TempDir(), "img"))
	}

	pull(pxHost + "/hub/team/app:1")
	rep := waitScannedFor(t, px, "hub", "team/app/manifests/1", 10*time.Minute)
	var rows []scanFinding
	for _, f := range rep.Findings {
		if f.ID == "CVE-2099-0003" || slices.Contains(f.Aliases, "CVE-2099-0003") {
			rows = append(rows, f)
		}
	}
	if rep.Status != "done" || len(rows) != 1 {
		t.Fatalf("image %s pulled through the proxy: want CVE-2099-0003 once: %+v", bad, rep)
	}
	for _, sc := range scanners {
		if !slices.Contains(rows[0].Sources, sc) {
			t.Errorf("pulled image: %s did not report CVE-2099-0003: %+v", sc, rep)
		}
	}
	t.Logf("pulled image %s: %+v found by %v", bad, rows[0], rep.Scanners)

	// Its layer, an archive, is scanned with the image, not on its own.
	var m struct{ Layers []struct{ Digest string } }
	if err := json.Unmarshal([]byte(ociRun(t, anon, crane, "manifest", "--insecure", pxHost+"/hub/team/app@"+bad)), &m); err != nil || len(m.Layers) != 1 {
		t.Fatalf("manifest of %s: %v %+v", bad, err, m)
	}
	var layer scanReport
	if err := px.Expect(200, "GET", "/api/v1/security/findings?repository=hub&path=team/app/blobs/"+m.Layers[0].Digest, nil).JSON(&layer); err != nil ||
		layer.Status != "not_scanned" {
		t.Fatalf("the image's layer has a scan of its own: %v %+v", err, layer)
	}

	// The same manifest by digest is the same content: its verdict is in.
	before := runs()
	pull(pxHost + "/hub/team/app@" + bad)
	if byDigest := waitScanned(t, px, "hub", "team/app/manifests/"+bad); !hasFinding(byDigest, "CVE-2099-0003") || runs() != before {
		t.Fatalf("by digest: %+v (scanner runs %d → %d)", byDigest, before, runs())
	}

	// Only the manifest of the fixed image: its scan waits for the layers.
	// The proxy answers the client before its copy is stored, so the
	// findings route may say 404 for a moment.
	ociRun(t, anon, crane, "manifest", "--insecure", pxHost+"/hub/team/fixed:1")
	deadline := time.Now().Add(5 * time.Minute)
	for {
		r, err := px.Call("GET", "/api/v1/security/findings?repository=hub&path=team/fixed/manifests/1", nil)
		if err != nil {
			t.Fatal(err)
		}
		var w scanReport
		switch r.Status {
		case 200:
			if err := r.JSON(&w); err != nil {
				t.Fatal(err)
			}
			if w.Status != "pending" && w.Status != "running" {
				t.Fatalf("manifest without its layers: %+v", w)
			}
		case 404: // not stored yet
		default:
			t.Fatalf("findings of the fixed image's manifest: %s", r)
		}
		if w.Status == "pending" && strings.Contains(w.Error, "waiting for 2 blob(s) of the image to be cached") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("manifest without its layers: %d %+v", r.Status, w)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pull(pxHost + "/hub/team/fixed:1")
	if clean := waitScannedFor(t, px, "hub", "team/fixed/manifests/1", 10*time.Minute); clean.Status != "done" || len(clean.Findings) != 0 {
		t.Fatalf("fixed image %s once pulled: %+v", good, clean)
	}

	// Of an image whose manifest only is ever fetched, the repository
	// fetches the blobs itself (scan.blob_fetch_after) and the scan is made.
	ociRun(t, anon, crane, "manifest", "--insecure", pxHost+"/hub/team/partial:1")
	if rep := waitScannedFor(t, px, "hub", "team/partial/manifests/1", 10*time.Minute); rep.Status != "done" || !hasFinding(rep, "CVE-2099-0003") {
		t.Fatalf("image %s of which only the manifest was fetched: %+v", part, rep)
	}

	// The verdict gates pulls through the proxy.
	px.Expect(200, "PUT", "/api/v1/security/policies/hub", harness.JSONBody(map[string]any{"block_severity": "HIGH"}),
		"Content-Type", "application/json")
	time.Sleep(3500 * time.Millisecond) // policies are cached per replica for 3 s
	cmd := exec.Command(crane, "manifest", "--insecure", pxHost+"/hub/team/app:1")
	cmd.Env = append(harness.BaseEnv(), "HOME="+anon, "DOCKER_CONFIG="+filepath.Join(anon, ".docker"))
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("CVE-2099-0003")) {
		t.Fatalf("pull of the vulnerable image under a blocking policy: %v\n%s", err, out)
	}
	ociRun(t, anon, crane, "manifest", "--insecure", pxHost+"/hub/team/fixed:1")
}
