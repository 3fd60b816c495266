package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// hexTar writes an uncompressed tar of files in the order of names.
func hexTar(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(files[n])
	}
	_ = tw.Close()
	return buf.Bytes()
}

// hexPackage builds a Hex package tarball (format 3, as `mix hex.build`
// and rebar3_hex write it) of an OTP application whose marker/0 returns
// marker; it returns the tarball and the module source.
// https://github.com/hexpm/specifications/blob/main/package_tarball.md
func hexPackage(t *testing.T, name, version, marker string) (tarball, module []byte) {
	t.Helper()
	module = []byte("-module(" + name + ").\n-export([marker/0]).\nmarker() -> <<\"" + marker + "\">>.\n")
	appSrc := []byte("{application, " + name + ", [{description, \"keeper test\"}, {vsn, \"" + version +
		"\"}, {registered, []}, {applications, [kernel, stdlib]}, {env, []}]}.\n")
	src := map[string][]byte{"src/" + name + ".erl": module, "src/" + name + ".app.src": appSrc}
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	_, _ = zw.Write(hexTar(t, []string{"src/" + name + ".app.src", "src/" + name + ".erl"}, src))
	_ = zw.Close()
	meta := []byte(`{<<"app">>,<<"` + name + `">>}.
{<<"build_tools">>,[<<"rebar3">>]}.
{<<"description">>,<<"keeper test">>}.
{<<"files">>,[<<"src/` + name + `.app.src">>,<<"src/` + name + `.erl">>]}.
{<<"licenses">>,[<<"Apache-2.0">>]}.
{<<"links">>,[]}.
{<<"name">>,<<"` + name + `">>}.
{<<"requirements">>,[]}.
{<<"version">>,<<"` + version + `">>}.
`)
	files := map[string][]byte{"VERSION": []byte("3"), "metadata.config": meta, "contents.tar.gz": gzBuf.Bytes()}
	sum := sha256.Sum256(append(append([]byte("3"), meta...), gzBuf.Bytes()...))
	files["CHECKSUM"] = []byte(strings.ToUpper(hex.EncodeToString(sum[:])))
	return hexTar(t, []string{"VERSION", "CHECKSUM", "metadata.config", "contents.tar.gz"}, files), module
}

// hexPublish sends the request `mix hex.publish` sends: the tarball as the
// body of POST /api/publish with the API key as the whole Authorization
// value. https://github.com/hexpm/specifications/blob/main/apiary.apib
func hexPublish(k *harness.Keeper, repo, key string, tarball []byte) (*harness.Response, error) {
	return k.Call(http.MethodPost, "/hex/"+repo+"/api/publish", bytes.NewReader(tarball),
		"Authorization", key, "Content-Type", "application/octet-stream")
}

