package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// ovsxClient returns the ovsx CLI (npm package ovsx), skipping when it is
// not installed.
func ovsxClient(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ovsx")
	if err != nil {
		harness.MissingClient(t, "openvsx e2e: ovsx is not installed (e2e/install-clients.sh openvsx)")
	}
	return bin
}

// vsixPackage builds a VSIX as `vsce package` lays it out:
// [Content_Types].xml, extension.vsixmanifest (VSIX 2.0 schema) and the
// extension folder with package.json.
func vsixPackage(t *testing.T, publisher, name, version string) []byte {
	t.Helper()
	pkg, _ := json.MarshalIndent(map[string]any{"name": name, "publisher": publisher, "version": version,
		"displayName": "Keeper Demo", "description": "A Keeper test extension", "engines": map[string]string{"vscode": "^1.80.0"},
		"categories": []string{"Other"}, "license": "MIT", "main": "./extension.js"}, "", "  ")
	manifest := `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">
  <Metadata>
    <Identity Language="en-US" Id="` + name + `" Version="` + version + `" Publisher="` + publisher + `" />
    <DisplayName>Keeper Demo</DisplayName>
    <Description xml:space="preserve">A Keeper test extension</Description>
    <Properties><Property Id="Microsoft.VisualStudio.Code.Engine" Value="^1.80.0" /></Properties>
  </Metadata>
  <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>
  <Dependencies/>
  <Assets><Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" /></Assets>
</PackageManifest>
`
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension=".json" ContentType="application/json"/><Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>`},
		{"extension.vsixmanifest", manifest}, {"extension/package.json", string(pkg)},
		{"extension/README.md", "# " + publisher + "." + name + " " + version + "\n"},
		{"extension/extension.js", "exports.activate = () => console.log('" + version + "');\n"}} {
		f, err := w.Create(e[0])
		must(t, err)
		_, err = f.Write([]byte(e[1]))
		must(t, err)
	}
	must(t, w.Close())
	return b.Bytes()
}

// ovsxRun runs ovsx in dir with env (an isolated HOME and OVSX_* settings).
func ovsxRun(t *testing.T, bin, dir string, env []string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestOpenVSXClients creates a namespace and publishes VSIX packages with
// ovsx to a private repository, then downloads them with ovsx get (an
// isolated HOME, Keeper the only registry), on every database.
func TestOpenVSXClients(t *testing.T) {
	t.Parallel()
	bin := ovsxClient(t)
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "vsx", Format: "openvsx"})
		token := k.APIToken("ovsx")
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		mkdirs(t, home)
		registry := "OVSX_REGISTRY_URL=" + k.URL + "/openvsx/vsx"
		env := clientEnv(home, registry, "OVSX_USERNAME=admin", "OVSX_PASSWORD="+token, "OVSX_PAT=unused")
		anon := clientEnv(home, registry, "OVSX_PAT=not-a-keeper-credential")
		v1, v11 := vsixPackage(t, "keeper", "demo", "1.0.0"), vsixPackage(t, "keeper", "demo", "1.1.0")
		for name, data := range map[string][]byte{"demo-1.0.0.vsix": v1, "demo-1.1.0.vsix": v11,
			"forged.vsix": append([]byte(nil), v1[:len(v1)-30]...)} {
			must(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
		}

		if out, ok := ovsxRun(t, bin, dir, anon, "create-namespace", "keeper"); ok || !strings.Contains(out, "authentication required") {
			t.Fatalf("anonymous create-namespace: ok=%v\n%s", ok, out)
		}
		if out, ok := ovsxRun(t, bin, dir, env, "publish", "demo-1.0.0.vsix"); ok || !strings.Contains(out, "Unknown publisher: keeper") {
			t.Fatalf("publish before the namespace exists: ok=%v\n%s", ok, out)
		}
		if out, ok := ovsxRun(t, bin, dir, env, "create-namespace", "keeper"); !ok || !strings.Contains(out, "Created namespace keeper") {
			t.Fatalf("create-namespace: %s", out)
		}
		if out, ok := ovsxRun(t, bin, dir, env, "create-namespace", "keeper"); ok || !strings.Contains(out, "Namespace already exists") {
			t.Fatalf("create-namespace again: ok=%v\n%s", ok, out)
		}
		if out, ok := ovsxRun(t, bin, dir, anon, "publish", "demo-1.0.0.vsix"); ok || !strings.Contains(out, "authentication required") {
			t.Fatalf("anonymous publish: ok=%v\n%s", ok, out)
		}
		for _, f := range []string{"demo-1.0.0.vsix", "demo-1.1.0.vsix"} {
			if out, ok := ovsxRun(t, bin, dir, env, "publish", f); !ok || !strings.Contains(out, "Published keeper.demo") {
				t.Fatalf("publish %s: %s", f, out)
			}
		}
		if out, ok := ovsxRun(t, bin, dir, env, "publish", "demo-1.1.0.vsix"); ok || !strings.Contains(out, "is already published") {
			t.Fatalf("republish: ok=%v\n%s", ok, out)
		}
		if out, _ := ovsxRun(t, bin, dir, env, "publish", "demo-1.1.0.vsix", "--skip-duplicate"); !strings.Contains(out, "Skipping publish") {
			t.Fatalf("republish with --skip-duplicate: %s", out)
		}
		if out, ok := ovsxRun(t, bin, dir, env, "publish", "forged.vsix"); ok || !strings.Contains(out, "invalid VSIX") {
			t.Fatalf("truncated VSIX: ok=%v\n%s", ok, out)
		}
		if out, ok := ovsxRun(t, bin, dir, env, "get", "keeper.nope"); ok || !strings.Contains(out, "Extension not found") {
			t.Fatalf("get of an unknown extension: ok=%v\n%s", ok, out)
		}
		if r, _ := k.Call("GET", "/openvsx/vsx/api/keeper/demo", nil, "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous read of a private repository: %v", r)
		}
		// VS Code's gallery query (extensionGalleryService.ts, flags 0x293), a read sent
		// as POST: anonymous callers may not query a private repository.
		query := `{"filters":[{"criteria":[{"filterType":8,"value":"Microsoft.VisualStudio.Code"},{"filterType":7,"value":"keeper.demo"}],` +
			`"pageNumber":1,"pageSize":1}],"assetTypes":[],"flags":659}`
		if r, _ := k.Call("POST", "/openvsx/vsx/vscode/gallery/extensionquery", strings.NewReader(query), "Authorization", "",
			"Content-Type", "application/json"); r == nil || r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous gallery query of a private repository: %v", r)
		}
		var gq struct {
			Results []struct {
				Extensions []struct {
					Versions []struct {
						Version string
						Files   []struct{ AssetType, Source string }
					}
				}
			}
		}
		must(t, k.Expect(http.StatusOK, "POST", "/openvsx/vsx/vscode/gallery/extensionquery", strings.NewReader(query),
			"Authorization", "Bearer "+token, "Content-Type", "application/json").JSON(&gq))
		if len(gq.Results) != 1 || len(gq.Results[0].Extensions) != 1 || len(gq.Results[0].Extensions[0].Versions) != 1 ||
			gq.Results[0].Extensions[0].Versions[0].Version != "1.1.0" || len(gq.Results[0].Extensions[0].Versions[0].Files) == 0 {
			t.Fatalf("gallery query: %+v", gq)
		}
		vsixAsset := gq.Results[0].Extensions[0].Versions[0].Files[0]
		if got := k.Expect(http.StatusOK, "GET", strings.TrimPrefix(vsixAsset.Source, k.URL), nil, "Authorization", "Bearer "+token); vsixAsset.AssetType != "Microsoft.VisualStudio.Services.VSIXPackage" || !bytes.Equal(got.Body, v11) {
			t.Fatalf("the VSIX asset the query names (%s) is not the published file", vsixAsset.Source)
		}

		// Download from a fresh HOME: the latest, then a pinned version, byte for byte.
		get := clientEnv(filepath.Join(dir, "home2"), registry, "OVSX_USERNAME=admin", "OVSX_PASSWORD="+token)
		mkdirs(t, filepath.Join(dir, "home2"), filepath.Join(dir, "out"))
		if out, ok := ovsxRun(t, bin, dir, get, "get", "keeper.demo", "-o", "out/"); !ok {
			t.Fatalf("ovsx get: %s", out)
		}
		if got := readFile(t, filepath.Join(dir, "out", "keeper.demo-1.1.0.vsix")); !bytes.Equal(got, v11) {
			t.Fatal("ovsx get downloaded other bytes than were published")
		}
		if out, ok := ovsxRun(t, bin, dir, get, "get", "keeper.demo", "-v", "1.0.0", "-o", "old.vsix"); !ok {
			t.Fatalf("ovsx get -v 1.0.0: %s", out)
		}
		if got := readFile(t, filepath.Join(dir, "old.vsix")); !bytes.Equal(got, v1) {
			t.Fatal("ovsx get -v 1.0.0 downloaded other bytes than were published")
		}
		if out, ok := ovsxRun(t, bin, dir, get, "get", "keeper.demo", "--metadata"); !ok || !strings.Contains(out, `"sha256": "`+harness.SHA256(v11)+`"`) {
			t.Fatalf("ovsx get --metadata: %s", out)
		}
		if db.Name != "sqlite" {
			return
		}
		// The README's blocks, as written, against a second private repository.
		k.CreateRepo(harness.Repo{Key: "vsx-readme", Format: "openvsx"})
		work := filepath.Join(dir, "readme")
		mkdirs(t, work, filepath.Join(work, "home"))
		must(t, os.WriteFile(filepath.Join(work, "keeper.demo-1.1.0.vsix"), v11, 0o644))
		renv := clientEnv(filepath.Join(work, "home"), "K="+strings.TrimPrefix(k.URL, "http://"), "REPO=vsx-readme",
			"T="+k.APIToken("readme-ovsx"), "NS=keeper", "PKG=keeper.demo", "VSIX=keeper.demo-1.1.0.vsix")
		runSnippet(t, "ovsx-publish", work, renv)
		must(t, os.Remove(filepath.Join(work, "keeper.demo-1.1.0.vsix")))
		runSnippet(t, "ovsx-consume", work, renv)
		if got := readFile(t, filepath.Join(work, "keeper.demo-1.1.0.vsix")); !bytes.Equal(got, v11) {
			t.Fatal("the README's ovsx get downloaded other bytes")
		}
	})
}
