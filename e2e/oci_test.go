package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// ociTool finds an OCI client in .tools/bin (installing it with
// e2e/install-clients.sh oci when missing) or on PATH.
func ociTool(t *testing.T, name string) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, ".tools", "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if lp, err := exec.LookPath(name); err == nil {
		return lp
	}
	cmd := exec.Command("bash", filepath.Join(root, "e2e", "install-clients.sh"), "oci")
	if out, err := cmd.CombinedOutput(); err != nil {
		harness.MissingClient(t, "%s is missing and could not be installed: %v\n%s", name, err, out)
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if lp, err := exec.LookPath(name); err == nil {
		return lp
	}
	harness.MissingClient(t, "%s is missing and could not be installed", name)
	return ""
}

// ociRun runs a client command with an isolated HOME and fails on error.
func ociRun(t *testing.T, home string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"),
		"XDG_RUNTIME_DIR="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String())
}

// TestOCI starts one keeper with an OCI repository "docker" (starting
// compiles every plugin, slow on a busy machine) and drives the
// conformance suite and the real clients against it.
func TestOCI(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "docker", Format: "oci"})
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("conformance", func(t *testing.T) { testOCIConformance(t, k, u.Host) })
	t.Run("crane", func(t *testing.T) { testOCICrane(t, k, u.Host) })
	t.Run("oras", func(t *testing.T) { testOCIOras(t, k, u.Host) })
	t.Run("skopeo-regctl", func(t *testing.T) { testOCISkopeoRegctl(t, k, u.Host) })
	t.Run("catalog", func(t *testing.T) { testOCICatalog(t, k, u.Host) })
}

