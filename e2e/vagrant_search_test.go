package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestVagrantCloudSearch drives the real `vagrant cloud search` against the
// repository's Vagrant-Cloud-compatible API: boxes published with
// `vagrant cloud publish` and one uploaded by path are found by name and
// description, listed in order, filtered by provider and paged; an
// unreleased box is not listed, and without a token the API refuses.
func TestVagrantCloudSearch(t *testing.T) {
	t.Parallel()
	bin := vagrantClient(t)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "boxes", Format: "vagrant", Public: true})
	server := k.URL + "/vagrant/boxes"
	token := k.APIToken("vagrant-cloud")
	work := t.TempDir()
	box, _ := vagrantBox(t)
	f := filepath.Join(work, "libvirt.box")
	must(t, os.WriteFile(f, box, 0o644))
	for _, p := range []struct {
		name, desc string
		release    bool
	}{{"acme/web", "A web server", true}, {"acme/db", "A database", true}, {"acme/draft", "A web draft", false}} {
		args := []string{"publish", p.name, "1.0.0", "libvirt", f, "--force", "--short-description", p.desc}
		if p.release {
			args = append(args, "--release")
		}
		if out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, args...); !ok {
			t.Fatalf("vagrant cloud publish %s: %s", p.name, out)
		}
	}
	k.Expect(http.StatusCreated, http.MethodPut, "/vagrant/boxes/acme/plain/2.0.0/libvirt.box", strings.NewReader(string(box)),
		"Authorization", "Bearer "+token)

	search := func(args ...string) string {
		t.Helper()
		out, ok := vagrantCloud(t, bin, t.TempDir(), server, token, append([]string{"search"}, args...)...)
		if !ok {
			t.Fatalf("vagrant cloud search %v: %s", args, out)
		}
		return out
	}
	if out := search("web"); !strings.Contains(out, "acme/web") || strings.Contains(out, "acme/db") || strings.Contains(out, "acme/draft") {
		t.Fatalf("vagrant cloud search web:\n%s", out)
	}
	if out := search("acme", "--short"); strings.Join(strings.Fields(out), " ") != "acme/db acme/plain acme/web" {
		t.Fatalf("vagrant cloud search acme --short:\n%s", out)
	}
	if out := search("acme", "--short", "--limit", "1", "--page", "2"); strings.TrimSpace(out) != "acme/plain" {
		t.Fatalf("vagrant cloud search, second page of one:\n%s", out)
	}
	if out := search("database", "--json"); !strings.Contains(out, `"name":"acme/db","version":"1.0.0"`) || !strings.Contains(out, `"providers":"libvirt"`) {
		t.Fatalf("vagrant cloud search database --json:\n%s", out)
	}
	if out := search("acme", "--provider", "virtualbox"); !strings.Contains(out, "No results found for `acme`") {
		t.Fatalf("vagrant cloud search --provider virtualbox:\n%s", out)
	}
	k.Expect(http.StatusUnauthorized, http.MethodGet, "/vagrant/boxes/search?q=acme", nil, "Authorization", "")
}
