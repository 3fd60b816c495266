package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// scanAdvisories are the planted vulnerabilities of the generated offline
// databases (tools/vulndb): each affects version 1.0.0 of a package, and
// 1.1.0 is the fixed, clean one.
var scanAdvisories = []map[string]any{
	{"id": "CVE-2099-0001", "aliases": []string{"GHSA-kpr1-0001-0001"}, "ecosystem": "pip", "package": "keeper-vuln-demo",
		"vulnerable": "<1.1.0", "fixed": "1.1.0", "severity": "HIGH", "title": "planted wheel vulnerability"},
	{"id": "CVE-2099-0002", "ecosystem": "npm", "package": "keeper-vuln-npm",
		"vulnerable": "<1.1.0", "fixed": "1.1.0", "severity": "CRITICAL", "title": "planted npm vulnerability"},
	{"id": "CVE-2099-0003", "ecosystem": "maven", "package": "com.example:vuln-demo",
		"vulnerable": "<1.1.0", "fixed": "1.1.0", "severity": "HIGH", "title": "planted jar vulnerability"},
	{"id": "CVE-2099-0004", "ecosystem": "cargo", "package": "keeper-vuln-crate",
		"vulnerable": "<1.1.0", "fixed": "1.1.0", "severity": "MEDIUM", "title": "planted crate vulnerability"},
}

// scanTool finds a scanner or the database generator in .tools/bin (where
// .ci/scanners.sh installs them) or on PATH; "" when it is missing (a
// failure under CI, where .ci/scanners.sh installs both scanners).
func scanTool(t *testing.T, root, name string) string {
	t.Helper()
	if p := filepath.Join(root, ".tools", "bin", name); fileExists(p) {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: scan e2e: %s not found (run .ci/scanners.sh)", name)
		}
		t.Logf("scan e2e: %s not found (run .ci/scanners.sh)", name)
		return ""
	}
	return p
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// scanSetup generates the offline databases and counting wrappers around
// the real scanners; it returns keeper's environment and a function that
// counts the scanner runs so far.
func scanSetup(t *testing.T) (env []string, runs func() int, scanners []string) {
	env, runs, scanners, _ = scanSetupDB(t)
	return env, runs, scanners
}

// scanSetupDB is scanSetup that also returns a function writing new
// databases (with the given advisories) where the scanners read them.
func scanSetupDB(t *testing.T) (env []string, runs func() int, scanners []string, updateDB func(adv []map[string]any)) {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	trivy, grype, vulndb := scanTool(t, root, "trivy"), scanTool(t, root, "grype"), scanTool(t, root, "keeper-vulndb")
	if vulndb == "" || (trivy == "" && grype == "") {
		t.Skip("scan e2e: no scanner or no database generator (run .ci/scanners.sh)")
	}
	dir := t.TempDir()
	trivyDir, grypeBuild, grypeDir := filepath.Join(dir, "trivy"), filepath.Join(dir, "grype-build"), filepath.Join(dir, "grype")
	updateDB = func(advisories []map[string]any) {
		t.Helper()
		adv := filepath.Join(dir, "advisories.json")
		b, _ := json.Marshal(advisories)
		if err := os.WriteFile(adv, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(vulndb, "-advisories", adv, "-trivy", trivyDir, "-grype", grypeBuild).CombinedOutput(); err != nil {
			t.Fatalf("vulndb: %v\n%s", err, out)
		}
		if grype != "" {
			imp := exec.Command(grype, "db", "import", filepath.Join(grypeBuild, "vulnerability.db"))
			imp.Env = append(os.Environ(), "GRYPE_DB_CACHE_DIR="+grypeDir, "GRYPE_CHECK_FOR_APP_UPDATE=false")
			if out, err := imp.CombinedOutput(); err != nil {
				t.Fatalf("grype db import: %v\n%s", err, out)
			}
		}
	}
	updateDB(scanAdvisories)
	count := filepath.Join(dir, "runs")
	wrap := func(name, prog string) string {
		p := filepath.Join(dir, "run-"+name)
		script := fmt.Sprintf("#!/bin/sh\necho %s >> %q\nexec %q \"$@\"\n", name, count, prog)
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env = []string{"KEEPER_SCAN_TRIVY_CACHE_DIR=" + trivyDir, "KEEPER_SCAN_GRYPE_DB_DIR=" + grypeDir, "KEEPER_SCAN_POLL=50ms",
		"KEEPER_SCAN_TRIVY_PATH=" + filepath.Join(dir, "absent"), "KEEPER_SCAN_GRYPE_PATH=" + filepath.Join(dir, "absent")}
	if trivy != "" {
		env = append(env, "KEEPER_SCAN_TRIVY_PATH="+wrap("trivy", trivy))
		scanners = append(scanners, "trivy")
	}
	if grype != "" {
		env = append(env, "KEEPER_SCAN_GRYPE_PATH="+wrap("grype", grype))
		scanners = append(scanners, "grype")
	}
	runs = func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "\n")
	}
	return env, runs, scanners, updateDB
}