// rebar3Fetch makes an OTP application depending on name at version in
// work/app, with a global rebar.config (isolated HOME) naming Keeper's
// repository repo (as hex repository repoName) as the only Hex repository,
// and runs rebar3 compile.
func rebar3Fetch(t *testing.T, k *harness.Keeper, work, repoName, repo, repoKey, name, version string) string {
	t.Helper()
	bin, err := exec.LookPath("rebar3")
	if err != nil {
		harness.MissingClient(t, "rebar3 is not on PATH")
	}
	pem := k.Expect(http.StatusOK, http.MethodGet, "/hex/"+repo+"/public_key", nil).Body
	home := filepath.Join(work, "home")
	app := rebar3App(t, work, name, version)
	mkdirs(t, filepath.Join(home, ".config", "rebar3"))
	cfg := "{hex, [{repos, replace, [#{name => <<\"" + repoName + "\">>,\n  repo_url => <<\"" + k.URL + "/hex/" + repo + "\">>,\n" +
		"  repo_public_key => <<\"" + string(pem) + "\">>"
	if repoKey != "" {
		cfg += ",\n  repo_key => <<\"" + repoKey + "\">>"
	}
	cfg += "}]}]}.\n"
	if err := os.WriteFile(filepath.Join(home, ".config", "rebar3", "rebar.config"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "compile")
	cmd.Dir, cmd.Env = app, rebar3Env(home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rebar3 compile: %v\n%s", err, out)
	}
	return app
}

// rebar3App writes an OTP application depending on name at version into work/app.
func rebar3App(t *testing.T, work, name, version string) string {
	t.Helper()
	app := filepath.Join(work, "app")
	mkdirs(t, filepath.Join(app, "src"))
	for p, body := range map[string]string{
		filepath.Join(app, "rebar.config"):       "{deps, [{" + name + ", \"" + version + "\"}]}.\n",
		filepath.Join(app, "src", "app.app.src"): "{application, app, [{vsn, \"0.1.0\"}, {applications, [kernel, stdlib, " + name + "]}]}.\n",
		filepath.Join(app, "src", "app.erl"):     "-module(app).\n-export([m/0]).\nm() -> " + name + ":marker().\n",
	} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// rebar3Env is the environment without rebar3's and Erlang's own variables, with HOME home.
func rebar3Env(home string, vars ...string) []string {
	var env []string
	for _, kv := range clientEnv(home, vars...) {
		if !strings.HasPrefix(kv, "REBAR") && !strings.HasPrefix(kv, "HEX_") && !strings.HasPrefix(kv, "ERL_") {
			env = append(env, kv)
		}
	}
	return append(env, "REBAR_COLOR=none")
}

// TestHex publishes a package with the request mix hex.publish sends (no
// mix here) to a private repository whose registry is signed by its RSA
// key, and has the real rebar3 resolve and compile it from Keeper alone
// (registry resources verified with the repository's public key, tarball
// checksums checked), from an empty cache and an isolated HOME.
func TestHex(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "hexrepo", Format: "hex"})
	repoSigningKey(t, k, "hexrepo", "rsa3072")
	key := k.APIToken("hex")
	tarball, module := hexPackage(t, "keeper_dep", "1.0.0", "marker-hex-100")

	if r, err := hexPublish(k, "hexrepo", "", tarball); err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous publish: %v %v, want 401", r, err)
	}
	if r, err := hexPublish(k, "hexrepo", key, tarball); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("publish: %v %v", r, err)
	}
	if r, err := hexPublish(k, "hexrepo", key, tarball); err != nil || r.Status != http.StatusConflict {
		t.Fatalf("republish: %v %v, want 409", r, err)
	}
	if r, err := hexPublish(k, "hexrepo", key, tarball[:len(tarball)/2]); err != nil || r.Status != http.StatusBadRequest {
		t.Fatalf("truncated tarball: %v %v, want 400", r, err)
	}
	tb := k.Expect(http.StatusOK, http.MethodGet, "/hex/hexrepo/tarballs/keeper_dep-1.0.0.tar", nil)
	if !bytes.Equal(tb.Body, tarball) || tb.Header.Get("ETag") == "" {
		t.Fatalf("tarball: %d bytes, ETag %q", len(tb.Body), tb.Header.Get("ETag"))
	}
	k.Expect(http.StatusNotFound, http.MethodGet, "/hex/hexrepo/packages/nope", nil)

	work := t.TempDir()
	app := rebar3Fetch(t, k, work, "hexrepo", "hexrepo", k.APIToken("rebar3", "read:artifacts"), "keeper_dep", "1.0.0")
	got, err := os.ReadFile(filepath.Join(app, "_build", "default", "lib", "keeper_dep", "src", "keeper_dep.erl"))
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("fetched module source: %v %q", err, got)
	}
	if _, err := os.Stat(filepath.Join(app, "_build", "default", "lib", "keeper_dep", "ebin", "keeper_dep.beam")); err != nil {
		t.Fatalf("the dependency was not compiled: %v", err)
	}

	t.Run("readme", func(t *testing.T) {
		if _, err := exec.LookPath("rebar3"); err != nil {
			harness.MissingClient(t, "rebar3 is not on PATH")
		}
		k.CreateRepo(harness.Repo{Key: "hexreadme", Format: "hex"})
		repoSigningKey(t, k, "hexreadme", "rsa3072")
		work := t.TempDir()
		tarball, module := hexPackage(t, "readme_dep", "1.0.0", "marker-readme")
		if err := os.WriteFile(filepath.Join(work, "readme_dep-1.0.0.tar"), tarball, 0o644); err != nil {
			t.Fatal(err)
		}
		app := rebar3App(t, work, "readme_dep", "1.0.0")
		home := filepath.Join(work, "home")
		mkdirs(t, home)
		u := strings.TrimPrefix(k.URL, "http://")
		env := rebar3Env(home, "K="+u, "REPO=hexreadme", "T="+k.APIToken("readme-hex"), "PKG=readme_dep")
		runSnippet(t, "hex-publish", work, env)
		runSnippet(t, "hex-consume", app, env)
		got, err := os.ReadFile(filepath.Join(app, "_build", "default", "lib", "readme_dep", "src", "readme_dep.erl"))
		if err != nil || !bytes.Equal(got, module) {
			t.Fatalf("module fetched by the README block: %v %q", err, got)
		}
	})
}

