package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestHelmClassicRepository drives helm 3 against a Helm repository of
// keeper used as its only chart repository: charts made by `helm create` +
// `helm package` are uploaded ChartMuseum-style (multipart POST /api/charts)
// and by a raw PUT, then `helm repo add` (with credentials), `helm repo
// update`, `helm search repo` and `helm pull` of the newest and of a pinned
// version, each into an empty directory, must give back the uploaded bytes.
// A delete must show in the index; anonymous, duplicate and malformed
// uploads are refused. A public repository works without credentials.
func TestHelmClassicRepository(t *testing.T) {
	t.Parallel()
	helmBin := helmClient(t)
	// Compiling every built-in plugin can be slow on a busy machine.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "charts", Format: "helm"})
	k.CreateRepo(harness.Repo{Key: "pubcharts", Format: "helm", Public: true})
	base := k.URL + "/helm/charts"

	work := t.TempDir()
	env := append(harness.BaseEnv(), "HOME="+filepath.Join(work, "home"),
		"HELM_CACHE_HOME="+filepath.Join(work, "cache"), "HELM_CONFIG_HOME="+filepath.Join(work, "config"),
		"HELM_DATA_HOME="+filepath.Join(work, "data"), "HELM_NO_PLUGINS=1")
	helm := func(wantFail bool, dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(helmBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if (err != nil) != wantFail {
			t.Fatalf("helm %s: err=%v (want failure: %v)\n%s", strings.Join(args, " "), err, wantFail, out)
		}
		return string(out)
	}

	// Two versions of a chart made by the real client.
	src := filepath.Join(work, "src")
	os.MkdirAll(src, 0o755)
	helm(false, src, "create", "keeper-e2e")
	chartYAML := filepath.Join(src, "keeper-e2e", "Chart.yaml")
	pkgs := filepath.Join(work, "pkgs")
	helm(false, src, "package", "keeper-e2e", "-d", pkgs)
	setChart(t, chartYAML, "0.2.0", "2.0.0")
	helm(false, src, "package", "keeper-e2e", "-d", pkgs)
	v1 := readFile(t, filepath.Join(pkgs, "keeper-e2e-0.1.0.tgz"))
	v2 := readFile(t, filepath.Join(pkgs, "keeper-e2e-0.2.0.tgz"))

	// Anonymous upload and read: 401 with a Basic challenge, nothing stored.
	mp, ct := multipartChart(t, "keeper-e2e-0.1.0.tgz", v1)
	r, err := k.Call(http.MethodPost, "/helm/charts/api/charts", bytes.NewReader(mp), "Content-Type", ct, "Authorization", "")
	if err != nil {
		t.Fatal(err)
	}
	if ch := r.Header.Get("WWW-Authenticate"); r.Status != 401 || !strings.HasPrefix(ch, "Basic ") {
		t.Fatalf("anonymous upload: %s, WWW-Authenticate %q", r, ch)
	}
	k.Expect(401, http.MethodGet, "/helm/charts/index.yaml", nil, "Authorization", "")

	// ChartMuseum-style multipart upload, then a raw PUT.
	r = k.Expect(201, http.MethodPost, "/helm/charts/api/charts", bytes.NewReader(mp), "Content-Type", ct)
	if !strings.Contains(string(r.Body), `"saved":true`) {
		t.Fatalf("upload body: %s", r)
	}
	k.Expect(201, http.MethodPut, "/helm/charts/charts/keeper-e2e-0.2.0.tgz", bytes.NewReader(v2), "Content-Type", "application/gzip")
	r = k.Expect(409, http.MethodPost, "/helm/charts/api/charts", bytes.NewReader(mp), "Content-Type", ct)
	if !strings.Contains(string(r.Body), "file already exists") {
		t.Fatalf("duplicate: %s", r)
	}
	r = k.Expect(400, http.MethodPost, "/helm/charts/api/charts", strings.NewReader("not a chart"), "Content-Type", "application/gzip")
	if !strings.Contains(string(r.Body), "not a gzip-compressed tar archive") {
		t.Fatalf("malformed upload: %s", r)
	}

	// The index names what was stored: URLs resolve, digests are the bytes.
	idx := string(k.Expect(200, http.MethodGet, "/helm/charts/index.yaml", nil).Body)
	for _, c := range []struct {
		file string
		data []byte
	}{{"keeper-e2e-0.1.0.tgz", v1}, {"keeper-e2e-0.2.0.tgz", v2}} {
		u := base + "/charts/" + c.file
		if !strings.Contains(idx, `"`+u+`"`) || !strings.Contains(idx, `digest: "`+harness.SHA256(c.data)+`"`) {
			t.Fatalf("index lacks %s or its digest:\n%s", u, idx)
		}
		got := k.Expect(200, http.MethodGet, "/helm/charts/charts/"+c.file, nil).Body
		if !bytes.Equal(got, c.data) {
			t.Fatalf("GET %s: bytes differ", c.file)
		}
	}
	if strings.Index(idx, `version: "0.2.0"`) > strings.Index(idx, `version: "0.1.0"`) {
		t.Fatalf("index does not list the newest version first:\n%s", idx)
	}
	k.Expect(404, http.MethodGet, "/helm/charts/charts/keeper-e2e-9.9.9.tgz", nil)
	k.Expect(404, http.MethodGet, "/helm/charts/keeper-e2e-0.1.0.tgz", nil)
	k.Expect(404, http.MethodGet, "/helm/charts/api/charts/nope", nil)

	// The real client: repo add with credentials, update, search, pull.
	helm(false, work, "repo", "add", "k", base, "--username", "admin", "--password", harness.AdminPassword)
	helm(false, work, "repo", "update")
	out := helm(false, work, "search", "repo", "k/", "--versions")
	if !regexp.MustCompile(`k/keeper-e2e\s+0\.2\.0\s+2\.0\.0`).MatchString(out) || !strings.Contains(out, "0.1.0") {
		t.Fatalf("helm search repo:\n%s", out)
	}
	pull := func(want string, data []byte, args ...string) {
		t.Helper()
		dir := t.TempDir()
		helm(false, work, append([]string{"pull", "k/keeper-e2e", "-d", dir}, args...)...)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != want {
			t.Fatalf("helm pull %v gave %v, want %s", args, entries, want)
		}
		if got := readFile(t, filepath.Join(dir, want)); harness.SHA256(got) != harness.SHA256(data) {
			t.Fatalf("helm pull %v: sha256 %s, uploaded %s", args, harness.SHA256(got), harness.SHA256(data))
		}
	}
	pull("keeper-e2e-0.2.0.tgz", v2)
	pull("keeper-e2e-0.1.0.tgz", v1, "--version", "0.1.0")

	// Delete the newest version: the index and helm follow.
	r = k.Expect(200, http.MethodDelete, "/helm/charts/api/charts/keeper-e2e/0.2.0", nil)
	if !strings.Contains(string(r.Body), `"deleted":true`) {
		t.Fatalf("delete: %s", r)
	}
	k.Expect(404, http.MethodDelete, "/helm/charts/api/charts/keeper-e2e/0.2.0", nil)
	k.Expect(404, http.MethodGet, "/helm/charts/charts/keeper-e2e-0.2.0.tgz", nil)
	helm(false, work, "repo", "update")
	out = helm(false, work, "search", "repo", "k/", "--versions")
	if strings.Contains(out, "0.2.0") || !strings.Contains(out, "0.1.0") {
		t.Fatalf("helm search after delete:\n%s", out)
	}
	pull("keeper-e2e-0.1.0.tgz", v1)
	helm(true, work, "pull", "k/keeper-e2e", "--version", "0.2.0", "-d", t.TempDir())

	// A public repository: no credentials needed to read.
	k.Expect(201, http.MethodPut, "/helm/pubcharts/charts/keeper-e2e-0.2.0.tgz", bytes.NewReader(v2))
	helm(false, work, "repo", "add", "pub", k.URL+"/helm/pubcharts")
	dir := t.TempDir()
	helm(false, work, "pull", "pub/keeper-e2e", "-d", dir)
	if got := readFile(t, filepath.Join(dir, "keeper-e2e-0.2.0.tgz")); !bytes.Equal(got, v2) {
		t.Fatal("public pull: bytes differ")
	}
}

// helmClient returns the helm binary (.tools/bin/helm or PATH), building it
// with install-clients.sh when missing; the test is skipped only when that fails.
func helmClient(t *testing.T) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(root, ".tools", "bin", "helm")
	find := func() string {
		if _, err := os.Stat(local); err == nil {
			return local
		}
		p, _ := exec.LookPath("helm")
		return p
	}
	if p := find(); p != "" {
		return p
	}
	out, err := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), "helm").CombinedOutput()
	t.Logf("install-clients.sh helm: %v\n%s", err, out)
	if p := find(); p != "" {
		return p
	}
	harness.MissingClient(t, "helm is missing and could not be built with e2e/install-clients.sh helm")
	return ""
}

// setChart rewrites version and appVersion of a Chart.yaml.
func setChart(t *testing.T, path, version, appVersion string) {
	t.Helper()
	b := readFile(t, path)
	b = regexp.MustCompile(`(?m)^version: .*$`).ReplaceAll(b, []byte("version: "+version))
	b = regexp.MustCompile(`(?m)^appVersion: .*$`).ReplaceAll(b, []byte(`appVersion: "`+appVersion+`"`))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// multipartChart is the body `curl -F chart=@file` sends.
func multipartChart(t *testing.T, name string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("chart", name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