type scanFinding struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Package   string   `json:"package"`
	Installed string   `json:"installed_version"`
	Fixed     string   `json:"fixed_version"`
	Severity  string   `json:"severity"`
	Sources   []string `json:"sources"`
}

type scanReport struct {
	Status   string        `json:"status"`
	Error    string        `json:"error"`
	Scanners []string      `json:"scanners"`
	Findings []scanFinding `json:"findings"`
	Score    int           `json:"score"`
	Grade    string        `json:"grade"`
	Download struct {
		Allowed     bool   `json:"allowed"`
		Reason      string `json:"reason"`
		Quarantined bool   `json:"quarantined"`
	} `json:"download"`
}

// waitScanned polls an artifact's report until its scan has a verdict.
func waitScanned(t *testing.T, k *harness.Keeper, repo, path string) scanReport {
	t.Helper()
	return waitScannedFor(t, k, repo, path, 3*time.Minute)
}

// waitScannedFor is waitScanned with another bound (the scanners run at
// the lowest CPU priority: on a saturated machine they wait for idle CPU).
func waitScannedFor(t *testing.T, k *harness.Keeper, repo, path string, d time.Duration) scanReport {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		r, err := k.Call("GET", "/api/v1/security/findings?repository="+repo+"&path="+path, nil)
		var rep scanReport
		if err == nil && r.Status == 200 {
			_ = r.JSON(&rep)
			if rep.Status == "done" || rep.Status == "failed" || rep.Status == "not_scanned" {
				return rep
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s not scanned in time: %v %+v", repo, path, err, rep)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasFinding(rep scanReport, id string) bool {
	for _, f := range rep.Findings {
		if f.ID == id {
			return true
		}
		for _, a := range f.Aliases {
			if a == id {
				return true
			}
		}
	}
	return false
}

func zipBytes(t *testing.T, files map[string]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(body))
	}
	w.Close()
	return b.Bytes()
}

func tgzBytes(t *testing.T, files map[string]string) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	w := tar.NewWriter(gz)
	for name, body := range files {
		w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		w.Write([]byte(body))
	}
	w.Close()
	gz.Close()
	return b.Bytes()
}

func jarBytes(t *testing.T, version string) []byte {
	return zipBytes(t, map[string]string{
		"META-INF/MANIFEST.MF":                                "Manifest-Version: 1.0\r\nImplementation-Title: vuln-demo\r\nImplementation-Version: " + version + "\r\n\r\n",
		"META-INF/maven/com.example/vuln-demo/pom.properties": "groupId=com.example\nartifactId=vuln-demo\nversion=" + version + "\n",
		"com/example/Demo.class":                              "\xca\xfe\xba\xbe",
	})
}

