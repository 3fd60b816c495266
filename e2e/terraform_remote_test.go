package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestTerraformRemote installs a provider with the real terraform init
// through a remote repository of one keeper (HTTPS) whose upstream is a
// private terraform repository of a second keeper, from an empty cache;
// then through a virtual repository of a local member (provider 2.0.0)
// and that remote (provider 1.0.0). The provider's
// checksums are signed by the upstream's key, which its package document
// names. Modules: TestTerraformModuleRemote.
func TestTerraformRemote(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "tf", Format: "terraform"})
	tfSigning(t, up, "tf")
	_, provider := tfPublish(t, up, "tf", "1.0.0", "marker-upstream", "1.0.0")

	px := startTLS(t, "KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true")
	px.CreateRepo(harness.Repo{Key: "tfproxy", Format: "terraform", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/terraform/tf", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	u, _ := url.Parse(px.URL)
	host := u.Host

	work := t.TempDir()
	app := tfInit(t, bin, work, tfProviderOnly(host+"/tfproxy/demo", "1.0.0"), tfEnv(t, px, work, ""))
	tfCheck(t, work, app, host, "tfproxy", "", "1.0.0", provider, true)

	t.Run("virtual", func(t *testing.T) {
		px.CreateRepo(harness.Repo{Key: "tflocal", Format: "terraform", Public: true})
		tfSigning(t, px, "tflocal")
		_, local := tfPublish(t, px, "tflocal", "2.0.0", "marker-local", "2.0.0")
		px.CreateRepo(harness.Repo{Key: "tfall", Format: "terraform", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "tflocal", "priority": 1}, {"repo_key": "tfproxy", "priority": 2}}})
		vs := px.Expect(http.StatusOK, http.MethodGet, "/terraform/tfall/demo/versions", nil)
		if !strings.Contains(string(vs.Body), `"version":"1.0.0"`) || !strings.Contains(string(vs.Body), `"version":"2.0.0"`) {
			t.Fatalf("merged provider versions: %s", vs.Body)
		}
		// 1.0.0 lives in the remote member (signed upstream), 2.0.0 in the local one.
		for v, zip := range map[string][]byte{"1.0.0": provider, "2.0.0": local} {
			work := t.TempDir()
			app := tfInit(t, bin, work, tfProviderOnly(host+"/tfall/demo", v), tfEnv(t, px, work, ""))
			tfCheck(t, work, app, host, "tfall", "", v, zip, true)
		}
	})
}

// TestTerraformModuleRemote installs a module with the real terraform init
// through a remote repository whose upstream is a second keeper, and
// through a virtual repository of a local member and that remote, each
// from an empty cache. Terraform reads a module's location from the
// X-Terraform-Get header of …/download
// (https://developer.hashicorp.com/terraform/internals/module-registry-protocol#download-source-code-for-a-specific-module-version):
// the remote cache keeps the upstream's X- fields and replays them on
// every hit (docs/remote-repositories.md), and the location resolves to
// the archive under the repository the client asked.
func TestTerraformModuleRemote(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		up := harness.Start(t, harness.Options{})
		up.CreateRepo(harness.Repo{Key: "tf", Format: "terraform"})
		token := up.APIToken("publish", "read:artifacts", "write:artifacts")
		modules := map[string][]byte{}
		for _, v := range []string{"1.0.0", "1.1.0"} {
			modules[v] = tfModule(t, "marker-upstream-"+v)
			up.Expect(http.StatusCreated, http.MethodPut, "/terraform/tf/-/modules/net/aws/"+v, bytes.NewReader(modules[v]),
				"Authorization", "Bearer "+token)
		}
		px := harness.Start(t, harness.Options{DB: db, TrustCert: tfCert,
			Env: []string{"KEEPER_TLS_SELF_SIGNED=true", "KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
		px.CreateRepo(harness.Repo{Key: "tfproxy", Format: "terraform", Type: "remote", Public: true,
			UpstreamURL: up.URL + "/terraform/tf", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
		px.CreateRepo(harness.Repo{Key: "tflocal", Format: "terraform", Public: true})
		px.Expect(http.StatusCreated, http.MethodPut, "/terraform/tflocal/-/modules/net/aws/2.0.0", bytes.NewReader(tfModule(t, "marker-local")))
		px.CreateRepo(harness.Repo{Key: "tfall", Format: "terraform", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "tflocal", "priority": 1}, {"repo_key": "tfproxy", "priority": 2}}})
		u, _ := url.Parse(px.URL)
		host := u.Host

		// Over HTTP first, from an empty cache: the location answers the
		// first request (fetched and streamed) and the next (a hit), and
		// names the archive under the repository asked, with the bytes
		// the upstream holds.
		for _, c := range []struct{ repo, version string }{{"tfproxy", "1.0.0"}, {"tfall", "1.1.0"}} {
			dl := "/terraform/" + c.repo + "/net/aws/" + c.version + "/download"
			var loc string
			for i := range 2 {
				r := px.Expect(http.StatusOK, http.MethodGet, dl, nil, "Authorization", "", "X-Terraform-Version", "1.11.0")
				got := r.Header.Get("X-Terraform-Get")
				if got == "" || (loc != "" && got != loc) {
					t.Fatalf("%s (request %d): X-Terraform-Get %q (first %q); headers %v", dl, i+1, got, loc, r.Header)
				}
				loc = got
			}
			ref, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			archive := u.ResolveReference(&url.URL{Path: dl}).ResolveReference(ref)
			if !strings.HasPrefix(archive.String(), px.URL+"/terraform/"+c.repo+"/") {
				t.Fatalf("%s: location %q resolves to %s, not under %s", dl, loc, archive, c.repo)
			}
			r := px.Expect(http.StatusOK, http.MethodGet, strings.TrimPrefix(archive.String(), px.URL), nil, "Authorization", "")
			if harness.SHA256(r.Body) != harness.SHA256(modules[c.version]) {
				t.Fatalf("%s: archive sha256 %s, want the upstream's %s", archive, harness.SHA256(r.Body), harness.SHA256(modules[c.version]))
			}
		}

		// The real client, from fresh working directories.
		for _, c := range []struct{ repo, version, marker string }{
			{"tfproxy", "1.0.0", "marker-upstream-1.0.0"}, {"tfall", "1.1.0", "marker-upstream-1.1.0"},
			{"tfall", "1.0.0", "marker-upstream-1.0.0"}, {"tfall", "2.0.0", "marker-local"},
		} {
			work := t.TempDir()
			main := "module \"net\" {\n  source  = \"" + host + "/" + c.repo + "/net/aws\"\n  version = \"" + c.version + "\"\n}\n"
			app := tfInit(t, bin, work, main, tfEnv(t, px, work, ""))
			got, err := os.ReadFile(filepath.Join(app, ".terraform", "modules", "net", "main.tf"))
			if err != nil || !strings.Contains(string(got), c.marker) {
				t.Fatalf("%s module %s: main.tf %v %q, want marker %s", c.repo, c.version, err, got, c.marker)
			}
		}
	})
}
