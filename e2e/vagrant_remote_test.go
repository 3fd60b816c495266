package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestVagrantRemote adds boxes with vagrant through a remote repository of
// one keeper whose upstream is a private repository of a second keeper,
// then through a virtual repository of a local repository and that remote.
func TestVagrantRemote(t *testing.T) {
	t.Parallel()
	bin := vagrantClient(t)
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "vup", Format: "vagrant"})
	box1, img1 := vagrantBox(t)
	up.Expect(http.StatusCreated, "PUT", "/vagrant/vup/acme/base/1.0.0/libvirt.box", bytes.NewReader(box1))

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "vproxy", Format: "vagrant", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/vagrant/vup", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), px.URL+"/vagrant/vproxy", "acme/base", ""), img1)
	cat := px.Expect(http.StatusOK, "GET", "/vagrant/vproxy/acme/base", nil)
	if strings.Contains(string(cat.Body), up.URL) || !strings.Contains(string(cat.Body), `"url":"`+px.URL+`/vagrant/vproxy/acme/base/1.0.0/libvirt.box"`) {
		t.Fatalf("the proxied catalog points elsewhere: %s", cat.Body)
	}

	// A virtual repository of a local member (1.1.0) and the remote (1.0.0).
	px.CreateRepo(harness.Repo{Key: "vlocal", Format: "vagrant", Public: true})
	px.CreateRepo(harness.Repo{Key: "vall", Format: "vagrant", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "vlocal", "priority": 1}, {"repo_key": "vproxy", "priority": 2}}})
	box2, img2 := vagrantBox(t)
	px.Expect(http.StatusCreated, "PUT", "/vagrant/vlocal/acme/base/1.1.0/libvirt.box", bytes.NewReader(box2))
	merged := px.Expect(http.StatusOK, "GET", "/vagrant/vall/acme/base", nil)
	if !strings.Contains(string(merged.Body), `"versions":[{"version":"1.1.0"`) || !strings.Contains(string(merged.Body), `"version":"1.0.0"`) {
		t.Fatalf("merged catalog: %s", merged.Body)
	}
	server := px.URL + "/vagrant/vall"
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/base", ""), img2)
	checkAddedBox(t, vagrantAdd(t, bin, t.TempDir(), server, "acme/base", "1.0.0"), img1)
}