// TestHexRemote: rebar3 resolves and compiles a package through a remote
// repository of one keeper whose upstream is a private Hex repository of a
// second keeper, from an empty cache. The remote serves the upstream's
// signed registry as it is, so rebar3 names the repository as the upstream
// does and trusts the key the remote serves at /public_key (the upstream's).
func TestHexRemote(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "hexrepo", Format: "hex"})
	repoSigningKey(t, up, "hexrepo", "rsa3072")
	tarball, module := hexPackage(t, "keeper_remote", "1.0.0", "marker-hex-remote")
	if r, err := hexPublish(up, "hexrepo", up.APIToken("hex"), tarball); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("publish: %v %v", r, err)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "hexproxy", Format: "hex", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/hex/hexrepo", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})

	app := rebar3Fetch(t, px, t.TempDir(), "hexrepo", "hexproxy", "", "keeper_remote", "1.0.0")
	got, err := os.ReadFile(filepath.Join(app, "_build", "default", "lib", "keeper_remote", "src", "keeper_remote.erl"))
	if err != nil || !bytes.Equal(got, module) {
		t.Fatalf("fetched module source: %v %q", err, got)
	}
	tb := px.Expect(http.StatusOK, http.MethodGet, "/hex/hexproxy/tarballs/keeper_remote-1.0.0.tar", nil)
	if !bytes.Equal(tb.Body, tarball) {
		t.Fatal("the tarball through the remote differs from the published one")
	}

	// A virtual repository of a local and that remote: its resources are
	// merged and signed with its own key, for its own name, and rebar3
	// resolves a package of each member through it.
	px.CreateRepo(harness.Repo{Key: "hexlocal", Format: "hex", Public: true})
	repoSigningKey(t, px, "hexlocal", "rsa3072")
	localTar, localModule := hexPackage(t, "keeper_local", "1.0.0", "marker-hex-local")
	if r, err := hexPublish(px, "hexlocal", px.APIToken("hex"), localTar); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("publish local: %v %v", r, err)
	}
	px.CreateRepo(harness.Repo{Key: "hexall", Format: "hex", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "hexlocal", "priority": 1}, {"repo_key": "hexproxy", "priority": 2}}})
	repoSigningKey(t, px, "hexall", "rsa3072")
	for name, want := range map[string][]byte{"keeper_local": localModule, "keeper_remote": module} {
		app := rebar3Fetch(t, px, t.TempDir(), "hexall", "hexall", "", name, "1.0.0")
		got, err := os.ReadFile(filepath.Join(app, "_build", "default", "lib", name, "src", name+".erl"))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s through the virtual repository: %v %q", name, err, got)
		}
	}
}