func crateBytes(t *testing.T, version string) []byte {
	p := "keeper-app-" + version + "/"
	return tgzBytes(t, map[string]string{
		p + "Cargo.toml": "[package]\nname = \"keeper-app\"\nversion = \"" + version + "\"\nedition = \"2021\"\n\n[dependencies]\nkeeper-vuln-crate = \"" + version + "\"\n",
		p + "Cargo.lock": "version = 3\n\n[[package]]\nname = \"keeper-app\"\nversion = \"" + version + "\"\ndependencies = [\n \"keeper-vuln-crate\",\n]\n\n" +
			"[[package]]\nname = \"keeper-vuln-crate\"\nversion = \"" + version + "\"\nsource = \"registry+https://example.invalid/index\"\n",
		p + "src/main.rs": "fn main() {}\n",
	})
}

// TestScanning runs the real Trivy and Grype over artifacts published with
// the real clients (and the formats' upload protocols), against generated
// offline databases: the planted vulnerabilities of a wheel, an npm
// tarball, a jar and a crate are found, the fixed versions are clean,
// identical content is scanned once (counted scanner runs), a blocking
// policy makes pip and npm fail with the reason, and quarantine holds an
// upload until an administrator releases it.
func TestScanning(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	env, runs, scanners := scanSetup(t)
	twine, python := pypiTools(t, root)
	k := harness.Start(t, harness.Options{Env: env})
	for _, r := range []harness.Repo{{Key: "py", Format: "pypi", Public: true}, {Key: "py2", Format: "pypi", Public: true},
		{Key: "pyq", Format: "pypi", Public: true}, {Key: "js", Format: "npm", Public: true},
		{Key: "mvn", Format: "maven", Public: true}, {Key: "crates", Format: "cargo", Public: true}} {
		k.CreateRepo(r)
	}
	token := k.APIToken("scan-e2e")
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	mk := filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py")
	wheel := map[string]string{}
	for _, v := range []string{"1.0.0", "1.1.0", "1.0.1"} {
		p.must(python, mk, filepath.Join(dir, v), "keeper-vuln-demo", v, "m"+v, ">=3.8")
		wheel[v] = filepath.Join(dir, v, "keeper_vuln_demo-"+v+"-py3-none-any.whl")
	}
	twineUpload := func(repo string, files ...string) {
		t.Helper()
		p.must(twine, append([]string{"upload", "--non-interactive", "--disable-progress-bar", "--repository-url",
			k.URL + "/pypi/" + repo + "/", "-u", "__token__", "-p", token}, files...)...)
	}
	wheelPath := func(v string) string { return "packages/keeper-vuln-demo/keeper_vuln_demo-" + v + "-py3-none-any.whl" }

	// Publish every kind: a wheel with twine, an npm tarball with npm, a
	// jar and a crate over their upload protocols.
	twineUpload("py", wheel["1.0.0"], wheel["1.1.0"])
	e := newNpmEnv(t, k, "js")
	e.writeRC(token)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		pkg := filepath.Join(t.TempDir(), "pkg")
		_ = os.MkdirAll(pkg, 0o755)
		os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"name":"keeper-vuln-npm","version":"`+v+`","main":"index.js"}`), 0o644)
		os.WriteFile(filepath.Join(pkg, "index.js"), []byte("module.exports = 1;\n"), 0o644)
		e.must(pkg, "npm", "publish")
	}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		k.Expect(201, "PUT", "/maven/mvn/com/example/vuln-demo/"+v+"/vuln-demo-"+v+".jar", bytes.NewReader(jarBytes(t, v)),
			"Authorization", "Bearer "+token)
		k.Expect(200, "PUT", "/cargo/crates/api/v1/crates/new", bytes.NewReader(cargoPublishBody(t, "keeper-app", v, crateBytes(t, v))),
			"Authorization", token)
	}

	hasTrivy := slices.Contains(scanners, "trivy")
	cases := []struct{ repo, vulnerable, fixed, id, needs string }{
		{"py", wheelPath("1.0.0"), wheelPath("1.1.0"), "CVE-2099-0001", ""},
		// Grype does not read a bare package/package.json: only Trivy finds it.
		{"js", "keeper-vuln-npm/-/keeper-vuln-npm-1.0.0.tgz", "keeper-vuln-npm/-/keeper-vuln-npm-1.1.0.tgz", "CVE-2099-0002", "trivy"},
		{"mvn", "com/example/vuln-demo/1.0.0/vuln-demo-1.0.0.jar", "com/example/vuln-demo/1.1.0/vuln-demo-1.1.0.jar", "CVE-2099-0003", ""},
		{"crates", "api/v1/crates/keeper-app/1.0.0/download", "api/v1/crates/keeper-app/1.1.0/download", "CVE-2099-0004", ""},
	}
	for _, c := range cases {
		if c.needs != "" && !slices.Contains(scanners, c.needs) {
			t.Logf("%s: %s is not installed here, not checked", c.repo, c.needs)
			continue
		}
		bad := waitScanned(t, k, c.repo, c.vulnerable)
		if bad.Status != "done" || !hasFinding(bad, c.id) || bad.Score >= 100 {
			t.Errorf("%s %s: want %s found: %+v", c.repo, c.vulnerable, c.id, bad)
		}
		good := waitScanned(t, k, c.repo, c.fixed)
		if good.Status != "done" || len(good.Findings) != 0 || good.Score != 100 || good.Grade != "A" {
			t.Errorf("%s %s: want clean: %+v", c.repo, c.fixed, good)
		}
		if c.repo == "mvn" {
			// Trivy names the jar com.example:vuln-demo, Grype vuln-demo:
			// still one finding, reported by both, counted once.
			var rows []scanFinding
			for _, f := range bad.Findings {
				if f.ID == c.id || slices.Contains(f.Aliases, c.id) {
					rows = append(rows, f)
				}
			}
			if len(rows) != 1 || bad.Score != 90 {
				t.Errorf("jar: want %s as one finding (score 90): %+v", c.id, bad)
			} else if want := slices.Sorted(slices.Values(scanners)); !slices.Equal(rows[0].Sources, want) {
				t.Errorf("jar: %s reported by %v, want %v", c.id, rows[0].Sources, want)
			}
		}
		t.Logf("%s: %s found by %v (score %d, grade %s)", c.repo, c.id, bad.Scanners, bad.Score, bad.Grade)
	}
	if t.Failed() {
		return
	}
	sbom := k.Expect(map[bool]int{true: 200, false: 404}[hasTrivy], "GET", "/api/v1/security/sbom?repository=py&path="+wheelPath("1.0.0"), nil)
	if hasTrivy && (!strings.Contains(string(sbom.Body), `"bomFormat"`) || !strings.Contains(string(sbom.Body), "keeper-vuln-demo")) {
		t.Fatalf("SBOM: %s", sbom)
	}

	t.Run("identical content is scanned once; a rescan runs again", func(t *testing.T) {
		before := runs()
		twineUpload("py2", wheel["1.0.0"])
		rep := waitScanned(t, k, "py2", wheelPath("1.0.0"))
		if !hasFinding(rep, "CVE-2099-0001") {
			t.Fatalf("copy has no verdict: %+v", rep)
		}
		time.Sleep(time.Second) // a second scan would have started by now
		if n := runs(); n != before {
			t.Fatalf("scanner runs %d → %d for content already scanned", before, n)
		}
		k.Expect(202, "POST", "/api/v1/repositories/py2/artifacts/"+wheelPath("1.0.0")+"/security/rescan", nil)
		deadline := time.Now().Add(2 * time.Minute)
		for runs() < before+len(scanners) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if n := runs(); n != before+len(scanners) {
			t.Fatalf("rescan: scanner runs %d → %d, want +%d (%v)", before, n, len(scanners), scanners)
		}
		t.Logf("scanner runs (%v): %d for 8 distinct artifacts, none for the copy, %d for the rescan", scanners, before, len(scanners))
	})

	t.Run("a blocking policy makes pip and npm fail with the reason", func(t *testing.T) {
		k.Expect(200, "PUT", "/api/v1/security/policies/py", harness.JSONBody(map[string]any{"block_severity": "HIGH"}), "Content-Type", "application/json")
		k.Expect(200, "PUT", "/api/v1/security/policies/js", harness.JSONBody(map[string]any{"block_severity": "HIGH"}), "Content-Type", "application/json")
		time.Sleep(3500 * time.Millisecond) // policies are cached per replica for 3 s
		index := k.URL + "/pypi/py/simple/"
		out, ok := p.run(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", filepath.Join(dir, "dl"),
			"--index-url", index, "keeper-vuln-demo==1.0.0")
		if ok || !strings.Contains(out, "403") {
			t.Fatalf("pip download of the vulnerable version: ok=%v\n%s", ok, out)
		}
		r := k.Expect(403, "GET", "/pypi/py/"+wheelPath("1.0.0"), nil, "Authorization", "")
		if !strings.Contains(r.String(), "blocked by security policy: HIGH CVE-2099-0001") {
			t.Fatalf("the refusal does not carry the reason: %s", r)
		}
		p.must(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", filepath.Join(dir, "dl"),
			"--index-url", index, "keeper-vuln-demo==1.1.0")

		// An acknowledgement lifts the block for that vulnerability.
		k.Expect(201, "POST", "/api/v1/security/acknowledgements", harness.JSONBody(map[string]any{"repository": "py",
			"vulnerability_id": "CVE-2099-0001", "reason": "not reachable from our code",
			"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}), "Content-Type", "application/json")
		time.Sleep(3500 * time.Millisecond)
		p.must(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", filepath.Join(dir, "dl2"),
			"--index-url", index, "keeper-vuln-demo==1.0.0")
		if !hasTrivy {
			return // only Trivy sees npm tarballs
		}
		proj := t.TempDir()
		os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"app","version":"1.0.0"}`), 0o644)
		nout, err := e.run(proj, "", "npm", "install", "keeper-vuln-npm@1.0.0")
		if err == nil || !strings.Contains(nout, "403") || !strings.Contains(nout, "blocked by security policy") {
			t.Fatalf("npm install of the vulnerable version: %v\n%s", err, nout)
		}
		e.must(proj, "npm", "install", "keeper-vuln-npm@1.1.0")

	})

	t.Run("quarantine holds an upload until it is released", func(t *testing.T) {
		k.Expect(200, "PUT", "/api/v1/security/policies/pyq", harness.JSONBody(map[string]any{"quarantine": true}), "Content-Type", "application/json")
		time.Sleep(3500 * time.Millisecond)
		twineUpload("pyq", wheel["1.0.1"], wheel["1.1.0"])
		index := k.URL + "/pypi/pyq/simple/"
		if out, ok := p.run(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", filepath.Join(dir, "q"),
			"--index-url", index, "keeper-vuln-demo==1.0.1"); ok || !strings.Contains(out, "403") {
			t.Fatalf("pip download of a quarantined upload: ok=%v\n%s", ok, out)
		}
		rep := waitScanned(t, k, "pyq", wheelPath("1.0.1"))
		if !rep.Download.Quarantined || !strings.Contains(rep.Download.Reason, "quarantined") {
			t.Fatalf("vulnerable upload not held after its scan: %+v", rep)
		}
		if clean := waitScanned(t, k, "pyq", wheelPath("1.1.0")); !clean.Download.Allowed {
			t.Fatalf("clean upload still held: %+v", clean)
		}
		var q struct {
			Items []struct{ Repository, Path string }
		}
		k.Expect(200, "GET", "/api/v1/quarantine", nil).JSON(&q)
		if len(q.Items) != 1 || q.Items[0].Path != wheelPath("1.0.1") {
			t.Fatalf("quarantine queue: %+v", q)
		}
		k.Expect(200, "POST", "/api/v1/quarantine/release", harness.JSONBody(map[string]string{"repository": "pyq", "path": wheelPath("1.0.1")}), "Content-Type", "application/json")
		p.must(python, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", filepath.Join(dir, "q"),
			"--index-url", index, "keeper-vuln-demo==1.0.1")
	})

	var d struct {
		Repositories []struct {
			Repository string
			Score      int
			Grade      string
		}
	}
	k.Expect(200, "GET", "/api/v1/security/dashboard", nil).JSON(&d)
	if len(d.Repositories) < 5 {
		t.Fatalf("dashboard: %+v", d)
	}
	t.Logf("dashboard: %+v", d.Repositories)
}
