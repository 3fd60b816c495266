package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestPromotePip publishes a wheel to a staging repository with twine,
// marks it qa.status=passed, promotes it to a release repository and
// installs it from there with pip from an empty cache: the release
// repository's simple index lists it only after the promotion, and the
// promoted file shares the staged file's blob.
func TestPromotePip(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	twine, python := pypiTools(t, root)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "py-stage", Format: "pypi"})
	k.CreateRepo(harness.Repo{Key: "py-release", Format: "pypi", Public: true})
	token := k.APIToken("twine")
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	p.must(python, filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py"), filepath.Join(dir, "v1"), "Keeper.Promo", "1.0.0", "marker-promo", ">=3.8")
	wheel := filepath.Join(dir, "v1", "keeper_promo-1.0.0-py3-none-any.whl")
	p.must(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", k.URL+"/pypi/py-stage/",
		"-u", "__token__", "-p", token, wheel)

	index := k.URL + "/pypi/py-release/simple/"
	k.Expect(404, "GET", "/pypi/py-release/simple/keeper-promo/", nil, "Authorization", "")
	staged, err := k.List("py-stage", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var wheelPath string
	for _, a := range staged {
		if strings.HasSuffix(a.Path, ".whl") {
			wheelPath = a.Path
		}
	}
	if wheelPath == "" {
		t.Fatalf("no wheel staged: %+v", staged)
	}

	promote := map[string]any{"from": "py-stage", "to": "py-release", "package": "keeper-promo", "version": "1.0.0", "require": []string{"qa.status:passed"}}
	k.Expect(409, "POST", "/api/v1/promote", harness.JSONBody(promote), "Content-Type", "application/json")
	k.Expect(200, "PATCH", "/api/v1/repositories/py-stage/properties/"+wheelPath,
		harness.JSONBody(map[string]any{"set": map[string][]string{"qa.status": {"passed"}}}), "Content-Type", "application/json")
	var res struct{ Files, Versions []string }
	if err := k.Expect(200, "POST", "/api/v1/promote", harness.JSONBody(promote), "Content-Type", "application/json").JSON(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || len(res.Versions) != 1 { // the wheel and its PEP 658 metadata file
		t.Fatalf("promoted %+v", res)
	}
	k.Expect(409, "POST", "/api/v1/promote", harness.JSONBody(promote), "Content-Type", "application/json")

	released, err := k.List("py-release", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(released) != len(staged) {
		t.Fatalf("release holds %+v, stage %+v", released, staged)
	}
	for i := range released {
		if released[i].Path != staged[i].Path || released[i].SHA256 != staged[i].SHA256 {
			t.Fatalf("promoted %+v, staged %+v", released[i], staged[i])
		}
	}

	venv := filepath.Join(dir, "venv")
	p.must(python, "-m", "venv", venv)
	out := p.must(filepath.Join(venv, "bin", "pip"), "install", "--no-cache-dir", "--index-url", index, "keeper-promo==1.0.0")
	if !strings.Contains(out, "keeper_promo-1.0.0-py3-none-any.whl") {
		t.Fatalf("pip install from the release repository:\n%s", out)
	}
	if m := strings.TrimSpace(p.must(filepath.Join(venv, "bin", "python"), "-c", "import keeper_promo; print(keeper_promo.MARKER)")); m != "marker-promo" {
		t.Fatalf("installed marker %q", m)
	}
}
