package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// The lxc client of Debian's lxd package lists and exports images of a
// SimpleStreams remote by itself (client/simplestreams*.go of
// https://github.com/canonical/lxd: index.json, images.json, then the
// files, each checked against its sha256), with no LXD daemon. It speaks
// HTTPS only to such a remote, so Keeper runs with its self-signed
// certificate, trusted through SSL_CERT_FILE.

// lxcBin is the lxc command, or the test is skipped (CI fails).
func lxcBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("lxc")
	if err != nil {
		harness.MissingClient(t, "lxc is not on PATH (Debian package lxd)")
	}
	return bin
}

// incusImage is a split container image: the metadata tarball (tar.xz, as
// distrobuilder writes it) and a rootfs that starts with a squashfs
// superblock's magic (no client here mounts it; lxc only hashes it).
func incusImage(t *testing.T, osName, release, serial string) (meta, rootfs []byte) {
	t.Helper()
	md := "architecture: x86_64\ncreation_date: 1765000000\nproperties:\n  architecture: x86_64\n" +
		"  description: " + osName + " " + release + " (e2e)\n  os: " + osName + "\n  release: \"" + release + "\"\n" +
		"  variant: default\n  serial: \"" + serial + "\"\ntemplates: {}\n"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{{"metadata.yaml", md}, {"templates/hostname.tpl", "{{ instance.name }}\n"}} {
		_ = tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(f.body))
	}
	_ = tw.Close()
	xz := exec.Command("xz", "-c")
	xz.Stdin = &buf
	out, err := xz.Output()
	if err != nil {
		t.Fatalf("xz: %v", err)
	}
	return out, append([]byte("hsqs"), bytes.Repeat([]byte(osName+release+serial), 4096)...)
}

func incusPublish(t *testing.T, k *harness.Keeper, site, token string, meta, rootfs []byte) *harness.Response {
	t.Helper()
	const b = "----KeeperE2EIncus"
	var body bytes.Buffer
	for _, p := range []struct {
		name string
		data []byte
	}{{"metadata", meta}, {"rootfs", rootfs}} {
		body.WriteString("--" + b + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"; filename=\"" + p.name + "\"\r\n" +
			"Content-Type: application/octet-stream\r\n\r\n")
		body.Write(p.data)
		body.WriteString("\r\n")
	}
	body.WriteString("--" + b + "--\r\n")
	return hfCall(t, k, token, http.MethodPost, site+"/images", body.Bytes(), "Content-Type", "multipart/form-data; boundary="+b)
}

