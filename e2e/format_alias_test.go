package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestFormatAliases creates a repository with the format "yarn", an alias
// the npm plugin declares in describe (contract 0.3.0): the repository gets
// the npm format, real npm publishes to it and real yarn and npm install
// from it. GET /api/v1/formats lists every built-in alias with its format.
func TestFormatAliases(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"npm", "yarn"} {
		if _, err := exec.LookPath(c); err != nil {
			harness.MissingClient(t, "%s missing", c)
		}
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	k := harness.Start(t, harness.Options{})

	t.Run("formats list the aliases their plugins declare", func(t *testing.T) {
		var list struct {
			Items []struct {
				Key     string   `json:"key"`
				Aliases []string `json:"aliases"`
			} `json:"items"`
		}
		if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/formats", nil).JSON(&list); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, f := range list.Items {
			got[f.Key] = f.Aliases
		}
		for key, want := range map[string][]string{
			"maven": {"gradle"}, "npm": {"yarn", "pnpm", "bower"}, "pypi": {"poetry"},
			"nuget": {"chocolatey", "powershell"}, "terraform": {"opentofu"},
			"oci":     {"docker", "podman", "buildx", "oras", "wasm_oci", "helm_oci"},
			"generic": {},
		} {
			if !slices.Equal(got[key], want) {
				t.Errorf("%s: aliases %q, want %q", key, got[key], want)
			}
		}
	})

	t.Run("every format key Artifact Keeper accepts creates a repository", func(t *testing.T) {
		// The 52 keys of Artifact Keeper's repository format enum (its
		// backend's models/repository.rs), each a plugin's key or an alias a
		// plugin declares.
		keys := []string{"maven", "gradle", "npm", "pypi", "nuget", "go", "rubygems", "docker", "helm",
			"rpm", "debian", "conan", "cargo", "generic", "podman", "buildx", "oras", "wasm_oci", "helm_oci",
			"poetry", "conda", "yarn", "bower", "pnpm", "chocolatey", "powershell", "terraform", "opentofu",
			"alpine", "conda_native", "composer", "hex", "cocoapods", "swift", "pub", "sbt", "chef", "puppet",
			"ansible", "gitlfs", "vscode", "jetbrains", "huggingface", "mlmodel", "cran", "vagrant", "opkg",
			"p2", "bazel", "protobuf", "incus", "lxc"}
		if len(keys) != 52 {
			t.Fatalf("%d keys listed", len(keys))
		}
		for i, key := range keys {
			k.CreateRepo(harness.Repo{Key: fmt.Sprintf("ak%d", i), Format: key})
		}
	})

	t.Run("a repository created with an alias gets the plugin's format", func(t *testing.T) {
		k.CreateRepo(harness.Repo{Key: "js", Format: "yarn", Public: true})
		var repo struct {
			Format string `json:"format"`
		}
		if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/js", nil).JSON(&repo); err != nil || repo.Format != "npm" {
			t.Fatalf("format %q, %v", repo.Format, err)
		}
		k.CreateRepo(harness.Repo{Key: "images", Format: "docker"})
		r := k.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/repositories",
			harness.JSONBody(harness.Repo{Key: "x", Format: "YARN", Type: "local"}), "Content-Type", "application/json")
		if !strings.Contains(r.String(), `\"YARN\" is not a known format`) && !strings.Contains(r.String(), `"YARN" is not a known format`) {
			t.Fatalf("unknown format: %s", r)
		}
	})

	src := filepath.Join(root, "plugins", "npm", "testdata", "src")
	e := newNpmEnv(t, k, "js")
	work := t.TempDir()
	hello, util := filepath.Join(work, "hello"), filepath.Join(work, "util")
	copyTree(t, filepath.Join(src, "hello"), hello)
	copyTree(t, filepath.Join(src, "util"), util)
	e.writeRC(k.APIToken("alias-e2e"))
	t.Run("npm publishes to the yarn repository", func(t *testing.T) {
		if out := e.must(hello, "npm", "publish"); !strings.Contains(out, "hello-keeper@1.0.0") {
			t.Fatalf("%s", out)
		}
		e.must(util, "npm", "publish", "--access", "public")
	})
	e.writeRC("")
	t.Run("yarn installs from it with an empty cache", func(t *testing.T) {
		proj := t.TempDir()
		_ = os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"consumer","version":"0.0.0","private":true}`), 0o644)
		e.must(proj, "yarn", "add", "@kp/util", "--registry", e.registry, "--non-interactive", "--no-progress")
		sameFiles(t, util, filepath.Join(proj, "node_modules", "@kp", "util"))
		sameFiles(t, hello, filepath.Join(proj, "node_modules", "hello-keeper"))
	})
	t.Run("npm installs from it", func(t *testing.T) {
		proj := t.TempDir()
		_ = os.WriteFile(filepath.Join(proj, "package.json"), []byte(`{"name":"consumer","version":"0.0.0","private":true}`), 0o644)
		e.must(proj, "npm", "install", "hello-keeper")
		sameFiles(t, hello, filepath.Join(proj, "node_modules", "hello-keeper"))
	})
}
