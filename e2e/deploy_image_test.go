package e2e

import (
	"archive/tar"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestDeployImage builds the container image with the Taskfile (no
// container engine), pushes it with crane into Keeper's own OCI repository,
// pulls it back with an equal digest, checks its config with crane config
// (non-root user, entrypoint, /data volume), and runs the static binary it holds.
func TestDeployImage(t *testing.T) {
	t.Parallel()
	crane := ociTool(t, "crane")
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	archive := filepath.Join(work, "keeper.oci.tar")
	build := exec.Command("go", "tool", "task", "image-only", "OUT="+archive)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go tool task image-only: %v\n%s", err, out)
	}
	layoutDir := filepath.Join(work, "layout")
	extractTarFile(t, archive, layoutDir)
	want := indexDigest(t, layoutDir)

	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "images", Format: "oci"})
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ociRun(t, home, crane, "auth", "login", u.Host, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	ref := u.Host + "/images/keeper:e2e"
	ociRun(t, home, crane, "push", "--insecure", layoutDir, ref)
	if got := ociRun(t, home, crane, "digest", "--insecure", ref); got != want {
		t.Fatalf("pushed digest %s, built %s", got, want)
	}
	pulled := filepath.Join(work, "pulled")
	ociRun(t, home, crane, "pull", "--insecure", "--format", "oci", ref, pulled)
	if got := indexDigest(t, pulled); got != want {
		t.Fatalf("pulled digest %s, built %s", got, want)
	}

	var cfg struct {
		OS, Architecture string
		Config           struct {
			User         string
			Entrypoint   []string
			Cmd          []string
			Env          []string
			WorkingDir   string
			Volumes      map[string]struct{}
			ExposedPorts map[string]struct{}
		} `json:"config"`
	}
	raw := ociRun(t, home, crane, "config", "--insecure", ref)
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("crane config: %v\n%s", err, raw)
	}
	c := cfg.Config
	if c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/usr/local/bin/keeper" || strings.Join(c.Cmd, " ") != "serve" {
		t.Errorf("config: user %q entrypoint %q cmd %q", c.User, c.Entrypoint, c.Cmd)
	}
	if _, ok := c.Volumes["/data"]; !ok || c.WorkingDir != "/data" || cfg.OS != "linux" {
		t.Errorf("config: volumes %v workdir %q os %q", c.Volumes, c.WorkingDir, cfg.OS)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || !slices.Contains(c.Env, "KEEPER_DATA_DIR=/data") || !slices.Contains(c.Env, "KEEPER_LISTEN=0.0.0.0:8080") {
		t.Errorf("config: ports %v env %v", c.ExposedPorts, c.Env)
	}

	// The file system: root-owned binary, /data owned by the user, the user named in /etc/passwd.
	fsTar := filepath.Join(work, "fs.tar")
	ociRun(t, home, crane, "export", "--insecure", ref, fsTar)
	bin := filepath.Join(work, "keeper")
	seen := map[string]*tar.Header{}
	f, err := os.Open(fsTar)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "/"), "/")
		seen[name] = h
		switch name {
		case "usr/local/bin/keeper":
			out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			out.Close()
		case "etc/passwd":
			b, _ := io.ReadAll(tr)
			if !strings.Contains(string(b), "keeper:x:65532:65532:") {
				t.Errorf("/etc/passwd: %q", b)
			}
		}
	}
	if h := seen["usr/local/bin/keeper"]; h == nil || h.Uid != 0 || h.Mode&0o022 != 0 || h.Mode&0o111 == 0 {
		t.Fatalf("/usr/local/bin/keeper: %+v", h)
	}
	if h := seen["data"]; h == nil || h.Uid != 65532 || h.Typeflag != tar.TypeDir {
		t.Errorf("/data: %+v", h)
	}
	if h := seen["tmp"]; h == nil || h.Mode&0o1777 != 0o1777 {
		t.Errorf("/tmp: %+v", h)
	}
	e, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the image's keeper is dynamically linked")
		}
	}
	e.Close()
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "keeper ") {
		t.Fatalf("the image's keeper version: %v %s", err, out)
	}
}

// indexDigest is the digest of the one manifest an OCI layout's index.json lists.
func indexDigest(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("%s/index.json: %v %s", dir, err, b)
	}
	return idx.Manifests[0].Digest
}

// extractTarFile extracts the regular files and directories of a tar file into dst.
func extractTarFile(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, filepath.Clean(dst)+string(os.PathSeparator)) {
			t.Fatalf("%s: entry %q leaves the directory", src, h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, tr); err != nil {
				t.Fatal(err)
			}
			out.Close()
		}
	}
}
