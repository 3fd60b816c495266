package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestScanRemoteFetch: wheels a remote repository caches from its upstream
// (a second keeper holding a planted vulnerable wheel) are scanned like
// uploads with the real scanners, and the download gate applies to them:
// with block_unscanned no byte of an unscanned fetch reaches the client,
// the vulnerable wheel is then refused to pip with the reason, and the
// fixed one downloads once its clean verdict is in. Then a new database
// that knows a vulnerability of the fixed wheel leads to a new finding for
// the already-stored wheel, with no re-upload or re-fetch.
func TestScanRemoteFetch(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	env, _, _, updateDB := scanSetupDB(t)
	twine, python := pypiTools(t, root)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	mk := filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py")
	var wheels []string
	for _, v := range []string{"1.0.0", "1.1.0"} {
		p.must(python, mk, filepath.Join(dir, v), "keeper-vuln-demo", v, "m"+v, ">=3.8")
		wheels = append(wheels, filepath.Join(dir, v, "keeper_vuln_demo-"+v+"-py3-none-any.whl"))
	}

	up := harness.Start(t, harness.Options{Env: []string{"KEEPER_SCAN_ENABLED=false"}})
	up.CreateRepo(harness.Repo{Key: "py", Format: "pypi", Public: true})
	p.must(twine, append([]string{"upload", "--non-interactive", "--disable-progress-bar", "--repository-url", up.URL + "/pypi/py/",
		"-u", "__token__", "-p", up.APIToken("twine")}, wheels...)...)

	px := harness.Start(t, harness.Options{Env: append(env, "KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true", "KEEPER_SCAN_DB_CHECK=1s")})
	px.CreateRepo(harness.Repo{Key: "pyproxy", Format: "pypi", Type: "remote", Public: true, UpstreamURL: up.URL + "/pypi/py"})
	px.Expect(200, "PUT", "/api/v1/security/policies/pyproxy",
		harness.JSONBody(map[string]any{"enabled": true, "block_severity": "HIGH", "block_unscanned": true}), "Content-Type", "application/json")

	index := px.URL + "/pypi/pyproxy/simple/"
	pip := func(version string) (string, bool) {
		return p.run(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
			"-d", filepath.Join(dir, "dl-"+version), "--index-url", index, "keeper-vuln-demo=="+version)
	}
	wheelPath := func(v string) string { return "packages/keeper-vuln-demo/keeper_vuln_demo-" + v + "-py3-none-any.whl" }

	// The first download fetches the wheel from the upstream and caches
	// it; the gate answers before any byte (not scanned yet, or already
	// found vulnerable).
	if out, ok := pip("1.0.0"); ok || !strings.Contains(out, "403") {
		t.Fatalf("pip download of the vulnerable wheel through the proxy: ok=%v\n%s", ok, out)
	}
	bad := waitScanned(t, px, "pyproxy", wheelPath("1.0.0"))
	if bad.Status != "done" || !hasFinding(bad, "CVE-2099-0001") || bad.Download.Allowed {
		t.Fatalf("cached vulnerable wheel: %+v", bad)
	}
	if out, ok := pip("1.0.0"); ok || !strings.Contains(out, "403") {
		t.Fatalf("pip download of the scanned vulnerable wheel: ok=%v\n%s", ok, out)
	}
	r := px.Expect(403, "GET", "/pypi/pyproxy/"+wheelPath("1.0.0"), nil, "Authorization", "")
	if !strings.Contains(r.String(), "blocked by security policy: HIGH CVE-2099-0001") {
		t.Fatalf("the refusal does not carry the reason: %s", r)
	}

	// The fixed wheel: refused while unscanned (the fetch is stored, not
	// streamed), then served once its clean verdict is in.
	r = px.Expect(403, "GET", "/pypi/pyproxy/"+wheelPath("1.1.0"), nil, "Authorization", "")
	if !strings.Contains(r.String(), "not scanned") {
		t.Fatalf("an unscanned fetch was not held: %s", r)
	}
	good := waitScanned(t, px, "pyproxy", wheelPath("1.1.0"))
	if good.Status != "done" || len(good.Findings) != 0 || !good.Download.Allowed {
		t.Fatalf("cached fixed wheel: %+v", good)
	}
	time.Sleep(100 * time.Millisecond)
	if out, ok := pip("1.1.0"); !ok {
		t.Fatalf("pip download of the fixed wheel: %s", out)
	}
	// Documents the upstream serves (the simple index) are not scanned.
	if r, err := px.Call("GET", "/api/v1/security/findings?repository=pyproxy&path=simple/keeper-vuln-demo/", nil); err == nil && r.Status == 200 {
		var idx scanReport
		if r.JSON(&idx) != nil || idx.Status != "not_scanned" {
			t.Fatalf("the index page has a scan: %s", r)
		}
	}

	// A new vulnerability database: the stored verdicts are requeued and
	// the fixed wheel, already cached, gets the new finding.
	late := append(slices.Clone(scanAdvisories), map[string]any{"id": "CVE-2099-0009", "ecosystem": "pip",
		"package": "keeper-vuln-demo", "vulnerable": "<1.2.0", "fixed": "1.2.0", "severity": "CRITICAL", "title": "found later"})
	updateDB(late)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var rep scanReport
		if err := px.Expect(200, "GET", "/api/v1/security/findings?repository=pyproxy&path="+wheelPath("1.1.0"), nil).JSON(&rep); err != nil {
			t.Fatal(err)
		}
		if hasFinding(rep, "CVE-2099-0009") {
			if rep.Download.Allowed {
				t.Fatalf("new CRITICAL finding does not block: %+v", rep)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new finding after the database changed: %+v", rep)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r = px.Expect(403, "GET", "/pypi/pyproxy/"+wheelPath("1.1.0"), nil, "Authorization", "")
	if !strings.Contains(r.String(), "CVE-2099-0009") {
		t.Fatalf("the refusal does not name the new finding: %s", r)
	}
}
