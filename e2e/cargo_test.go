package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// cargoBin finds the cargo binary (rustup installs it under ~/.cargo/bin,
// which is not always on PATH).
func cargoBin(t *testing.T) string {
	if p, err := exec.LookPath("cargo"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cargo", "bin", "cargo")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	harness.MissingClient(t, "cargo not found on PATH or in ~/.cargo/bin: it comes with the machine (rustup); Debian's cargo predates sparse registries")
	return ""
}

// cargoEnv is an isolated cargo environment: its own CARGO_HOME (registry
// cache, config naming Keeper as the only registry) and target directory.
type cargoEnv struct {
	t      *testing.T
	bin    string
	home   string
	target string
	env    []string
}

func newCargoEnv(t *testing.T, bin, indexURL, token string) *cargoEnv {
	dir := t.TempDir()
	c := &cargoEnv{t: t, bin: bin, home: filepath.Join(dir, "cargo-home"), target: filepath.Join(dir, "target")}
	if err := os.MkdirAll(c.home, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `[registries.k]
index = "sparse+` + indexURL + `"

[registry]
global-credential-providers = ["cargo:token"]

[net]
offline = false
retry = 0
`
	if err := os.WriteFile(filepath.Join(c.home, "config.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	rustup := os.Getenv("RUSTUP_HOME")
	if rustup == "" {
		if h, err := os.UserHomeDir(); err == nil {
			rustup = filepath.Join(h, ".rustup")
		}
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CARGO") && !strings.HasPrefix(kv, "RUSTUP_HOME=") && !strings.HasPrefix(kv, "KEEPER_") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "CARGO_HOME="+c.home, "RUSTUP_HOME="+rustup, "CARGO_TARGET_DIR="+c.target,
		"CARGO_TERM_COLOR=never", "CARGO_HTTP_TIMEOUT=60")
	if token != "" {
		c.env = append(c.env, "CARGO_REGISTRIES_K_TOKEN="+token)
	}
	return c
}

// run runs cargo in dir and returns its combined output and error.
func (c *cargoEnv) run(dir string, args ...string) (string, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Dir, cmd.Env = dir, c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cargoEnv) must(dir string, args ...string) string {
	c.t.Helper()
	out, err := c.run(dir, args...)
	if err != nil {
		c.t.Fatalf("cargo %s in %s: %v\n%s", strings.Join(args, " "), filepath.Base(dir), err, out)
	}
	return out
}

// writeCrate writes files (path -> content) under a new directory.
func writeCrate(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for p, s := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func libCrate(t *testing.T, vers string) string {
	return writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "demo-lib"
version = "` + vers + `"
edition = "2021"
description = "A demo library for Keeper's cargo tests"
license = "MIT"
publish = ["k"]

[features]
default = ["std"]
std = []
`,
		"src/lib.rs": `pub fn marker() -> &'static str { "demo-lib ` + vers + `" }` + "\n",
	})
}

func fileSHA256(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return harness.SHA256(b)
}

// TestCargo drives the real cargo against a private Keeper cargo repository:
// publish (two versions, and a crate depending on the first through the
// registry), build and run a consumer with an empty cache, compare checksums,
// yank and unyank, search, owners, and the refusals cargo must show.
func TestCargo(t *testing.T) {
	t.Parallel()
	bin := cargoBin(t)
	// Compiling the built-in plugins is slow on a busy 2-core machine.
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "crates", Format: "cargo"})
	k.CreateRepo(harness.Repo{Key: "opencrates", Format: "cargo", Public: true})
	// Yank is DELETE …/yank, which the host authorizes as a delete.
	token := k.APIToken("cargo", "read:artifacts", "write:artifacts", "delete:artifacts")
	base := k.URL + "/cargo/crates"
	index := base + "/"

	// config.json: dl/api point back at Keeper; the private repo requires auth.
	cfg := k.Expect(200, "GET", "/cargo/crates/config.json", nil, "Authorization", token)
	var conf map[string]any
	if err := json.Unmarshal(cfg.Body, &conf); err != nil || conf["dl"] != base+"/api/v1/crates" || conf["api"] != base || conf["auth-required"] != true {
		t.Fatalf("config.json: %s", cfg)
	}
	if r := k.Expect(200, "GET", "/cargo/opencrates/config.json", nil, "Authorization", ""); strings.Contains(string(r.Body), "auth-required") {
		t.Fatalf("public config.json: %s", r)
	}
	if r := k.Expect(401, "GET", "/cargo/crates/config.json", nil, "Authorization", ""); r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous read of a private index: no challenge: %v", r.Header)
	}

	pub := newCargoEnv(t, bin, index, token)
	lib1, lib2 := libCrate(t, "0.1.0"), libCrate(t, "0.2.0")
	for _, dir := range []string{lib1, lib2} {
		out := pub.must(dir, "publish", "--registry", "k", "--allow-dirty", "--no-verify")
		// cargo polls the index after the upload: the version must be visible at once.
		if !strings.Contains(out, "Published demo-lib") || strings.Contains(out, "timed out") {
			t.Fatalf("publish output:\n%s", out)
		}
	}
	util := writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "demo_util"
version = "1.0.0-beta.1"
edition = "2021"
description = "Depends on demo-lib through a renamed, optional registry dependency"
license = "MIT"
publish = ["k"]

[dependencies]
dl = { package = "demo-lib", version = "0.2", registry = "k", optional = true, default-features = false, features = ["std"] }

[features]
default = ["fancy"]
fancy = ["dep:dl", "dl?/std"]
`,
		"src/lib.rs": `pub fn marker() -> String {
    #[cfg(feature = "fancy")]
    { format!("demo_util 1.0.0-beta.1 with {}", dl::marker()) }
    #[cfg(not(feature = "fancy"))]
    { "demo_util 1.0.0-beta.1".to_string() }
}
`,
	})
	if out := pub.must(util, "publish", "--registry", "k", "--allow-dirty", "--no-verify"); !strings.Contains(out, "Published demo_util") {
		t.Fatalf("publish demo_util:\n%s", out)
	}

	// The index lists both versions with the cksum of the bytes cargo packaged.
	// `cargo package` is reproducible: it rebuilds the exact bytes published.
	pub.must(lib2, "package", "--registry", "k", "--allow-dirty", "--no-verify")
	pub.must(util, "package", "--registry", "k", "--allow-dirty", "--no-verify")
	idx := k.Expect(200, "GET", "/cargo/crates/de/mo/demo-lib", nil, "Authorization", token)
	published := fileSHA256(t, filepath.Join(pub.target, "package", "demo-lib-0.2.0.crate"))
	if !strings.Contains(string(idx.Body), `"cksum":"`+published+`"`) || strings.Count(string(idx.Body), "\n") != 2 {
		t.Fatalf("index does not carry the packaged crate's sha256 %s:\n%s", published, idx.Body)
	}
	if r := k.Expect(200, "GET", "/cargo/crates/de/mo/demo_util", nil, "Authorization", token); !strings.Contains(string(r.Body), `"v":2`) ||
		!strings.Contains(string(r.Body), `"package":"demo-lib"`) {
		t.Fatalf("demo_util index: %s", r.Body)
	}

	// A consumer with an empty registry cache builds and runs.
	consumer := writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "consumer"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
demo-lib = { version = "0.2", registry = "k" }
demo_util = { version = "=1.0.0-beta.1", registry = "k" }
`,
		"src/main.rs": `fn main() { println!("MARKER {} | {}", demo_lib::marker(), demo_util::marker()); }` + "\n",
	})
	use := newCargoEnv(t, bin, index, token)
	use.must(consumer, "build")
	out, err := exec.Command(filepath.Join(use.target, "debug", "consumer")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "MARKER demo-lib 0.2.0 | demo_util 1.0.0-beta.1 with demo-lib 0.2.0") {
		t.Fatalf("consumer run: %v\n%s", err, out)
	}
	cached, _ := filepath.Glob(filepath.Join(use.home, "registry", "cache", "*", "demo-lib-0.2.0.crate"))
	if len(cached) != 1 || fileSHA256(t, cached[0]) != published {
		t.Fatalf("downloaded crate %v differs from the published one (%s)", cached, published)
	}
	utilCached, _ := filepath.Glob(filepath.Join(use.home, "registry", "cache", "*", "demo_util-1.0.0-beta.1.crate"))
	if len(utilCached) != 1 || fileSHA256(t, utilCached[0]) != fileSHA256(t, filepath.Join(pub.target, "package", "demo_util-1.0.0-beta.1.crate")) {
		t.Fatalf("downloaded demo_util %v differs from the published one", utilCached)
	}
	// The download URL cargo derives from config.json is served (fast path).
	if r := k.Expect(200, "GET", "/cargo/crates/api/v1/crates/demo-lib/0.2.0/download", nil, "Authorization", token); harness.SHA256(r.Body) != published {
		t.Fatalf("download differs")
	}
	k.Expect(404, "GET", "/cargo/crates/api/v1/crates/demo-lib/9.9.9/download", nil, "Authorization", token)
	k.Expect(404, "GET", "/cargo/crates/de/mo/demo-lib/extra", nil, "Authorization", token)
	k.Expect(404, "GET", "/cargo/crates/de/mo/no-such-crate", nil, "Authorization", token)

	// Yank: a new lockfile does not select the yanked version; unyank restores it.
	picker := writeCrate(t, map[string]string{
		"Cargo.toml": `[package]
name = "picker"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
demo-lib = { version = ">=0.1.0, <0.3.0", registry = "k" }
`,
		"src/main.rs": "fn main() { println!(\"{}\", demo_lib::marker()); }\n",
	})
	locked := func() string {
		t.Helper()
		use.must(picker, "generate-lockfile")
		b, err := os.ReadFile(filepath.Join(picker, "Cargo.lock"))
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(string(b), "name = \"demo-lib\"\nversion = \"")
		if i < 0 {
			t.Fatalf("Cargo.lock without demo-lib:\n%s", b)
		}
		rest := string(b[i+len("name = \"demo-lib\"\nversion = \""):])
		return rest[:strings.IndexByte(rest, '"')]
	}
	if v := locked(); v != "0.2.0" {
		t.Fatalf("locked %s before yank", v)
	}
	pub.must(lib2, "yank", "--registry", "k", "--version", "0.2.0", "demo-lib")
	if r := k.Expect(200, "GET", "/cargo/crates/de/mo/demo-lib", nil, "Authorization", token); !strings.Contains(string(r.Body), `"vers":"0.2.0","deps":[],"cksum":"`+published+`","features":{"default":["std"],"std":[]},"yanked":true`) {
		t.Fatalf("index after yank:\n%s", r.Body)
	}
	if v := locked(); v != "0.1.0" {
		t.Fatalf("cargo locked the yanked version: %s", v)
	}
	pub.must(lib2, "yank", "--registry", "k", "--version", "0.2.0", "--undo", "demo-lib")
	if v := locked(); v != "0.2.0" {
		t.Fatalf("locked %s after unyank", v)
	}

	// Search and owners through cargo.
	if out := pub.must(lib1, "search", "--registry", "k", "demo"); !strings.Contains(out, `demo-lib = "0.2.0"`) || !strings.Contains(out, `demo_util = "1.0.0-beta.1"`) {
		t.Fatalf("cargo search:\n%s", out)
	}
	if out := pub.must(lib1, "owner", "--registry", "k", "--list", "demo-lib"); !strings.Contains(out, "admin") {
		t.Fatalf("cargo owner --list:\n%s", out)
	}

	// Republish: cargo itself refuses once the index lists the version, so
	// the server's 409 is checked over raw HTTP with the bytes cargo packaged;
	// a name conflict cargo cannot see in the index shows how cargo prints
	// the server's {"errors":[{"detail"}]} body.
	out2, err := pub.run(lib2, "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	if err == nil || !strings.Contains(out2, "demo-lib@0.2.0 already exists") {
		t.Fatalf("republish: %v\n%s", err, out2)
	}
	crateBytes, err := os.ReadFile(filepath.Join(pub.target, "package", "demo-lib-0.2.0.crate"))
	if err != nil {
		t.Fatal(err)
	}
	if r := k.Expect(409, "PUT", "/cargo/crates/api/v1/crates/new", bytes.NewReader(cargoPublishBody(t, "demo-lib", "0.2.0", crateBytes)),
		"Authorization", token); !strings.Contains(string(r.Body), `{"errors":[{"detail":"crate version `+"`demo-lib@0.2.0`"+` is already uploaded"}]}`) {
		t.Fatalf("raw republish: %s", r)
	}
	clash := writeCrate(t, map[string]string{
		"Cargo.toml": "[package]\nname = \"demo_lib\"\nversion = \"0.9.0\"\nedition = \"2021\"\ndescription = \"clash\"\nlicense = \"MIT\"\n",
		"src/lib.rs": "",
	})
	out4, err := pub.run(clash, "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	if err == nil || !strings.Contains(out4, "the remote server responded with an error (status 400 Bad Request): crate `demo_lib` conflicts with the existing crate `demo-lib`") {
		t.Fatalf("publish of a clashing name: %v\n%s", err, out4)
	}
	t.Logf("cargo shows the server's refusal as:\n%s", out4)
	// A wrong token: cargo reports the host's 401.
	bad := newCargoEnv(t, bin, index, "kpr_not-a-token")
	out3, err := bad.run(libCrate(t, "0.3.0"), "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	if err == nil || !strings.Contains(out3, "401") {
		t.Fatalf("publish with a bad token: %v\n%s", err, out3)
	}

	// Anonymous publish, a gzip bomb and a malformed body over raw HTTP.
	body := cargoPublishBody(t, "bomb", "1.0.0", bombCrate(t, "bomb-1.0.0/", 600<<20))
	if r := k.Expect(401, "PUT", "/cargo/opencrates/api/v1/crates/new", bytes.NewReader(body), "Authorization", ""); r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous publish: %v", r.Header)
	}
	if r := k.Expect(400, "PUT", "/cargo/crates/api/v1/crates/new", bytes.NewReader(body), "Authorization", token); !strings.Contains(string(r.Body), "unpacks to more than") {
		t.Fatalf("bomb: %s", r)
	}
	if r := k.Expect(400, "PUT", "/cargo/crates/api/v1/crates/new", strings.NewReader("\x05\x00\x00\x00{}"), "Authorization", token); !strings.Contains(string(r.Body), `"errors"`) {
		t.Fatalf("malformed: %s", r)
	}
	k.Expect(404, "GET", "/cargo/crates/de/mo/bomb", nil, "Authorization", token)
}

// cargoPublishBody frames a publish request as cargo does.
func cargoPublishBody(t *testing.T, name, vers string, crate []byte) []byte {
	meta, _ := json.Marshal(map[string]any{"name": name, "vers": vers, "deps": []any{}, "features": map[string]any{}})
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(meta)))
	b.Write(meta)
	binary.Write(&b, binary.LittleEndian, uint32(len(crate)))
	b.Write(crate)
	return b.Bytes()
}

// bombCrate is a small .crate whose one entry unpacks to size zero bytes.
func bombCrate(t *testing.T, prefix string, size int64) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: prefix + "Cargo.toml", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.WriteHeader(&tar.Header{Name: prefix + "zeros", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
	zero := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zero)) {
		tw.Write(zero[:min(left, int64(len(zero)))])
	}
	tw.Close()
	zw.Close()
	sum := sha256.Sum256(b.Bytes())
	t.Logf("bomb crate: %d bytes (sha256 %s) unpacking to %d", b.Len(), hex.EncodeToString(sum[:8]), size)
	return b.Bytes()
}

var _ = http.StatusOK
