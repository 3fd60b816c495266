package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestCargoRemoteAndVirtual builds with the real cargo (CARGO_HOME isolated)
// through a remote cargo repository whose upstream is a private cargo
// repository of a second keeper (reached with an upstream token), then
// through a virtual repository over a local member and that remote: the
// requirement "0.1" is met only by the remote member's version, so cargo
// needs the merged index file; another crate comes from the local member.
// The downloaded .crate files are compared with what cargo packaged.
func TestCargoRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	bin := cargoBin(t)

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "crates", Format: "cargo"})
	upToken := up.APIToken("cargo", "read:artifacts", "write:artifacts")
	pub := newCargoEnv(t, bin, up.URL+"/cargo/crates/", upToken)
	lib := libCrate(t, "0.1.0")
	pub.must(lib, "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	pub.must(lib, "package", "--registry", "k", "--allow-dirty", "--no-verify")
	published := fileSHA256(t, filepath.Join(pub.target, "package", "demo-lib-0.1.0.crate"))
	up.Expect(http.StatusUnauthorized, http.MethodGet, "/cargo/crates/config.json", nil, "Authorization", "")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "cproxy", Format: "cargo", Type: "remote", Public: true, UpstreamURL: up.URL + "/cargo/crates",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})

	// config.json through the remote names the remote, not the upstream.
	cfg := string(px.Expect(http.StatusOK, http.MethodGet, "/cargo/cproxy/config.json", nil, "Authorization", "").Body)
	if cfg != `{"dl":"`+px.URL+`/cargo/cproxy/api/v1/crates","api":"`+px.URL+`/cargo/cproxy"}` {
		t.Fatalf("config.json through the remote: %s", cfg)
	}

	consumer := func(name, deps, marker string) string {
		return writeCrate(t, map[string]string{
			"Cargo.toml":  "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n" + deps,
			"src/main.rs": "fn main() { println!(\"{}\", " + marker + "); }\n",
		})
	}
	cachedSum := func(c *cargoEnv, file string) string {
		t.Helper()
		got, _ := filepath.Glob(filepath.Join(c.home, "registry", "cache", "*", file))
		if len(got) != 1 {
			t.Fatalf("cargo cached %v for %s", got, file)
		}
		return fileSHA256(t, got[0])
	}

	viaRemote := newCargoEnv(t, bin, px.URL+"/cargo/cproxy/", "")
	viaRemote.must(consumer("app-remote", "demo-lib = { version = \"0.1\", registry = \"k\" }\n", "demo_lib::marker()"), "build")
	if got := cachedSum(viaRemote, "demo-lib-0.1.0.crate"); got != published {
		t.Fatalf("the crate through the remote differs from the published one: %s, want %s", got, published)
	}

	// A virtual repository over a local member (demo-lib 0.0.5, other-lib 1.0.0) and the remote.
	px.CreateRepo(harness.Repo{Key: "clocal", Format: "cargo", Public: true})
	px.CreateRepo(harness.Repo{Key: "call", Format: "cargo", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "clocal", "priority": 1}, {"repo_key": "cproxy", "priority": 2}}})
	local := newCargoEnv(t, bin, px.URL+"/cargo/clocal/", px.APIToken("cargo", "read:artifacts", "write:artifacts"))
	local.must(libCrate(t, "0.0.5"), "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	other := writeCrate(t, map[string]string{
		"Cargo.toml": "[package]\nname = \"other-lib\"\nversion = \"1.0.0\"\nedition = \"2021\"\ndescription = \"local only\"\nlicense = \"MIT\"\npublish = [\"k\"]\n",
		"src/lib.rs": "pub fn marker() -> &'static str { \"other-lib 1.0.0\" }\n",
	})
	local.must(other, "publish", "--registry", "k", "--allow-dirty", "--no-verify")
	local.must(other, "package", "--registry", "k", "--allow-dirty", "--no-verify")
	otherSum := fileSHA256(t, filepath.Join(local.target, "package", "other-lib-1.0.0.crate"))

	idx := string(px.Expect(http.StatusOK, http.MethodGet, "/cargo/call/de/mo/demo-lib", nil, "Authorization", "").Body)
	if !strings.Contains(idx, `"vers":"0.0.5"`) || !strings.Contains(idx, `"vers":"0.1.0"`) || strings.Count(idx, "\n") != 2 {
		t.Fatalf("merged index file:\n%s", idx)
	}
	viaVirtual := newCargoEnv(t, bin, px.URL+"/cargo/call/", "")
	app := consumer("app-virtual", "demo-lib = { version = \"0.1\", registry = \"k\" }\nother-lib = { version = \"1\", registry = \"k\" }\n",
		"format!(\"{} {}\", demo_lib::marker(), other_lib::marker())")
	viaVirtual.must(app, "build")
	if got := cachedSum(viaVirtual, "demo-lib-0.1.0.crate"); got != published {
		t.Fatal("the remote member's crate differs through the virtual repository")
	}
	if got := cachedSum(viaVirtual, "other-lib-1.0.0.crate"); got != otherSum {
		t.Fatal("the local member's crate differs through the virtual repository")
	}
}
