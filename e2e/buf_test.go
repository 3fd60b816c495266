package e2e

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// The buf CLI addresses a registry by host name alone: it calls
// https://REMOTE/buf.registry.module.v1.SERVICE/METHOD (binary Protobuf
// over Connect, BUF_TOKEN as a Bearer token) and has no setting for a path
// prefix, so it cannot name Keeper's /buf/REPO/ mount itself. The test puts
// a TLS front in between that maps https://127.0.0.1:P/X to
// KEEPER/buf/REPO/X (what a host-per-repository reverse proxy does in
// production) and runs the real `buf push` and `buf export` through it.

// bufBin is the buf command, or the test is skipped (CI fails).
func bufBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("buf")
	if err != nil {
		harness.MissingClient(t, "buf is not on PATH (npm @bufbuild/buf)")
	}
	return bin
}

// bufFront is an HTTPS reverse proxy onto k's repository repo; it returns
// the remote name (127.0.0.1:PORT) and a PEM file of its certificate.
func bufFront(t *testing.T, k *harness.Keeper, repo string) (remote, certFile string) {
	t.Helper()
	target, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.URL.Path = "/buf/" + repo + r.In.URL.Path
		r.Out.URL.RawPath = ""
		r.Out.Host = target.Host
	}}
	srv := httptest.NewTLSServer(rp)
	t.Cleanup(srv.Close)
	certFile = filepath.Join(t.TempDir(), "front.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(srv.URL, "https://"), certFile
}

func bufRun(t *testing.T, dir string, env []string, wantOK bool, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bufBin(t), args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if (err == nil) != wantOK {
		t.Fatalf("buf %s: err=%v, want ok=%v\n%s", strings.Join(args, " "), err, wantOK, out)
	}
	return string(out)
}

// TestBufPushExport pushes a module with `buf push --create`, pushes a
// change under a label, then exports the default label, the label and
// the first commit into empty directories with an
// empty cache and compares the files, with a read-only token (the read
// RPCs are declared read paths). Without a token buf is refused, and a
// read-only token cannot push.
func TestBufPushExport(t *testing.T) {
	t.Parallel()
	bufBin(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "protos", Format: "buf"})
		token := k.APIToken("buf")
		remote, cert := bufFront(t, k, "protos")
		mod := t.TempDir()
		files := map[string]string{
			"buf.yaml":              "version: v2\nmodules:\n  - path: .\n    name: " + remote + "/acme/petapis\n",
			"acme/pet/v1/pet.proto": "syntax = \"proto3\";\n\npackage acme.pet.v1;\n\nmessage Pet {\n  string name = 1;\n}\n",
			"README.md":             "# petapis\n",
		}
		for name, body := range files {
			mkdirs(t, filepath.Dir(filepath.Join(mod, name)))
			if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		env := func(tok string) []string {
			home := t.TempDir()
			return clientEnv(home, "SSL_CERT_FILE="+cert, "BUF_TOKEN="+tok, "BUF_CACHE_DIR="+filepath.Join(home, "cache"))
		}
		bufRun(t, mod, env(""), false, "push", "--create", "--create-visibility", "private")
		out := bufRun(t, mod, env(token), true, "push", "--create", "--create-visibility", "private")
		first := strings.TrimSpace(out)
		if !strings.Contains(first, remote+"/acme/petapis:") {
			t.Fatalf("push: %q", out)
		}
		v2 := "syntax = \"proto3\";\n\npackage acme.pet.v1;\n\nmessage Pet {\n  string name = 1;\n  string kind = 2;\n}\n"
		if err := os.WriteFile(filepath.Join(mod, "acme/pet/v1/pet.proto"), []byte(v2), 0o644); err != nil {
			t.Fatal(err)
		}
		bufRun(t, mod, env(token), true, "push", "--label", "v2")
		readToken := k.APIToken("buf-read", "read:artifacts")
		bufRun(t, mod, env(readToken), false, "push", "--label", "v3")

		// --label v2 moves only v2: the default label (main) stays on the first commit, as on the BSR.
		for ref, want := range map[string]string{"": files["acme/pet/v1/pet.proto"], ":v2": v2, ":" + first[strings.LastIndex(first, ":")+1:]: files["acme/pet/v1/pet.proto"]} {
			dst := t.TempDir()
			bufRun(t, t.TempDir(), env(readToken), true, "export", remote+"/acme/petapis"+ref, "--output", dst)
			got, err := os.ReadFile(filepath.Join(dst, "acme/pet/v1/pet.proto"))
			if err != nil || string(got) != want {
				t.Fatalf("export %q: %q %v", ref, got, err)
			}
		}
		out = runSnippet(t, "buf-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=protos", "T="+token))
		if !strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(files["acme/pet/v1/pet.proto"]))) {
			t.Fatalf("README block: %s", out)
		}
	})
}
