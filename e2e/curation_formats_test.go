package e2e

import (
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestCurationPyPIAndCargo: remote PyPI and cargo repositories whose
// upstreams are private repositories of a second keeper refuse, with the
// real pip and cargo, a package matching a blocked name and one declaring
// a denied license (read by each plugin's parse-metadata from the wheel's
// METADATA and the .crate's Cargo.toml), while an ordinary package of
// each installs; the block report names package, version and rule.
func TestCurationPyPIAndCargo(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	twine, python := pypiTools(t, root)
	bin := cargoBin(t)

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "py", Format: "pypi"})
	up.CreateRepo(harness.Repo{Key: "crates", Format: "cargo"})
	readToken := up.APIToken("proxy", "read:artifacts")

	dir := t.TempDir()
	p := pyRun{t: t, env: pyEnv(filepath.Join(dir, "home"))}
	mk := filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py")
	for _, d := range []struct{ name, license string }{{"keeper-evil", "MIT"}, {"keeper-gpl", "GPL-3.0-only"}, {"keeper-fine", "MIT"}} {
		b := pyRun{t: t, env: append(append([]string{}, p.env...), "KEEPER_DIST_LICENSE="+d.license)}
		b.must(python, mk, filepath.Join(dir, d.name), d.name, "1.0.0")
		wheel := filepath.Join(dir, d.name, strings.ReplaceAll(d.name, "-", "_")+"-1.0.0-py3-none-any.whl")
		p.must(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", up.URL+"/pypi/py/",
			"-u", "__token__", "-p", up.APIToken("twine"), wheel)
	}
	pub := newCargoEnv(t, bin, up.URL+"/cargo/crates/", up.APIToken("cargo", "read:artifacts", "write:artifacts"))
	for _, c := range []struct{ name, license string }{{"evil-crate", "MIT"}, {"gpl-crate", "GPL-3.0-only"}, {"fine-crate", "MIT"}} {
		pub.must(writeCrate(t, map[string]string{
			"Cargo.toml": "[package]\nname = \"" + c.name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"curation test\"\nlicense = \"" +
				c.license + "\"\npublish = [\"k\"]\n",
			"src/lib.rs": "pub fn marker() {}\n",
		}), "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true", "KEEPER_SCAN_ENABLED=false"}})
	px.CreateRepo(harness.Repo{Key: "pyproxy", Format: "pypi", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/pypi/py", Config: map[string]string{"upstream_token": readToken}})
	px.CreateRepo(harness.Repo{Key: "cproxy", Format: "cargo", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/cargo/crates", Config: map[string]string{"upstream_token": readToken}})
	for key, block := range map[string]string{"pyproxy": "keeper-evil", "cproxy": "evil-*"} {
		px.Expect(http.StatusOK, http.MethodPut, "/api/v1/curation/rules/"+key, harness.JSONBody(map[string]any{
			"block": []string{block}, "deny_licenses": []string{"GPL-3.0-only"}}), "Content-Type", "application/json")
	}

	// report is the rule of each refused package@version of the block report.
	report := func(t *testing.T, repo string, want map[string]string) {
		t.Helper()
		var r struct {
			Items []struct{ Package, Version, Rule string }
		}
		if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/curation/blocks?repository="+repo, nil).JSON(&r); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range r.Items {
			got[it.Package+"@"+it.Version] = it.Rule
		}
		if !maps.Equal(got, want) {
			t.Fatalf("block report of %s: %+v, want %v", repo, r.Items, want)
		}
	}

	t.Run("pip", func(t *testing.T) {
		download := func(name string) (string, bool) {
			return p.run("pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "-d", filepath.Join(dir, "dl-"+name),
				"--index-url", px.URL+"/pypi/pyproxy/simple/", name+"==1.0.0")
		}
		for _, tc := range []struct{ name, reason string }{
			{"keeper-evil", "blocked by curation: keeper-evil@1.0.0 matches the blocked pattern"},
			{"keeper-gpl", "blocked by curation: keeper-gpl@1.0.0 is licensed GPL-3.0-only (GPL-3.0-only is denied)"},
		} {
			// pip prints the status, not the body: the body is checked on the same path.
			if out, ok := download(tc.name); ok || !strings.Contains(out, "403") {
				t.Fatalf("pip download %s through the curated proxy: ok=%v\n%s", tc.name, ok, out)
			}
			wheel := "/pypi/pyproxy/packages/" + tc.name + "/" + strings.ReplaceAll(tc.name, "-", "_") + "-1.0.0-py3-none-any.whl"
			if r := px.Expect(http.StatusForbidden, http.MethodGet, wheel, nil, "Authorization", ""); !strings.Contains(string(r.Body), tc.reason) {
				t.Fatalf("GET %s: %s", wheel, r.Body)
			}
		}
		if out, ok := download("keeper-fine"); !ok {
			t.Fatalf("pip download keeper-fine: %s", out)
		}
		report(t, "pyproxy", map[string]string{"keeper-evil@1.0.0": "block", "keeper-gpl@1.0.0": "license"})
	})

	t.Run("cargo", func(t *testing.T) {
		c := newCargoEnv(t, bin, px.URL+"/cargo/cproxy/", "")
		fetch := func(name string) (string, error) {
			app := writeCrate(t, map[string]string{
				"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n" + name + " = { version = \"0.1\", registry = \"k\" }\n",
				"src/main.rs": "fn main() {}\n",
			})
			return c.run(app, "fetch")
		}
		for _, tc := range []struct{ name, reason string }{
			{"evil-crate", "blocked by curation: evil-crate@0.1.0 matches the blocked pattern"},
			{"gpl-crate", "blocked by curation: gpl-crate@0.1.0 is licensed GPL-3.0-only (GPL-3.0-only is denied)"},
		} {
			if out, err := fetch(tc.name); err == nil || !strings.Contains(out, "403") || !strings.Contains(out, tc.reason) {
				t.Fatalf("cargo fetch %s through the curated proxy: err=%v\n%s", tc.name, err, out)
			}
		}
		if out, err := fetch("fine-crate"); err != nil {
			t.Fatalf("cargo fetch fine-crate: %v\n%s", err, out)
		}
		report(t, "cproxy", map[string]string{"evil-crate@0.1.0": "block", "gpl-crate@0.1.0": "license"})
	})
}