// TestOCIConformance runs the OCI distribution-spec conformance suite (full
// default profile: pull, push, chunked, mounts, deletes, tag listing,
// referrers, subject, sha512, non-distributable layers) against keeper and
// keeps its results in .tools/test-logs/oci-conformance/.
func testOCIConformance(t *testing.T, k *harness.Keeper, hostPort string) {
	bin := ociTool(t, "conformance")
	root, _ := harness.ModuleRoot()
	results := filepath.Join(root, ".tools", "test-logs", "oci-conformance")
	_ = os.RemoveAll(results)
	if err := os.MkdirAll(results, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Dir = results
	cmd.Env = append(harness.BaseEnv(), "HOME="+t.TempDir(),
		"OCI_REGISTRY="+hostPort, "OCI_TLS=disabled",
		"OCI_REPO1=docker/conformance/repo1", "OCI_REPO2=docker/conformance/repo2",
		"OCI_USERNAME=admin", "OCI_PASSWORD="+harness.AdminPassword,
		"OCI_RESULTS_DIR="+results, "OCI_LOG=warn",
		// Beyond the default profile: upload cancel and tags as parameters.
		"OCI_API_BLOBS_UPLOAD_CANCEL=true", "OCI_API_MANIFESTS_TAG_PARAM=true")
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(results, "output.txt"), out, 0o644)
	t.Logf("conformance summary (full output in %s):\n%s", results, tail(string(out), 60))
	if err != nil {
		t.Fatalf("conformance suite failed: %v\n%s", err, failures(string(out)))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func failures(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		ll := strings.ToLower(l)
		if strings.Contains(ll, "fail") || strings.Contains(ll, "error") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// layerTar writes a one-file tar layer and returns its path.
func layerTar(t *testing.T, dir, name, content string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write([]byte(content))
	_ = tw.Close()
	p := filepath.Join(dir, name+".tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOCICrane pushes with crane append, then pulls, copies, lists, deletes.
func testOCICrane(t *testing.T, k *harness.Keeper, host string) {
	crane := ociTool(t, "crane")
	home := t.TempDir()
	ociRun(t, home, crane, "auth", "login", host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	ref := host + "/docker/app/web:1"
	layer := layerTar(t, home, "hello", "hello from keeper\n")
	ociRun(t, home, crane, "append", "--insecure", "-f", layer, "-t", ref)
	pushed := ociRun(t, home, crane, "digest", "--insecure", ref)

	// Pull into an empty directory and compare digests.
	pulled := filepath.Join(t.TempDir(), "img.tar")
	ociRun(t, home, crane, "pull", "--insecure", "--format", "oci", ref, pulled)
	if st, err := os.Stat(filepath.Join(pulled, "index.json")); err != nil || st.Size() == 0 {
		t.Fatalf("crane pull wrote no OCI layout: %v", err)
	}
	idx, _ := os.ReadFile(filepath.Join(pulled, "index.json"))
	if !strings.Contains(string(idx), pushed) {
		t.Fatalf("pulled index.json does not name %s:\n%s", pushed, idx)
	}
	copyRef := host + "/docker/other/copy:2"
	ociRun(t, home, crane, "copy", "--insecure", ref, copyRef)
	if got := ociRun(t, home, crane, "digest", "--insecure", copyRef); got != pushed {
		t.Fatalf("copy digest %s, want %s", got, pushed)
	}
	ociRun(t, home, crane, "tag", "--insecure", ref, "latest")
	tags := ociRun(t, home, crane, "ls", "--insecure", host+"/docker/app/web")
	if tags != "1\nlatest" {
		t.Fatalf("crane ls = %q", tags)
	}
	// Anonymous access is refused with a Bearer challenge.
	r, err := http.Get(k.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer realm=") {
		t.Fatalf("anonymous /v2/: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	testOCIToken(t, k)
	ociRun(t, home, crane, "delete", "--insecure", host+"/docker/app/web@"+pushed)
	cmd := exec.Command(crane, "manifest", "--insecure", ref)
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "MANIFEST_UNKNOWN") {
		t.Fatalf("manifest after delete: err=%v %s", err, out)
	}
}

// TestOCIOras pushes a file artifact with oras, pulls it back, attaches a
// signature-like artifact and discovers it through the referrers API.
func testOCIOras(t *testing.T, _ *harness.Keeper, host string) {
	oras := ociTool(t, "oras")
	home := t.TempDir()
	work := t.TempDir()
	ociRun(t, home, oras, "login", "--plain-http", "-u", "admin", "-p", harness.AdminPassword, host)
	content := []byte("artifact bytes from oras\n")
	if err := os.WriteFile(filepath.Join(work, "a.txt"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	ref := host + "/docker/art/files:v1"
	cmd := exec.Command(oras, "push", "--plain-http", ref, "a.txt:text/plain")
	cmd.Dir = work
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oras push: %v\n%s", err, out)
	}
	out := t.TempDir()
	ociRun(t, home, oras, "pull", "--plain-http", "-o", out, ref)
	got, err := os.ReadFile(filepath.Join(out, "a.txt"))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("oras pull: %v %q", err, got)
	}
	sig := filepath.Join(work, "sig.json")
	_ = os.WriteFile(sig, []byte(`{"sig":"x"}`), 0o644)
	cmd = exec.Command(oras, "attach", "--plain-http", "--artifact-type", "application/vnd.keeper.sig", ref, "sig.json:application/json")
	cmd.Dir = work
	cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oras attach: %v\n%s", err, o)
	}
	disc := ociRun(t, home, oras, "discover", "--plain-http", "--format", "json", ref)
	var d struct {
		Referrers []struct {
			ArtifactType string `json:"artifactType"`
		} `json:"referrers"`
		Manifests []struct {
			ArtifactType string `json:"artifactType"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal([]byte(disc), &d); err != nil {
		t.Fatalf("oras discover: %v\n%s", err, disc)
	}
	found := false
	for _, r := range append(d.Referrers, d.Manifests...) {
		found = found || r.ArtifactType == "application/vnd.keeper.sig"
	}
	if !found {
		t.Fatalf("oras discover did not find the attached artifact:\n%s", disc)
	}
}

// TestOCISkopeoRegctl copies an image into an OCI layout and back with
// skopeo, then copies it with regctl and lists tags; digests must agree.
func testOCISkopeoRegctl(t *testing.T, _ *harness.Keeper, host string) {
	crane := ociTool(t, "crane")
	skopeo := ociTool(t, "skopeo")
	regctl := ociTool(t, "regctl")
	home := t.TempDir()
	ociRun(t, home, crane, "auth", "login", host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	src := host + "/docker/base/img:1"
	// OCI media types, so copying into an OCI layout keeps the manifest as is.
	ociRun(t, home, crane, "append", "--insecure", "--oci-empty-base", "-f", layerTar(t, home, "base", "base layer\n"), "-t", src)
	want := ociRun(t, home, crane, "digest", "--insecure", src)

	layout := filepath.Join(t.TempDir(), "layout")
	creds := "admin:" + harness.AdminPassword
	ociRun(t, home, skopeo, "copy", "--src-tls-verify=false", "--src-creds", creds,
		"docker://"+src, "oci:"+layout+":img")
	idx, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil || !strings.Contains(string(idx), want) {
		t.Fatalf("OCI layout index does not name %s: %v\n%s", want, err, idx)
	}
	dst := host + "/docker/skopeo/img:copied"
	ociRun(t, home, skopeo, "copy", "--dest-tls-verify=false", "--dest-creds", creds, "--preserve-digests",
		"oci:"+layout+":img", "docker://"+dst)
	if got := ociRun(t, home, crane, "digest", "--insecure", dst); got != want {
		t.Fatalf("skopeo round trip digest %s, want %s", got, want)
	}
	ociRun(t, home, regctl, "registry", "set", "--tls", "disabled", host)
	ociRun(t, home, regctl, "registry", "login", "-u", "admin", "-p", harness.AdminPassword, host)
	rdst := host + "/docker/regctl/img:r1"
	ociRun(t, home, regctl, "image", "copy", src, rdst)
	if got := ociRun(t, home, regctl, "image", "digest", rdst); got != want {
		t.Fatalf("regctl copy digest %s, want %s", got, want)
	}
	if tags := ociRun(t, home, regctl, "tag", "ls", host+"/docker/regctl/img"); tags != "r1" {
		t.Fatalf("regctl tag ls = %q", tags)
	}
}

// testOCIToken checks the token service as docker and containerd use it:
// Basic → bearer token (+ offline refresh token), the refresh_token grant,
// and that anonymous writes are refused.
func testOCIToken(t *testing.T, k *harness.Keeper) {
	t.Helper()
	do := func(method, path, auth string, body string, ctype string) (*http.Response, []byte) {
		t.Helper()
		var rd *strings.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		var req *http.Request
		if rd != nil {
			req, _ = http.NewRequest(method, k.URL+path, rd)
		} else {
			req, _ = http.NewRequest(method, k.URL+path, nil)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return resp, buf.Bytes()
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+harness.AdminPassword))
	resp, body := do("GET", "/v2/token?service=keeper&scope=repository:docker/app/web:pull,push&offline_token=true", basic, "", "")
	var tok struct {
		Token        string `json:"token"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil || tok.Token == "" || tok.RefreshToken == "" {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	if resp, body := do("GET", "/v2/", "Bearer "+tok.Token, "", ""); resp.StatusCode != 200 {
		t.Fatalf("/v2/ with the bearer token: %d %s", resp.StatusCode, body)
	}
	resp, body = do("POST", "/v2/token", "", "grant_type=refresh_token&service=keeper&refresh_token="+url.QueryEscape(tok.RefreshToken),
		"application/x-www-form-urlencoded")
	if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("refresh grant: %d %s", resp.StatusCode, body)
	}
	if resp, body := do("GET", "/v2/docker/app/web/tags/list", "Bearer "+tok.AccessToken, "", ""); resp.StatusCode != 200 {
		t.Fatalf("tags with the refreshed token: %d %s", resp.StatusCode, body)
	}
	// An anonymous caller gets an anonymous token: it reads nothing private
	// (the "docker" repository is private) and no refresh token is minted.
	var anon struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	resp, body = do("GET", "/v2/token?scope=repository:docker/app/web:pull", "", "", "")
	if resp.StatusCode != 200 || json.Unmarshal(body, &anon) != nil || anon.Token == "" || anon.RefreshToken != "" {
		t.Fatalf("anonymous token request: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do("GET", "/v2/docker/app/web/tags/list", "Bearer "+anon.Token, "", ""); resp.StatusCode != 401 {
		t.Fatalf("a private repository with the anonymous token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do("GET", "/v2/token?offline_token=true", "", "", ""); resp.StatusCode != 401 {
		t.Fatalf("anonymous offline token request: %d", resp.StatusCode)
	}
	if resp, _ := do("PUT", "/v2/docker/app/web/manifests/anon", "", "{}", "application/vnd.oci.image.manifest.v1+json"); resp.StatusCode != 401 ||
		resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous push: %d", resp.StatusCode)
	}
	if resp, body := do("GET", "/v2/docker/app/web/manifests/nope", basic, "", ""); resp.StatusCode != 404 || !strings.Contains(string(body), "MANIFEST_UNKNOWN") {
		t.Fatalf("unknown tag: %d %s", resp.StatusCode, body)
	}
	if resp, body := do("GET", "/v2/nosuchrepo/img/tags/list", basic, "", ""); resp.StatusCode != 404 || !strings.Contains(string(body), "NAME_UNKNOWN") {
		t.Fatalf("unknown repository: %d %s", resp.StatusCode, body)
	}
}
