package e2e

import (
	"net/http"
	"net/url"
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
// names. Modules cannot come through remote or virtual repositories:
// terraform reads their location from the X-Terraform-Get header only, and
// the host's remote cache and virtual merge keep bodies, not headers
// (plugins/terraform/README.md).
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
