package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// vagrantClient returns vagrant, skipping when it is not installed.
func vagrantClient(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("vagrant")
	if err != nil {
		harness.MissingClient(t, "vagrant e2e: vagrant is not installed (e2e/install-clients.sh vagrant)")
	}
	return bin
}

// vagrantBox builds a libvirt .box as `vagrant package` lays one out: a
// tar.gz of metadata.json, a Vagrantfile and a disk image (random bytes).
// It returns the box and the image.
func vagrantBox(t *testing.T) (box, img []byte) {
	t.Helper()
	img = make([]byte, 256<<10)
	_, _ = rand.Read(img)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		data []byte
	}{{"metadata.json", []byte(`{"provider":"libvirt","format":"qcow2","virtual_size":1}`)},
		{"Vagrantfile", []byte("Vagrant.configure(\"2\") do |config|\nend\n")}, {"box.img", img}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(f.data)
	}
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes(), img
}

// vagrantBomb is a small .box whose disk image expands to more than the
// host's archive-scan budget (1 GiB), with metadata.json after it.
func vagrantBomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	const size = 1<<30 + 1<<20
	if err := tw.WriteHeader(&tar.Header{Name: "box.img", Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for n := 0; n < size; n += len(zeros) {
		_, _ = tw.Write(zeros)
	}
	meta := []byte(`{"provider":"libvirt"}`)
	_ = tw.WriteHeader(&tar.Header{Name: "metadata.json", Mode: 0o644, Size: int64(len(meta))})
	_, _ = tw.Write(meta)
	_ = tw.Close()
	_ = zw.Close()
	return b.Bytes()
}

// vagrantEnv is vagrant's environment: an isolated HOME and VAGRANT_HOME,
// Keeper's repository as the box server, no version checks.
func vagrantEnv(home, server string) []string {
	var env []string
	for _, kv := range harness.BaseEnv() {
		if !strings.HasPrefix(kv, "VAGRANT_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "VAGRANT_HOME="+filepath.Join(home, ".vagrant.d"),
		"VAGRANT_SERVER_URL="+server, "VAGRANT_CHECKPOINT_DISABLE=1", "VAGRANT_NO_COLOR=1")
}

// vagrantAdd runs vagrant box add NAME --provider libvirt (a version when
// not empty) and returns the directory of the added box.
func vagrantAdd(t *testing.T, bin, home, server, name, version string) string {
	t.Helper()
	args := []string{"box", "add", name, "--provider", "libvirt"}
	if version != "" {
		args = append(args, "--box-version", version)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = vagrantEnv(home, server)
	cmd.Dir = home
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vagrant %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	v := version
	if v == "" {
		v = "*"
	}
	dirs, _ := filepath.Glob(filepath.Join(home, ".vagrant.d", "boxes", strings.ReplaceAll(name, "/", "-VAGRANTSLASH-"), v, "libvirt"))
	if len(dirs) != 1 {
		t.Fatalf("box %s %s is not in VAGRANT_HOME: %v", name, version, dirs)
	}
	return dirs[0]
}

// checkAddedBox requires the added box's image to be the uploaded one.
func checkAddedBox(t *testing.T, dir string, img []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, "box.img"))
	if err != nil || harness.SHA256(got) != harness.SHA256(img) {
		t.Fatalf("the added box's image differs from the uploaded one (%v)", err)
	}
}

// TestVagrantClient uploads boxes over HTTP, refuses what it must, and
// adds the box with vagrant box add (VAGRANT_SERVER_URL = the repository)
// into an empty VAGRANT_HOME, on every database.
func TestVagrantClient(t *testing.T) {
	t.Parallel()
	bin := vagrantClient(t)
	bomb := vagrantBomb(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant", Public: true})
		if r := k.Expect(http.StatusBadRequest, "PUT", "/vagrant/boxes/acme/bomb/1.0.0/libvirt.box", bytes.NewReader(bomb)); !strings.Contains(string(r.Body), "invalid box") {
			t.Fatalf("decompression bomb: %s", r)
		}
		box1, img1 := vagrantBox(t)
		box2, img2 := vagrantBox(t)
		const p1, p2 = "/vagrant/boxes/acme/base/1.0.0/libvirt.box", "/vagrant/boxes/acme/base/1.1.0/libvirt.box"

		if r, err := k.Call("PUT", p1, bytes.NewReader(box1), "Authorization", ""); err != nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %v %v", r, err)
		}
		k.Expect(http.StatusCreated, "PUT", p1, bytes.NewReader(box1))
		k.Expect(http.StatusCreated, "PUT", p2, bytes.NewReader(box2))
		if r := k.Expect(http.StatusConflict, "PUT", p1, bytes.NewReader(box2)); !strings.Contains(string(r.Body), "already has a libvirt box") {
			t.Fatalf("republish: %s", r)
		}
		if r := k.Expect(http.StatusBadRequest, "PUT", "/vagrant/boxes/acme/base/2.0.0/virtualbox.box", bytes.NewReader(box1)); !strings.Contains(string(r.Body), `names provider \"libvirt\"`) {
			t.Fatalf("forged provider: %s", r)
		}
		if r := k.Expect(http.StatusBadRequest, "PUT", "/vagrant/boxes/acme/base/2.0.0/libvirt.box", bytes.NewReader(box1[:len(box1)/3])); !strings.Contains(string(r.Body), "invalid box") {
			t.Fatalf("truncated box: %s", r)
		}
		k.Expect(http.StatusNotFound, "GET", "/vagrant/boxes/acme/base/2.0.0/libvirt.box", nil)
		k.Expect(http.StatusNotFound, "GET", "/vagrant/boxes/acme/none", nil)
		k.Expect(http.StatusNotFound, "GET", "/vagrant/boxes/acme/bomb", nil) // nothing stored
		k.Expect(http.StatusOK, "PUT", "/vagrant/boxes/acme/base", harness.JSONBody(map[string]string{"description": "Keeper test box"}))
		cat := k.Expect(http.StatusOK, "GET", "/vagrant/boxes/acme/base", nil)
		for _, want := range []string{`"description":"Keeper test box"`, `"checksum":"` + harness.SHA256(box1) + `","checksum_type":"sha256"`,
			`"url":"` + k.URL + p2 + `"`, `"versions":[{"version":"1.1.0"`} {
			if !strings.Contains(string(cat.Body), want) {
				t.Fatalf("catalog lacks %s: %s", want, cat.Body)
			}
		}

		// vagrant box add from an empty VAGRANT_HOME: the newest, then a pinned version.
		server := k.URL + "/vagrant/boxes"
		checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/base", ""), img2)
		dir := vagrantAdd(t, bin, t.TempDir(), server, "acme/base", "1.0.0")
		checkAddedBox(t, dir, img1)
		if !strings.HasSuffix(filepath.Dir(dir), "1.0.0") {
			t.Fatalf("pinned version landed in %s", dir)
		}

		// The README's blocks, as written: upload 1.2.0 with curl, add it with vagrant.
		box3, img3 := vagrantBox(t)
		work, home := t.TempDir(), t.TempDir()
		if err := os.WriteFile(filepath.Join(work, "libvirt.box"), box3, 0o644); err != nil {
			t.Fatal(err)
		}
		vars := []string{"K=" + strings.TrimPrefix(k.URL, "http://"), "REPO=boxes", "T=" + k.APIToken("vagrant"),
			"ORG=acme", "BOX=base", "VERSION=1.2.0", "BOXFILE=libvirt.box"}
		env := append(vagrantEnv(home, ""), vars...)
		runSnippet(t, "vagrant-publish", work, env)
		runSnippet(t, "vagrant-consume", work, env)
		checkAddedBox(t, filepath.Join(home, ".vagrant.d", "boxes", "acme-VAGRANTSLASH-base", "1.2.0", "libvirt"), img3)
	})
}
