package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestCuration: a remote npm repository whose upstream is a second keeper
// refuses, with the real npm client, a package on the imported malicious
// list (OSV record) and one under a denied license, each with the reason
// and nothing cached; an allow-listed package under the same license and
// an ordinary one install; the block report lists the refusals; a
// minimum age refuses a version the upstream published a moment ago.
func TestCuration(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		root, _ := harness.ModuleRoot()
		if out, err := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), "npm").CombinedOutput(); err != nil {
			harness.MissingClient(t, "npm missing and could not be installed: %v\n%s", err, out)
		}
	}
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	pub := newNpmEnv(t, up, "js")
	pub.writeRC(up.APIToken("publisher"))
	work := t.TempDir()
	for _, p := range []struct{ name, license string }{
		{"plain-keeper", "MIT"}, {"evil-keeper", "MIT"}, {"gpl-keeper", "GPL-3.0-only"}, {"gpl-ok-keeper", "GPL-3.0-only"}, {"young-keeper", "MIT"},
	} {
		dir := filepath.Join(work, p.name)
		_ = os.MkdirAll(dir, 0o755)
		pj := `{"name":"` + p.name + `","version":"1.0.0","main":"index.js","license":"` + p.license + `"}`
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(pj), 0o644); err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(dir, "index.js"), []byte("module.exports = 1;\n"), 0o644)
		pub.must(dir, "npm", "publish")
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true", "KEEPER_SCAN_ENABLED=false"}})
	px.CreateRepo(harness.Repo{Key: "jsproxy", Format: "npm", Type: "remote", Public: true, UpstreamURL: up.URL + "/npm/js"})
	osv := `{"id":"MAL-2026-0001","summary":"Malicious code in evil-keeper","affected":[{"package":{"ecosystem":"npm","name":"evil-keeper"}}]}`
	px.Expect(http.StatusOK, http.MethodPost, "/api/v1/curation/malicious?source=osv", strings.NewReader(osv), "Content-Type", "application/json")
	px.Expect(http.StatusOK, http.MethodPut, "/api/v1/curation/rules/jsproxy", harness.JSONBody(map[string]any{
		"deny_licenses": []string{"GPL-3.0-only"}, "allow": []string{"gpl-ok-*@1.*"}}), "Content-Type", "application/json")
	px.Expect(http.StatusBadRequest, http.MethodPut, "/api/v1/curation/rules/jsproxy", harness.JSONBody(map[string]any{
		"max_severity": "SEVERE"}), "Content-Type", "application/json")
	px.Expect(http.StatusForbidden, http.MethodGet, "/api/v1/curation/rules", nil, "Authorization", "Bearer "+px.APIToken("reader", "read:artifacts"))

	e := newNpmEnv(t, px, "jsproxy")
	install := func(pkg string) (string, error) {
		proj := t.TempDir()
		if err := os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644); err != nil {
			t.Fatal(err)
		}
		return e.run(proj, "", "npm", "install", "--no-audit", pkg)
	}
	for _, tc := range []struct{ pkg, reason string }{
		{"evil-keeper@1.0.0", "blocked by curation: evil-keeper@1.0.0 is a known malicious package (MAL-2026-0001 Malicious code in evil-keeper)"},
		{"gpl-keeper@1.0.0", "blocked by curation: gpl-keeper@1.0.0 is licensed GPL-3.0-only (GPL-3.0-only is denied)"},
	} {
		out, err := install(tc.pkg)
		if err == nil || !strings.Contains(out, "403") || !strings.Contains(out, tc.reason) {
			t.Fatalf("npm install %s through the curated proxy: err=%v\n%s", tc.pkg, err, out)
		}
	}
	for _, pkg := range []string{"plain-keeper@1.0.0", "gpl-ok-keeper@1.0.0"} {
		if out, err := install(pkg); err != nil {
			t.Fatalf("npm install %s: %v\n%s", pkg, err, out)
		}
	}

	// Nothing refused was cached: four packuments, two tarballs.
	var stats struct {
		Files int64 `json:"files"`
	}
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/jsproxy/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	if stats.Files != 6 {
		t.Fatalf("cache holds %d files, want 4 packuments and 2 tarballs", stats.Files)
	}

	var report struct {
		Items []struct {
			Repository, Path, Package, Version, Rule, Reason string
		}
	}
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/curation/blocks?repository=jsproxy", nil).JSON(&report); err != nil {
		t.Fatal(err)
	}
	if len(report.Items) != 2 || report.Items[0].Package != "gpl-keeper" || report.Items[0].Rule != "license" ||
		report.Items[1].Package != "evil-keeper" || report.Items[1].Version != "1.0.0" || report.Items[1].Rule != "malicious" ||
		report.Items[1].Repository != "jsproxy" || report.Items[1].Path != "evil-keeper/-/evil-keeper-1.0.0.tgz" {
		t.Fatalf("block report: %+v", report.Items)
	}

	// A minimum age (global): the upstream's Last-Modified says the tarball
	// is seconds old.
	px.Expect(http.StatusOK, http.MethodPut, "/api/v1/curation/rules", harness.JSONBody(map[string]any{"min_age_seconds": 86400}),
		"Content-Type", "application/json")
	if out, err := install("young-keeper@1.0.0"); err == nil || !strings.Contains(out, "blocked by curation: young-keeper@1.0.0 was published") {
		t.Fatalf("npm install of a too young package: err=%v\n%s", err, out)
	}
}
