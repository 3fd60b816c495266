package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// vagrantCloud runs `vagrant cloud ARGS…` with VAGRANT_SERVER_URL = server
// and VAGRANT_CLOUD_TOKEN = token (none when empty); it returns the output
// and whether vagrant succeeded.
func vagrantCloud(t *testing.T, bin, home, server, token string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"cloud"}, args...)...)
	cmd.Env = vagrantEnv(home, server)
	if token != "" {
		cmd.Env = append(cmd.Env, "VAGRANT_CLOUD_TOKEN="+token)
	}
	cmd.Dir = home
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestVagrantCloudPublish drives the real `vagrant cloud publish` against
// the repository's Vagrant-Cloud-compatible API (VAGRANT_SERVER_URL = the
// repository, VAGRANT_CLOUD_TOKEN = a Keeper API token): box, version and
// provider are created, the box file is uploaded to the returned
// upload_path, and the version released; `vagrant box add` from an empty
// VAGRANT_HOME then gets the same image. An unreleased version stays out of
// the catalog until `vagrant cloud version release`.
func TestVagrantCloudPublish(t *testing.T) {
	t.Parallel()
	bin := vagrantClient(t)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant", Public: true})
	server := k.URL + "/vagrant/boxes"
	token := k.APIToken("vagrant-cloud")
	work := t.TempDir()
	box1, img1 := vagrantBox(t)
	box2, img2 := vagrantBox(t)
	f1, f2 := filepath.Join(work, "one.box"), filepath.Join(work, "two.box")
	for f, b := range map[string][]byte{f1: box1, f2: box2} {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Without a token the API refuses, and vagrant reports it.
	k.Expect(http.StatusUnauthorized, "GET", "/vagrant/boxes/authenticate", nil, "Authorization", "")
	if out, ok := vagrantCloud(t, bin, t.TempDir(), server, "", "publish", "acme/cloud", "1.0.0", "libvirt", f1, "--force", "--release"); ok {
		t.Fatalf("publish without a token succeeded:\n%s", out)
	}

	out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, "publish", "acme/cloud", "1.0.0", "libvirt", f1,
		"--force", "--release", "--short-description", "Keeper cloud box", "--description", "Published by vagrant cloud publish",
		"--version-description", "first")
	if !ok {
		t.Fatalf("vagrant cloud publish: %s", out)
	}
	cat := k.Expect(http.StatusOK, "GET", "/vagrant/boxes/acme/cloud", nil)
	for _, want := range []string{`"description":"Published by vagrant cloud publish"`, `"version":"1.0.0"`,
		`"checksum":"` + harness.SHA256(box1) + `"`} {
		if !strings.Contains(string(cat.Body), want) {
			t.Fatalf("catalog lacks %s: %s", want, cat.Body)
		}
	}
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/cloud", ""), img1)

	// A second version published without --release is not served yet.
	if out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, "publish", "acme/cloud", "1.1.0", "libvirt", f2, "--force"); !ok {
		t.Fatalf("vagrant cloud publish 1.1.0: %s", out)
	}
	if cat := k.Expect(http.StatusOK, "GET", "/vagrant/boxes/acme/cloud", nil); strings.Contains(string(cat.Body), "1.1.0") {
		t.Fatalf("an unreleased version is in the catalog: %s", cat.Body)
	}
	api := k.Expect(http.StatusOK, "GET", "/vagrant/boxes/box/acme/cloud/version/1.1.0", nil, "Authorization", "Bearer "+token)
	if !strings.Contains(string(api.Body), `"status":"unreleased"`) || !strings.Contains(string(api.Body), `"hosted":true`) {
		t.Fatalf("version 1.1.0 through the API: %s", api.Body)
	}
	if out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, "version", "release", "acme/cloud", "1.1.0", "--force"); !ok {
		t.Fatalf("vagrant cloud version release: %s", out)
	}
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/cloud", "1.1.0"), img2)

	// Publishing over an uploaded provider is refused (its box is immutable).
	if out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, "publish", "acme/cloud", "1.0.0", "libvirt", f2, "--force"); ok {
		t.Fatalf("republishing 1.0.0 succeeded:\n%s", out)
	}
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/cloud", "1.0.0"), img1)

	// The README's block, as written: publish with vagrant cloud, add with vagrant.
	box3, img3 := vagrantBox(t)
	if err := os.WriteFile(filepath.Join(work, "libvirt.box"), box3, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := append(vagrantEnv(home, ""), "K="+strings.TrimPrefix(k.URL, "http://"), "REPO=boxes", "T="+token,
		"ORG=acme", "BOX=readme", "VERSION=3.0.0", "BOXFILE=libvirt.box")
	runSnippet(t, "vagrant-cloud-publish", work, env)
	runSnippet(t, "vagrant-consume", work, env)
	checkAddedBox(t, filepath.Join(home, ".vagrant.d", "boxes", "acme-VAGRANTSLASH-readme", "3.0.0", "libvirt"), img3)
}
