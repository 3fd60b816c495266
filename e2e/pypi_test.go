package e2e

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// pypiTools returns twine and python3, installing twine with
// e2e/install-clients.sh when missing; it skips when they cannot be had.
func pypiTools(t *testing.T, root string) (twine, python string) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		harness.MissingClient(t, "pypi e2e: python3 not found")
	}
	if twine, err = exec.LookPath("twine"); err != nil {
		out, ierr := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), "pypi").CombinedOutput()
		if twine, err = exec.LookPath("twine"); err != nil {
			harness.MissingClient(t, "pypi e2e: twine missing and not installable (%v): %s", ierr, out)
		}
	}
	return twine, python
}

// pyEnv is the environment for pip and twine: an isolated HOME, no pip
// configuration or keyring, and none of the machine's PIP_* settings
// (PIP_FIND_LINKS and PIP_CERT would add sources besides Keeper).
func pyEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "TWINE_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "PIP_CONFIG_FILE=/dev/null", "PIP_FIND_LINKS=", "PIP_CERT=",
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring",
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
}

type pyRun struct {
	t   *testing.T
	env []string
}

// run runs a command and returns combined output and whether it succeeded.
func (p pyRun) run(name string, args ...string) (string, bool) {
	p.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func (p pyRun) must(name string, args ...string) string {
	p.t.Helper()
	out, ok := p.run(name, args...)
	if !ok {
		p.t.Fatalf("%s %s failed:\n%s", name, strings.Join(args, " "), out)
	}
	return out
}

// TestPyPIClients publishes a wheel and an sdist with twine and installs
// them with pip from an empty cache with Keeper as the only index.
func TestPyPIClients(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	twine, python := pypiTools(t, root)
	// A loaded machine compiles the embedded plugins slowly: allow a long start.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "py", Format: "pypi", Public: true})
	token := k.APIToken("twine")
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	mk := filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py")
	p.must(python, mk, filepath.Join(dir, "v1"), "Keeper.Demo", "1.0.0", "marker-100", ">=3.8")
	p.must(python, mk, filepath.Join(dir, "v11"), "Keeper.Demo", "1.1.0", "marker-110", ">=3.8")
	wheel1 := filepath.Join(dir, "v1", "keeper_demo-1.0.0-py3-none-any.whl")
	sdist1 := filepath.Join(dir, "v1", "keeper_demo-1.0.0.tar.gz")
	wheel11 := filepath.Join(dir, "v11", "keeper_demo-1.1.0-py3-none-any.whl")
	repoURL := k.URL + "/pypi/py/"
	index := k.URL + "/pypi/py/simple/"
	upload := func(password string, extra ...string) (string, bool) {
		args := append([]string{"upload", "--non-interactive", "--disable-progress-bar", "--repository-url", repoURL,
			"-u", "__token__", "-p", password}, extra...)
		return p.run(twine, args...)
	}

	// Anonymous (bad credential) upload: twine sees the 401.
	if out, ok := upload("kpr_not-a-token", wheel1); ok || !strings.Contains(out, "401") {
		t.Fatalf("upload with a bad token: ok=%v\n%s", ok, out)
	}
	if out, ok := upload(token, wheel1, sdist1); !ok {
		t.Fatalf("twine upload: %s", out)
	}
	if out, ok := upload(token, wheel11); !ok {
		t.Fatalf("twine upload 1.1.0: %s", out)
	}
	// Re-upload: 409 "File already exists", which --skip-existing skips.
	if out, ok := upload(token, wheel1); ok || !strings.Contains(out, "409") {
		t.Fatalf("duplicate upload: ok=%v\n%s", ok, out)
	}
	if out, ok := upload(token, "--skip-existing", wheel1); !ok || !strings.Contains(out, "Skipping") {
		t.Fatalf("duplicate upload with --skip-existing: ok=%v\n%s", ok, out)
	}

	// The simple page advertises what is stored, and its URLs resolve to the same bytes.
	r := k.Expect(200, "GET", "/pypi/py/simple/keeper-demo/", nil, "Accept", "application/vnd.pypi.simple.v1+json", "Authorization", "")
	var page struct {
		Files []struct {
			Filename, URL  string
			Hashes         map[string]string
			RequiresPython string `json:"requires-python"`
			Core           any    `json:"core-metadata"`
		}
	}
	if err := r.JSON(&page); err != nil || len(page.Files) != 3 {
		t.Fatalf("simple JSON: %v %s", err, r)
	}
	for _, f := range page.Files {
		local, _ := os.ReadFile(filepath.Join(dir, map[bool]string{true: "v11", false: "v1"}[strings.Contains(f.Filename, "1.1.0")], f.Filename))
		got, err := http.Get(f.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 200 || !bytes.Equal(body, local) || f.Hashes["sha256"] != harness.SHA256(local) || f.RequiresPython != ">=3.8" {
			t.Fatalf("%s: GET %s = %d, %d bytes (local %d), sha256 %s", f.Filename, f.URL, got.StatusCode, len(body), len(local), f.Hashes["sha256"])
		}
		if strings.HasSuffix(f.Filename, ".whl") {
			core, _ := f.Core.(map[string]any)
			m := k.Expect(200, "GET", strings.TrimPrefix(f.URL, k.URL)+".metadata", nil, "Authorization", "")
			if core["sha256"] != harness.SHA256(m.Body) || !bytes.Equal(m.Body, wheelMetadata(t, local)) {
				t.Fatalf("%s.metadata: advertised %v, served %s", f.Filename, core, harness.SHA256(m.Body))
			}
		}
	}
	html := k.Expect(200, "GET", "/pypi/py/simple/keeper-demo/", nil, "Authorization", "")
	if !strings.Contains(string(html.Body), `data-requires-python="&gt;=3.8"`) || !strings.HasPrefix(html.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("simple HTML: %s", html)
	}
	k.Expect(404, "GET", "/pypi/py/simple/no-such-project/", nil, "Authorization", "")
	k.Expect(404, "GET", "/pypi/py/packages/keeper-demo/keeper_demo-9.9-py3-none-any.whl", nil, "Authorization", "")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.Get(k.URL + "/pypi/py/simple/Keeper_Demo/"); err != nil || resp.StatusCode != 301 ||
		resp.Header.Get("Location") != k.URL+"/pypi/py/simple/keeper-demo/" {
		t.Fatalf("non-normalized name: %v %v", resp, err)
	}
	k.Expect(200, "GET", "/pypi/py/pypi/keeper-demo/json", nil, "Authorization", "")

	venv := func(name string) string {
		v := filepath.Join(dir, name)
		p.must(python, "-m", "venv", v)
		return filepath.Join(v, "bin")
	}
	pip := func(bin string, args ...string) (string, bool) {
		return p.run(filepath.Join(bin, "pip"), append([]string{"install", "--no-cache-dir", "--index-url", index}, args...)...)
	}
	marker := func(bin string) string {
		return strings.TrimSpace(p.must(filepath.Join(bin, "python"), "-c", "import keeper_demo; print(keeper_demo.MARKER)"))
	}

	// Wheel, pinned, requested by a non-normalized name.
	b1 := venv("wheel")
	if out, ok := pip(b1, "Keeper_Demo==1.0.0"); !ok || !strings.Contains(out, "keeper_demo-1.0.0-py3-none-any.whl") {
		t.Fatalf("pip install wheel: ok=%v\n%s", ok, out)
	}
	if m := marker(b1); m != "marker-100" {
		t.Fatalf("installed marker %q", m)
	}
	// sdist: pip builds it with its in-tree backend (no build requirements).
	b2 := venv("sdist")
	if out, ok := pip(b2, "--no-binary", "keeper-demo", "keeper-demo==1.0.0"); !ok || !strings.Contains(out, "keeper_demo-1.0.0.tar.gz") {
		t.Fatalf("pip install sdist: ok=%v\n%s", ok, out)
	}
	if m := marker(b2); m != "marker-100" {
		t.Fatalf("sdist installed marker %q", m)
	}
	// Unpinned picks the newest; after yanking 1.1.0 it is no longer chosen.
	b3 := venv("latest")
	if out, ok := pip(b3, "keeper-demo"); !ok || marker(b3) != "marker-110" {
		t.Fatalf("pip install latest before yank: %s", out)
	}
	k.Expect(200, "POST", "/pypi/py/yank", harness.JSONBody(map[string]any{"project": "keeper-demo", "version": "1.1.0", "reason": "broken build"}),
		"Authorization", "Bearer "+token, "Content-Type", "application/json")
	b4 := venv("yanked")
	if out, ok := pip(b4, "keeper-demo"); !ok || marker(b4) != "marker-100" {
		t.Fatalf("pip install after yank: ok=%v\n%s", ok, out)
	}
	// PEP 592: an exact pin still gets the yanked file (pip warns).
	if out, ok := pip(b4, "keeper-demo==1.1.0"); !ok || !strings.Contains(out, "yanked") || marker(b4) != "marker-110" {
		t.Fatalf("pinned yanked install: ok=%v\n%s", ok, out)
	}
	if out, ok := pip(venv("missing"), "no-such-project"); ok || !strings.Contains(out, "No matching distribution") {
		t.Fatalf("install of a missing project: ok=%v\n%s", ok, out)
	}
}

// wheelMetadata returns the .dist-info/METADATA of a wheel.
func wheelMetadata(t *testing.T, whl []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".dist-info/METADATA") {
			rc, _ := f.Open()
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	t.Fatal("wheel without METADATA")
	return nil
}
