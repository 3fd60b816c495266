package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// tfCert is keeper's self-signed development certificate (IP SAN 127.0.0.1):
// terraform's service discovery speaks HTTPS only.
const tfCert = "tls/self-signed.crt"

// terraformBin is the terraform command, or the test is skipped (CI fails).
func terraformBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		harness.MissingClient(t, "terraform is not on PATH")
	}
	return bin
}

// startTLS starts keeper speaking HTTPS with its self-signed certificate.
func startTLS(t *testing.T, env ...string) *harness.Keeper {
	t.Helper()
	k := harness.Start(t, harness.Options{Env: append([]string{"KEEPER_TLS_SELF_SIGNED=true"}, env...), TrustCert: tfCert})
	if !strings.HasPrefix(k.URL, "https://") {
		t.Fatalf("keeper ready at %s, want https://", k.URL)
	}
	return k
}

// tfModule is a module archive whose output names marker.
func tfModule(t *testing.T, marker string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"main.tf":            "output \"marker\" {\n  value = \"" + marker + "\"\n}\n",
		"modules/sub/sub.tf": "variable \"x\" {\n  default = 1\n}\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// tfProvider is a provider package: a stand-in executable (terraform init
// installs providers without running them).
func tfProvider(t *testing.T, typ, version string) (zipBytes, exe []byte, exeName string) {
	t.Helper()
	exeName = "terraform-provider-" + typ + "_v" + version
	exe = []byte("#!/bin/sh\necho 'provider " + typ + " " + version + "'\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hd := &zip.FileHeader{Name: exeName, Method: zip.Deflate}
	hd.SetMode(0o755)
	w, err := zw.CreateHeader(hd)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(exe)
	_ = zw.Close()
	return buf.Bytes(), exe, exeName
}

// tfPublish uploads a module and a linux_amd64 provider package to repo.
func tfPublish(t *testing.T, k *harness.Keeper, repo, modVersion, marker, provVersion string) (module, provider []byte) {
	t.Helper()
	module = tfModule(t, marker)
	k.Expect(http.StatusCreated, http.MethodPut, "/terraform/"+repo+"/-/modules/net/aws/"+modVersion, bytes.NewReader(module))
	provider, _, _ = tfProvider(t, "demo", provVersion)
	k.Expect(http.StatusCreated, http.MethodPut, "/terraform/"+repo+"/-/providers/demo/"+provVersion+
		"/terraform-provider-demo_"+provVersion+"_linux_amd64.zip?protocols=5.0", bytes.NewReader(provider))
	return module, provider
}

// tfEnv is an isolated environment for terraform: its own HOME, CLI
// configuration, plugin cache, and keeper's certificate as the only CA.
func tfEnv(t *testing.T, k *harness.Keeper, work, cliConfig string) []string {
	t.Helper()
	home := filepath.Join(work, "home")
	mkdirs(t, home, filepath.Join(work, "plugin-cache"))
	cfg := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(cfg, []byte(cliConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range clientEnv(home) {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "CHECKPOINT_") {
			env = append(env, kv)
		}
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cfg, "TF_PLUGIN_CACHE_DIR="+filepath.Join(work, "plugin-cache"),
		"SSL_CERT_FILE="+filepath.Join(k.DataDir, tfCert), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// tfInit writes main.tf into work/app and runs terraform init there.
func tfInit(t *testing.T, bin, work, mainTF string, env []string) string {
	t.Helper()
	app := filepath.Join(work, "app")
	mkdirs(t, app)
	if err := os.WriteFile(filepath.Join(app, "main.tf"), []byte(mainTF), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "init", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = app, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	return app
}

// tfMain is a configuration using module net/aws and provider demo of
// namespace (the repository) on host.
func tfMain(host, namespace, modVersion, provVersion string) string {
	return "terraform {\n  required_providers {\n    demo = {\n      source  = \"" + host + "/" + namespace + "/demo\"\n" +
		"      version = \"" + provVersion + "\"\n    }\n  }\n}\n\nmodule \"net\" {\n  source  = \"" + host + "/" + namespace +
		"/net/aws\"\n  version = \"" + modVersion + "\"\n}\n"
}

// tfProviderOnly is a configuration that only requires provider source.
func tfProviderOnly(source, version string) string {
	return "terraform {\n  required_providers {\n    demo = {\n      source  = \"" + source + "\"\n      version = \"" + version + "\"\n    }\n  }\n}\n"
}

// tfCheck checks what terraform init installed: the module's marker, the
// provider executable in the plugin cache byte for byte, and the zip's
// sha256 as a zh: hash in the lock file.
func tfCheck(t *testing.T, work, app, host, namespace, marker, provVersion string, providerZip []byte, zh bool) {
	t.Helper()
	if marker != "" {
		got, err := os.ReadFile(filepath.Join(app, ".terraform", "modules", "net", "main.tf"))
		if err != nil || !strings.Contains(string(got), marker) {
			t.Fatalf("installed module main.tf: %v %q, want marker %s", err, got, marker)
		}
	}
	_, exe, exeName := tfProvider(t, "demo", provVersion)
	got, err := os.ReadFile(filepath.Join(work, "plugin-cache", host, namespace, "demo", provVersion, "linux_amd64", exeName))
	if err != nil || !bytes.Equal(got, exe) {
		t.Fatalf("cached provider executable: %v %q, want the published bytes", err, got)
	}
	lock, err := os.ReadFile(filepath.Join(app, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	// h1: is the hash of the extracted package (dirhash: sha256 over the
	// lines "<sha256>  <name>\n" of its files); the registry protocol adds
	// the zip's own zh: hash, which the network mirror leaves out.
	sum := sha256.Sum256(exe)
	h1 := sha256.Sum256([]byte(hex.EncodeToString(sum[:]) + "  " + exeName + "\n"))
	want := []string{"h1:" + base64.StdEncoding.EncodeToString(h1[:])}
	if zh {
		want = append(want, "zh:"+harness.SHA256(providerZip))
	}
	for _, w := range want {
		if !strings.Contains(string(lock), w) {
			t.Fatalf("lock file lacks %s:\n%s", w, lock)
		}
	}
}

// TestTerraform publishes a module and a provider to a private repository
// and installs both with the real terraform init over HTTPS (service
// discovery, module and provider registry, GPG-signed SHA256SUMS) with
// Keeper as the only source; then the provider again through the network
// mirror protocol. The refusals a client meets are checked on the way.
func TestTerraform(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	k := startTLS(t)
	k.CreateRepo(harness.Repo{Key: "tf", Format: "terraform"})
	tfSigning(t, k, "tf")
	u, _ := url.Parse(k.URL)
	host := u.Host

	r, err := k.Call(http.MethodPut, "/terraform/tf/-/modules/net/aws/1.0.0", bytes.NewReader(tfModule(t, "x")), "Authorization", "")
	if err != nil || r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous publish: %v %v, want 401 with a challenge", r, err)
	}
	_, provider := tfPublish(t, k, "tf", "1.0.0", "marker-tf-100", "1.0.0")
	r = k.Expect(http.StatusConflict, http.MethodPut, "/terraform/tf/-/modules/net/aws/1.0.0", bytes.NewReader(tfModule(t, "other")))
	if !strings.Contains(string(r.Body), "already exists") {
		t.Fatalf("republish: %s", r.Body)
	}
	k.Expect(http.StatusBadRequest, http.MethodPut, "/terraform/tf/-/modules/net/aws/2.0.0", strings.NewReader("not a tarball"))
	k.Expect(http.StatusNotFound, http.MethodGet, "/terraform/tf/net/aws/9.9.9/download", nil)
	d := k.Expect(http.StatusOK, http.MethodGet, "/.well-known/terraform.json", nil, "Authorization", "")
	if !strings.Contains(string(d.Body), `"providers.v1":"/terraform/"`) {
		t.Fatalf("discovery: %s", d.Body)
	}

	// A private repository: terraform sends the credentials block to the
	// registry API, and its downloader reads ~/.netrc for module archives
	// and mirrored provider packages.
	token := k.APIToken("terraform", "read:artifacts")
	creds := "credentials \"" + host + "\" {\n  token = \"" + token + "\"\n}\n"
	t.Run("private module", func(t *testing.T) {
		work := t.TempDir()
		env := tfEnv(t, k, work, creds)
		tfNetrc(t, work, host, token)
		main := "module \"net\" {\n  source  = \"" + host + "/tf/net/aws\"\n  version = \"1.0.0\"\n}\n"
		app := tfInit(t, bin, work, main, env)
		got, err := os.ReadFile(filepath.Join(app, ".terraform", "modules", "net", "main.tf"))
		if err != nil || !strings.Contains(string(got), "marker-tf-100") {
			t.Fatalf("installed module main.tf: %v %q", err, got)
		}
	})
	t.Run("private provider through the network mirror", func(t *testing.T) {
		work := t.TempDir()
		env := tfEnv(t, k, work, creds+"provider_installation {\n  network_mirror {\n    url = \""+k.URL+"/terraform/tf/-/mirror/\"\n  }\n}\n")
		tfNetrc(t, work, host, token)
		// terraform cannot build mirror URLs for a source host with a port,
		// and needs no registry at that host (the mirror answers for every
		// provider), so the address names another host.
		app := tfInit(t, bin, work, tfProviderOnly("keeper.test/tf/demo", "1.0.0"), env)
		tfCheck(t, work, app, "keeper.test", "tf", "", "1.0.0", provider, false)
	})
	t.Run("readme", func(t *testing.T) {
		k.CreateRepo(harness.Repo{Key: "tfreadme", Format: "terraform"})
		work := t.TempDir()
		home, app := filepath.Join(work, "home"), filepath.Join(work, "app")
		mkdirs(t, home, app)
		if err := os.WriteFile(filepath.Join(work, "module.tar.gz"), tfModule(t, "marker-readme"), 0o644); err != nil {
			t.Fatal(err)
		}
		var env []string
		for _, kv := range clientEnv(home, "K="+host, "REPO=tfreadme", "T="+k.APIToken("readme-tf"), "CA="+filepath.Join(k.DataDir, tfCert)) {
			if !strings.HasPrefix(kv, "TF_") {
				env = append(env, kv)
			}
		}
		env = append(env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		runSnippet(t, "terraform-publish", work, env)
		runSnippet(t, "terraform-consume", app, env)
		got, err := os.ReadFile(filepath.Join(app, ".terraform", "modules", "net", "main.tf"))
		if err != nil || !strings.Contains(string(got), "marker-readme") {
			t.Fatalf("module installed by the README block: %v %q", err, got)
		}
	})
	// terraform fetches SHA256SUMS and its signature without credentials, so
	// providers install through the registry protocol from public
	// repositories (private ones: the network mirror above).
	t.Run("public registry", func(t *testing.T) {
		k.CreateRepo(harness.Repo{Key: "tfpub", Format: "terraform", Public: true})
		tfSigning(t, k, "tfpub")
		_, provider := tfPublish(t, k, "tfpub", "1.0.0", "marker-pub-100", "1.0.0")
		work := t.TempDir()
		app := tfInit(t, bin, work, tfMain(host, "tfpub", "1.0.0", "1.0.0"), tfEnv(t, k, work, ""))
		tfCheck(t, work, app, host, "tfpub", "marker-pub-100", "1.0.0", provider, true)
		// terraform verified the signature over SHA256SUMS as the host
		// serves it: the document stored at the upload (Range, Last-Modified).
		r := k.Expect(http.StatusPartialContent, http.MethodGet, "/terraform/tfpub/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS",
			nil, "Range", "bytes=64-")
		if string(r.Body) != "  terraform-provider-demo_1.0.0_linux_amd64.zip\n" || r.Header.Get("Last-Modified") == "" {
			t.Fatalf("SHA256SUMS is not served as a stored file: %v %q", r.Header, r.Body)
		}
	})
}

// tfNetrc writes a ~/.netrc for host (with and without its port) into work's HOME.
func tfNetrc(t *testing.T, work, host, token string) {
	t.Helper()
	name, _, _ := strings.Cut(host, ":")
	netrc := "machine " + host + " login terraform password " + token + "\nmachine " + name + " login terraform password " + token + "\n"
	if err := os.WriteFile(filepath.Join(work, "home", ".netrc"), []byte(netrc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tfSigning gives repository repo a new Ed25519 OpenPGP signing key.
func tfSigning(t *testing.T, k *harness.Keeper, repo string) {
	t.Helper()
	repoSigningKey(t, k, repo, "ed25519")
}

// repoSigningKey generates a signing key of algorithm (docs/signing.md)
// and assigns it to repository repo.
func repoSigningKey(t *testing.T, k *harness.Keeper, repo, algorithm string) {
	t.Helper()
	var key struct {
		ID string `json:"id"`
	}
	r := k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/signing/keys",
		harness.JSONBody(map[string]string{"name": repo, "algorithm": algorithm}), "Content-Type", "application/json")
	if err := r.JSON(&key); err != nil || key.ID == "" {
		t.Fatalf("signing key: %v %s", err, r.Body)
	}
	k.Expect(http.StatusOK, http.MethodPut, "/api/v1/signing/repositories/"+repo+"/config",
		harness.JSONBody(map[string]string{"key_id": key.ID}), "Content-Type", "application/json")
}
