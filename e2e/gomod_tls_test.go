package e2e

import (
	"bytes"
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

// TestGoPrivateOverTLS: the go command sends credentials only over HTTPS,
// so a private Go repository needs keeper to speak TLS. keeper runs with its
// self-signed development certificate (tls.self_signed), which the go
// command trusts through SSL_CERT_FILE; the credentials (an API token as
// the password) come from a .netrc named by NETRC in an isolated HOME, and
// GOPROXY names keeper alone. The downloaded zip must be the uploaded bytes;
// without the .netrc the same download must be refused.
func TestGoPrivateOverTLS(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		harness.MissingClient(t, "the go command is not on PATH")
	}
	const certFile = "tls/self-signed.crt"
	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_TLS_SELF_SIGNED=true"}, TrustCert: certFile})
	if !strings.HasPrefix(k.URL, "https://") {
		t.Fatalf("keeper ready at %s, want https://", k.URL)
	}
	if !strings.Contains(k.Logs(), filepath.Join(k.DataDir, certFile)) {
		t.Errorf("the log does not say where the certificate is:\n%s", k.Logs())
	}
	k.CreateRepo(harness.Repo{Key: "goprivate", Format: "go"})
	const mod, ver = "example.com/private/lib", "v1.0.0"
	zip := gomodZip(t, mod, ver, map[string]string{
		"go.mod": "module " + mod + "\n\ngo 1.21\n",
		"lib.go": "package lib\n\nconst Secret = \"marker-private\"\n",
	})
	zipPath := "/go/goprivate/" + mod + "/@v/" + ver + ".zip"
	r, err := k.Call(http.MethodPut, zipPath, bytes.NewReader(zip), "Content-Type", "application/zip")
	if err != nil || r.Status != http.StatusCreated {
		t.Fatalf("upload over HTTPS: %v %v", r, err)
	}
	if r, err := k.Call(http.MethodGet, "/go/goprivate/"+mod+"/@v/list", nil, "Authorization", ""); err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous @v/list of a private repository: %v %v, want 401", r, err)
	}

	work := t.TempDir()
	u, _ := url.Parse(k.URL)
	netrc := filepath.Join(work, "home", ".netrc")
	// The go command matches the machine against host:port when the URL has a port.
	gomodWrite(t, netrc, "machine "+u.Host+"\nlogin admin\npassword "+k.APIToken("go-netrc")+"\n")
	if err := os.Chmod(netrc, 0o600); err != nil {
		t.Fatal(err)
	}
	consumer := filepath.Join(work, "consumer")
	gomodWrite(t, filepath.Join(consumer, "go.mod"), "module example.com/consumer\n\ngo 1.21\n")
	env := append(gomodEnv(k.URL+"/go/goprivate", work, filepath.Join(work, "modcache")),
		"SSL_CERT_FILE="+filepath.Join(k.DataDir, certFile), "NETRC="+netrc)

	raw := gomodRun(t, goBin, consumer, env, 0, "mod", "download", "-json", mod+"@"+ver)
	var dl struct{ Zip, Sum, Error string }
	if err := json.Unmarshal([]byte(raw), &dl); err != nil || dl.Zip == "" || dl.Error != "" {
		t.Fatalf("go mod download -json: %v\n%s", err, raw)
	}
	got, err := os.ReadFile(dl.Zip)
	if err != nil {
		t.Fatal(err)
	}
	if harness.SHA256(got) != harness.SHA256(zip) {
		t.Errorf("downloaded zip sha256 %s, uploaded %s", harness.SHA256(got), harness.SHA256(zip))
	}
	if !strings.HasPrefix(dl.Sum, "h1:") {
		t.Errorf("go computed no h1: checksum: %q", dl.Sum)
	}

	// The same download without credentials (fresh module cache) is refused.
	anon := append(gomodEnv(k.URL+"/go/goprivate", work, filepath.Join(work, "modcache-anon")),
		"SSL_CERT_FILE="+filepath.Join(k.DataDir, certFile), "NETRC="+filepath.Join(work, "no-such-netrc"))
	msg := gomodRun(t, goBin, consumer, anon, 1, "mod", "download", mod+"@"+ver)
	if !strings.Contains(msg, "401") {
		t.Errorf("download without credentials: go said %q, want a 401", msg)
	}
	// And without trusting the certificate the go command refuses the server.
	untrusted := append(gomodEnv(k.URL+"/go/goprivate", work, filepath.Join(work, "modcache-untrusted")),
		"SSL_CERT_FILE="+filepath.Join(work, "no-such-ca.pem"), "NETRC="+netrc)
	msg = gomodRun(t, goBin, consumer, untrusted, 1, "mod", "download", mod+"@"+ver)
	if !strings.Contains(msg, "certificate") {
		t.Errorf("untrusted certificate: go said %q, want a certificate error", msg)
	}
}
