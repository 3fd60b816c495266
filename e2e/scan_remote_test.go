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
// the already-stored wheel, with no re-upload or re-fetch. A wheel that
// declares a license gets it stored, an SPDX SBOM, and is refused by a
// license deny list; a quality gate fails the vulnerable wheel and, once
// attached to the repository, refuses its download.
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

	licensed := pyRun{t: t, env: append(pyEnv(home), "KEEPER_DIST_LICENSE=GPL-3.0-only")}
	licensed.must(python, mk, filepath.Join(dir, "lic"), "keeper-lic", "1.0.0", "lic", ">=3.8")
	wheels = append(wheels, filepath.Join(dir, "lic", "keeper_lic-1.0.0-py3-none-any.whl"))

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

	// License facts: the cached wheel's declared license is stored, the
	// SBOM comes as SPDX too, and a license deny list refuses it.
	licPath := "packages/keeper-lic/keeper_lic-1.0.0-py3-none-any.whl"
	px.Expect(403, "GET", "/pypi/pyproxy/"+licPath, nil, "Authorization", "") // fetched, not scanned yet
	var lic struct {
		Status   string
		Licenses []struct{ Package, License string }
		Download struct{ Allowed bool }
	}
	waitScanned(t, px, "pyproxy", licPath)
	px.Expect(200, "GET", "/api/v1/security/findings?repository=pyproxy&path="+licPath, nil).JSON(&lic)
	if len(lic.Licenses) != 1 || lic.Licenses[0].License != "GPL-3.0-only" || lic.Licenses[0].Package != "keeper-lic" || !lic.Download.Allowed {
		t.Fatalf("license facts: %+v", lic)
	}
	spdx := px.Expect(200, "GET", "/api/v1/security/sbom?repository=pyproxy&format=spdx&path="+licPath, nil)
	if !strings.Contains(string(spdx.Body), `"spdxVersion"`) || !strings.Contains(string(spdx.Body), "GPL-3.0-only") ||
		!strings.HasPrefix(spdx.Header.Get("Content-Type"), "application/spdx+json") {
		t.Fatalf("SPDX SBOM: %s", spdx)
	}
	px.Expect(400, "GET", "/api/v1/security/sbom?repository=pyproxy&format=nope&path="+licPath, nil)
	px.Expect(200, "PUT", "/api/v1/security/policies", harness.JSONBody(map[string]any{"enabled": true, "deny_licenses": []string{"gpl-3.0-only"}}),
		"Content-Type", "application/json")
	px.Expect(400, "PUT", "/api/v1/security/policies", harness.JSONBody(map[string]any{"enabled": true, "deny_licenses": []string{"MIT OR x"}}),
		"Content-Type", "application/json")
	time.Sleep(3500 * time.Millisecond) // policies are cached per replica for 3 s
	if out, ok := p.run(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
		"-d", filepath.Join(dir, "dl-lic"), "--index-url", index, "keeper-lic==1.0.0"); ok || !strings.Contains(out, "403") {
		t.Fatalf("pip download of a denied license: ok=%v\n%s", ok, out)
	}
	r = px.Expect(403, "GET", "/pypi/pyproxy/"+licPath, nil, "Authorization", "")
	if !strings.Contains(r.String(), "blocked by license policy: gpl-3.0-only in keeper-lic") {
		t.Fatalf("the license refusal does not carry the reason: %s", r)
	}
	px.Expect(200, "PUT", "/api/v1/security/policies", harness.JSONBody(map[string]any{"enabled": true}), "Content-Type", "application/json")

	// A quality gate: evaluated on demand, and attached to the repository
	// it gates downloads.
	px.Expect(200, "PUT", "/api/v1/quality/gates/release", harness.JSONBody(map[string]any{"min_grade": "B", "max_critical": 0, "max_high": 0}),
		"Content-Type", "application/json")
	px.Expect(400, "PUT", "/api/v1/quality/gates/release", harness.JSONBody(map[string]any{"min_grade": "Q"}), "Content-Type", "application/json")
	evaluate := func(path string) (ev struct {
		Pass    bool
		Reasons []string
	}) {
		t.Helper()
		px.Expect(200, "POST", "/api/v1/quality/gates/evaluate/release", harness.JSONBody(map[string]string{"repository": "pyproxy", "path": path}),
			"Content-Type", "application/json").JSON(&ev)
		return ev
	}
	if ev := evaluate(wheelPath("1.0.0")); ev.Pass || len(ev.Reasons) != 1 || ev.Reasons[0] != "1 high findings (at most 0)" {
		t.Fatalf("gate on the vulnerable wheel: %+v", ev)
	}
	if ev := evaluate(wheelPath("1.1.0")); !ev.Pass {
		t.Fatalf("gate on the fixed wheel: %+v", ev)
	}
	px.Expect(404, "POST", "/api/v1/quality/gates/evaluate/missing", harness.JSONBody(map[string]string{"repository": "pyproxy", "path": wheelPath("1.1.0")}),
		"Content-Type", "application/json")
	px.Expect(200, "PUT", "/api/v1/security/policies/pyproxy", harness.JSONBody(map[string]any{"enabled": true, "quality_gate": "release"}),
		"Content-Type", "application/json")
	px.Expect(409, "DELETE", "/api/v1/quality/gates/release", nil)
	time.Sleep(3500 * time.Millisecond)
	r = px.Expect(403, "GET", "/pypi/pyproxy/"+wheelPath("1.0.0"), nil, "Authorization", "")
	if !strings.Contains(r.String(), "blocked by quality gate release: 1 high findings (at most 0)") {
		t.Fatalf("the gate's refusal: %s", r)
	}
	px.Expect(200, "GET", "/pypi/pyproxy/"+wheelPath("1.1.0"), nil, "Authorization", "")
	px.Expect(200, "PUT", "/api/v1/security/policies/pyproxy",
		harness.JSONBody(map[string]any{"enabled": true, "block_severity": "HIGH", "block_unscanned": true}), "Content-Type", "application/json")
	px.Expect(204, "DELETE", "/api/v1/quality/gates/release", nil)

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