// lxc runs the lxc client with its own configuration directory.
func lxc(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, lxcBin(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lxc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// lxcEnv is an isolated HOME and LXD_CONF, with keeper's certificate as
// the only CA.
func lxcEnv(t *testing.T, k *harness.Keeper, vars ...string) []string {
	home := t.TempDir()
	return clientEnv(home, append([]string{"LXD_CONF=" + filepath.Join(home, "lxc"), "SSL_CERT_FILE=" + filepath.Join(k.DataDir, tfCert)}, vars...)...)
}

// TestIncusLXC publishes a split image with the README's curl block, then
// the real lxc client adds Keeper as a SimpleStreams remote, lists the
// image (fingerprint, alias) and exports it: both files come back byte for
// byte. Republish is 409, an anonymous publish 401, a truncated one 400.
func TestIncusLXC(t *testing.T) {
	t.Parallel()
	lxcBin(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db, Env: []string{"KEEPER_TLS_SELF_SIGNED=true"}, TrustCert: tfCert})
		k.CreateRepo(harness.Repo{Key: "images", Format: "incus", Public: true})
		token := k.APIToken("incus")
		site := k.URL + "/incus/images"
		meta, rootfs := incusImage(t, "alpine", "3.20", "20251201_0000")
		dir := t.TempDir()
		for name, b := range map[string][]byte{"incus.tar.xz": meta, "rootfs.squashfs": rootfs} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		env := lxcEnv(t, k, "K="+strings.TrimPrefix(k.URL, "https://"), "REPO=images", "T="+token,
			"CA="+filepath.Join(k.DataDir, tfCert))
		out := runSnippet(t, "incus-publish", dir, env)
		fingerprint := sha256Hex(append(append([]byte{}, meta...), rootfs...))
		if !strings.Contains(out, `"fingerprint":"`+fingerprint+`"`) {
			t.Fatalf("publish: %s", out)
		}
		if r := incusPublish(t, k, site, "", meta, rootfs); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous publish: %s", r)
		}
		if r := incusPublish(t, k, site, token, meta, rootfs); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		if r := incusPublish(t, k, site, token, meta[:len(meta)/2], rootfs); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "metadata tarball") {
			t.Fatalf("truncated: %s", r)
		}

		out = runSnippet(t, "incus-consume", dir, env)
		if !strings.Contains(out, fingerprint[:12]) || !strings.Contains(out, "alpine/3.20") {
			t.Fatalf("lxc image list: %s", out)
		}
		export := t.TempDir()
		lxc(t, env, "image", "export", "keeper:alpine/3.20", export+"/")
		got := map[string]bool{}
		entries, _ := os.ReadDir(export)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(export, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case bytes.Equal(b, meta):
				got["meta"] = true
			case bytes.Equal(b, rootfs):
				got["rootfs"] = true
			}
		}
		if !got["meta"] || !got["rootfs"] {
			t.Fatalf("lxc image export wrote %v, want the metadata tarball and the rootfs", entries)
		}
	})
}

// TestIncusRemoteAndVirtual: a remote incus repository whose upstream is
// a second Keeper, and a virtual repository of a local member and that
// remote; lxc lists both images through the virtual and exports the
// remote's, byte for byte.
func TestIncusRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	lxcBin(t)
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "images", Format: "incus"})
	upMeta, upRoot := incusImage(t, "debian", "bookworm", "20251202_0000")
	if r := incusPublish(t, up, up.URL+"/incus/images", up.APIToken("incus", "read:artifacts", "write:artifacts"), upMeta, upRoot); r.Status != 201 {
		t.Fatalf("publish upstream: %s", r)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_TLS_SELF_SIGNED=true", "KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}, TrustCert: tfCert})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "incus", Type: "remote", Public: true, UpstreamURL: up.URL + "/incus/images",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "images", Format: "lxc", Public: true})
	meta, root := incusImage(t, "alpine", "3.20", "20251201_0000")
	if r := incusPublish(t, px, px.URL+"/incus/images", px.APIToken("incus"), meta, root); r.Status != 201 {
		t.Fatalf("publish local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "incus", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "images", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	r := hfCall(t, px, "", http.MethodGet, px.URL+"/incus/all/streams/v1/index.json", nil)
	var idx struct {
		Index map[string]struct{ Products []string } `json:"index"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &idx) != nil || len(idx.Index["images"].Products) != 2 {
		t.Fatalf("virtual index: %s", r)
	}
	env := lxcEnv(t, px)
	lxc(t, env, "remote", "add", "all", px.URL+"/incus/all", "--protocol=simplestreams", "--public")
	out := lxc(t, env, "image", "list", "all:", "--format", "csv")
	for _, want := range []string{"alpine/3.20", "debian/bookworm", sha256Hex(append(append([]byte{}, upMeta...), upRoot...))[:12]} {
		if !strings.Contains(out, want) {
			t.Fatalf("lxc image list all: lacks %q:\n%s", want, out)
		}
	}
	export := t.TempDir()
	lxc(t, env, "image", "export", "all:debian/bookworm", export+"/")
	entries, _ := os.ReadDir(export)
	n := 0
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(export, e.Name()))
		if bytes.Equal(b, upMeta) || bytes.Equal(b, upRoot) {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("export through the virtual: %v", entries)
	}
}
