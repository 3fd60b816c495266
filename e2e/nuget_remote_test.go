package e2e

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

func nugetPush(t *testing.T, k *harness.Keeper, repo, token string, pkg []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("package", "package.nupkg")
	f.Write(pkg)
	w.Close()
	k.Expect(http.StatusCreated, "PUT", "/nuget/"+repo+"/api/v2/package", &b, "X-NuGet-ApiKey", token, "Content-Type", w.FormDataContentType())
}

// TestNuGetRemote: a remote NuGet repository whose upstream is a private
// repository of a second keeper, and a virtual repository of a local one
// and that remote. mono nuget installs through both (v2); the v3 documents
// are checked over HTTP against the API reference
// (https://learn.microsoft.com/en-us/nuget/api/overview): every URL they
// name points at the proxy and serves the published bytes.
func TestNuGetRemote(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("nuget"); err != nil {
		harness.MissingClient(t, "nuget is not on PATH (apt-get install nuget)")
	}
	util := nupkgOf(t, "Keeper.Util", "2.0.1", "")
	local := nupkgOf(t, "Keeper.Local", "3.0.0", "")
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "nu", Format: "nuget"})
	nugetPush(t, up, "nu", up.APIToken("push", "read:artifacts", "write:artifacts"), util)
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "nuproxy", Format: "nuget", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/nuget/nu", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "nulocal", Format: "nuget", Public: true})
	px.CreateRepo(harness.Repo{Key: "nuall", Format: "nuget", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "nulocal", "priority": 1}, {"repo_key": "nuproxy", "priority": 2}}})
	nugetPush(t, px, "nulocal", px.APIToken("push", "read:artifacts", "write:artifacts"), local)

	// v3 over HTTP: service index → registration → packageContent, and the
	// flat container, for both repositories.
	for _, c := range []struct {
		repo, id, version string
		want              []byte
	}{{"nuproxy", "Keeper.Util", "2.0.1", util}, {"nuall", "Keeper.Util", "2.0.1", util}, {"nuall", "Keeper.Local", "3.0.0", local}} {
		base := px.URL + "/nuget/" + c.repo
		var idx struct {
			Resources []struct {
				ID   string `json:"@id"`
				Type string `json:"@type"`
			} `json:"resources"`
		}
		if err := px.Expect(200, "GET", "/nuget/"+c.repo+"/v3/index.json", nil).JSON(&idx); err != nil {
			t.Fatal(err)
		}
		res := map[string]string{}
		for _, r := range idx.Resources {
			res[r.Type] = r.ID
		}
		if res["RegistrationsBaseUrl"] != base+"/v3/registration/" || res["PackageBaseAddress/3.0.0"] != base+"/v3/package/" {
			t.Fatalf("%s service index: %v", c.repo, res)
		}
		lid, lv := strings.ToLower(c.id), strings.ToLower(c.version)
		reg := px.Expect(200, "GET", strings.TrimPrefix(res["RegistrationsBaseUrl"], px.URL)+lid+"/index.json", nil)
		var doc struct {
			Items []struct {
				Items []struct {
					PackageContent string `json:"packageContent"`
				} `json:"items"`
			} `json:"items"`
		}
		if err := json.Unmarshal(reg.Body, &doc); err != nil || len(doc.Items) != 1 || len(doc.Items[0].Items) != 1 {
			t.Fatalf("%s registration: %s", c.repo, reg.Body)
		}
		content := doc.Items[0].Items[0].PackageContent
		if content != base+"/v3/package/"+lid+"/"+lv+"/"+lid+"."+lv+".nupkg" || strings.Contains(string(reg.Body), up.URL) {
			t.Fatalf("%s packageContent %s", c.repo, content)
		}
		if got := px.Expect(200, "GET", strings.TrimPrefix(content, px.URL), nil); !bytes.Equal(got.Body, c.want) {
			t.Fatalf("%s: the package through %s differs from the published one", c.id, c.repo)
		}
		var flat struct{ Versions []string }
		if err := px.Expect(200, "GET", "/nuget/"+c.repo+"/v3/package/"+lid+"/index.json", nil).JSON(&flat); err != nil || len(flat.Versions) != 1 || flat.Versions[0] != lv {
			t.Fatalf("%s flat container: %v %v", c.repo, flat, err)
		}
	}

	// mono nuget (v2) installs through the remote and the virtual repository.
	dir := t.TempDir()
	for _, c := range []struct{ repo, id, version string }{{"nuproxy", "Keeper.Util", "2.0.1"}, {"nuall", "Keeper.Local", "3.0.0"}, {"nuall", "Keeper.Util", "2.0.1"}} {
		out := filepath.Join(dir, c.repo+"-"+c.id)
		mkdirs(t, out)
		o, err := runNuget(t, out, nugetEnv(t, out+"-env"), "install", c.id, "-Version", c.version, "-Source", px.URL+"/nuget/"+c.repo+"/api/v2/", "-OutputDirectory", out)
		if err != nil {
			t.Fatalf("nuget install %s through %s: %v\n%s", c.id, c.repo, err, o)
		}
		if b, _ := os.ReadFile(filepath.Join(out, c.id+"."+c.version, "content", c.id+".txt")); string(b) != c.id+" "+c.version+"\n" {
			t.Fatalf("%s through %s: content %q\n%s", c.id, c.repo, b, o)
		}
	}
}
