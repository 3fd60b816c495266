package openvsx

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func newHost() *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Kind: "local", Format: "openvsx", BaseURL: "http://k/openvsx/r"})
	var clock int64 = 1765000000000
	h.VersionClock = func() int64 { clock += 1000; return clock }
	return h
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// manifestXML is an extension.vsixmanifest as vsce 3 writes it.
func manifestXML(publisher, name, version string, pre bool) string {
	props := `<Property Id="Microsoft.VisualStudio.Code.Engine" Value="^1.80.0" />`
	if pre {
		props += `<Property Id="Microsoft.VisualStudio.Code.PreRelease" Value="true" />`
	}
	return `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="` + name + `" Version="` + version + `" Publisher="` + publisher + `" />
    <DisplayName>Keeper Demo</DisplayName>
    <Description xml:space="preserve">A Keeper test extension</Description>
    <Properties>` + props + `</Properties>
  </Metadata>
  <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />
  </Assets>
</PackageManifest>
`
}

func packageJSONText(publisher, name, version string, deps ...string) string {
	b, _ := json.MarshalIndent(map[string]any{"name": name, "publisher": publisher, "version": version,
		"displayName": "Keeper Demo", "description": "A Keeper test extension", "engines": map[string]string{"vscode": "^1.80.0"},
		"categories": []string{"Other"}, "keywords": []string{"keeper"}, "license": "MIT", "main": "./extension.js",
		"repository": map[string]string{"type": "git", "url": "https://example.org/demo.git"}, "extensionDependencies": deps}, "", "  ")
	return string(b)
}

// zipOf builds a zip of the entries (name, content) in order.
func zipOf(entries ...[2]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Deflate})
		_, _ = f.Write([]byte(e[1]))
	}
	_ = w.Close()
	return b.Bytes()
}

// vsixFile builds a VSIX as vsce package lays it out.
func vsixFile(publisher, name, version string, deps ...string) []byte {
	return zipOf([2]string{"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension=".json" ContentType="application/json"/><Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>`},
		[2]string{"extension.vsixmanifest", manifestXML(publisher, name, version, false)},
		[2]string{"extension/package.json", packageJSONText(publisher, name, version, deps...)},
		[2]string{"extension/README.md", "# " + name + " " + version + "\n"},
		[2]string{"extension/extension.js", "exports.activate = () => {};\n"})
}

func post(h *fakehost.Host, path string, body []byte) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: path, RawQuery: "token=secret", Repo: h.RepoCtx,
		User: "alice", Body: h.Body(body), Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}})
}

func publish(h *fakehost.Host, vsix []byte) *sdk.Response { return post(h, "/api/-/publish", vsix) }

func createNamespace(h *fakehost.Host, name string) *sdk.Response {
	return post(h, "/api/-/namespace/create", []byte(`{"name":"`+name+`"}`))
}

func get(h *fakehost.Host, path, query string) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: path, RawQuery: query, Repo: h.RepoCtx, User: "alice"})
}

func mustStatus(t *testing.T, r *sdk.Response, want int, contains string) {
	t.Helper()
	if body := strings.ReplaceAll(string(r.Bytes), `\"`, `"`); r.Status != want ||
		!strings.Contains(string(r.Bytes), contains) && !strings.Contains(body, contains) {
		t.Fatalf("status %d, want %d containing %q: %s", r.Status, want, contains, r.Bytes)
	}
}

func TestPublishAndAPI(t *testing.T) {
	h := newHost()
	v1, v11 := vsixFile("keeper", "demo", "1.0.0"), vsixFile("keeper", "demo", "1.1.0")
	mustStatus(t, publish(h, v1), 400, "Unknown publisher: keeper")
	mustStatus(t, createNamespace(h, "keeper"), 201, `"success":"Created namespace keeper"`)
	mustStatus(t, createNamespace(h, "Keeper"), 409, "Namespace already exists")
	r := publish(h, v1)
	mustStatus(t, r, 201, `"version":"1.0.0"`)
	mustStatus(t, publish(h, v11), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "pack", "2.0.0-beta.1", "keeper.demo")), 201, "")

	latest := get(h, "/api/keeper/demo", "")
	plugintest.GoldenJSON(t, "golden/extension.json", latest.Bytes)
	mustStatus(t, latest, 200, `"download":"http://k/openvsx/r/api/keeper/demo/1.1.0/file/keeper.demo-1.1.0.vsix"`)
	mustStatus(t, latest, 200, `"1.0.0":"http://k/openvsx/r/api/keeper/demo/1.0.0"`)
	mustStatus(t, latest, 200, `"manifest":"http://k/openvsx/r/api/keeper/demo/1.1.0/file/package.json"`)
	mustStatus(t, latest, 200, `"readme":"http://k/openvsx/r/api/keeper/demo/1.1.0/file/README.md"`)
	old := get(h, "/api/keeper/demo/1.0.0", "")
	mustStatus(t, old, 200, `"sha256":"`+sha(v1)+`"`)
	f, ok := h.Files["api/keeper/demo/1.0.0/file/keeper.demo-1.0.0.vsix"]
	if !ok || !bytes.Equal(h.Blobs[f.BlobDigest], v1) {
		t.Fatal("the VSIX is not stored byte for byte at its download URL")
	}
	if f, ok := h.Files["api/keeper/demo/1.0.0/file/package.json"]; !ok || !strings.Contains(string(h.Blobs[f.BlobDigest]), `"publisher": "keeper"`) {
		t.Fatal("package.json is not served")
	}
	plugintest.GoldenJSON(t, "golden/versions.json", get(h, "/api/keeper/demo/versions", "").Bytes)
	ns := get(h, "/api/keeper", "")
	plugintest.GoldenJSON(t, "golden/namespace.json", ns.Bytes)
	mustStatus(t, ns, 200, `"pack":"http://k/openvsx/r/api/keeper/pack"`)
	search := get(h, "/api/-/search", "query=demo&size=10")
	plugintest.GoldenJSON(t, "golden/search.json", search.Bytes)
	mustStatus(t, search, 200, `"totalSize":2`) // demo by name, pack by its description
	pack := get(h, "/api/keeper/pack", "")
	mustStatus(t, pack, 200, `"dependencies":[{"extension":"demo","namespace":"keeper"}]`)
	mustStatus(t, pack, 200, `"version":"2.0.0-beta.1"`) // only pre-releases: the highest
	mustStatus(t, get(h, "/api/keeper/verify-pat", "token=x"), 200, "Valid token")

	mustStatus(t, get(h, "/api/keeper/nope", ""), 404, "Extension not found: keeper.nope")
	mustStatus(t, get(h, "/api/keeper/demo/9.9.9", ""), 404, "Extension not found")
	mustStatus(t, get(h, "/api/nobody", ""), 404, "Namespace not found")
	mustStatus(t, get(h, "/api/keeper/demo/1.0.0/file/nope.vsix", ""), 404, "")
	mustStatus(t, get(h, "/api/-/search", "size=1000"), 400, "size")
}

// TestPublishRefusals: every refusal is a 400 (409 for a republish) that
// names the problem, and nothing is stored.
func TestPublishRefusals(t *testing.T) {
	h := newHost()
	mustStatus(t, createNamespace(h, "keeper"), 201, "")
	mustStatus(t, publish(h, vsixFile("keeper", "demo", "1.0.0")), 201, "")
	files, versions := len(h.Files), len(h.Versions)
	good := vsixFile("keeper", "x", "1.0.0")
	man, pkg := [2]string{"extension.vsixmanifest", manifestXML("keeper", "x", "1.0.0", false)},
		[2]string{"extension/package.json", packageJSONText("keeper", "x", "1.0.0")}
	bomb := func() []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		for _, e := range [][2]string{man, pkg} {
			f, _ := w.Create(e[0])
			_, _ = f.Write([]byte(e[1]))
		}
		f, _ := w.CreateHeader(&zip.FileHeader{Name: "extension/zeros", Method: zip.Deflate})
		zero := make([]byte, 1<<20)
		for n := 0; n <= maxUnpacked; n += len(zero) {
			_, _ = f.Write(zero)
		}
		_ = w.Close()
		return b.Bytes()
	}()
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"republish", vsixFile("keeper", "demo", "1.0.0"), 409, "Extension keeper.demo 1.0.0 is already published."},
		{"not a zip", []byte("not a zip at all"), 400, "a zip archive is expected"},
		{"truncated", good[:len(good)-40], 400, "invalid VSIX"},
		{"no manifest", zipOf(pkg), 400, "extension.vsixmanifest are required"},
		{"no package.json", zipOf(man), 400, "extension/package.json and"},
		{"bad json", zipOf(man, [2]string{pkg[0], "{"}), 400, "not valid JSON"},
		{"bad xml", zipOf([2]string{man[0], "<PackageManifest"}, pkg), 400, "not valid XML"},
		{"forged manifest", zipOf([2]string{man[0], manifestXML("keeper", "demo", "1.0.0", false)}, pkg), 400,
			"extension.vsixmanifest names keeper.demo 1.0.0, package.json keeper.x 1.0.0"},
		{"bad version", zipOf(man, [2]string{pkg[0], packageJSONText("keeper", "x", "1.0")}), 400, `version "1.0" is not a semantic version`},
		{"bad name", zipOf(man, [2]string{pkg[0], packageJSONText("keeper", "../x", "1.0.0")}), 400, `name "../x"`},
		{"unknown namespace", vsixFile("other", "x", "1.0.0"), 400, "Unknown publisher: other"},
		{"no engine", zipOf(man, [2]string{pkg[0], `{"publisher":"keeper","name":"x","version":"1.0.0"}`}), 400, "engines.vscode"},
		{"path traversal", zipOf(man, pkg, [2]string{"../../etc/passwd", "x"}), 400, "not a clean relative path"},
		{"absolute path", zipOf(man, pkg, [2]string{"/etc/passwd", "x"}), 400, "not a clean relative path"},
		{"target platform", zipOf([2]string{man[0], strings.Replace(man[1], `Publisher="keeper"`, `Publisher="keeper" TargetPlatform="linux-x64"`, 1)}, pkg), 400, "not supported"},
		{"package.json too large", zipOf(man, [2]string{pkg[0], strings.Repeat(" ", maxManifest+1) + "{}"}), 400, "package.json"},
		{"bomb", bomb, 400, "invalid VSIX"}, // the host refuses its compression ratio before the plugin sums the sizes
	} {
		t.Run(c.name, func(t *testing.T) {
			mustStatus(t, publish(h, c.body), c.status, c.want)
			if len(h.Files) != files || len(h.Versions) != versions {
				t.Fatalf("a refused upload stored something: %d files", len(h.Files))
			}
		})
	}
	mustStatus(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/-/publish", Repo: h.RepoCtx}), 400, "empty upload")
	mustStatus(t, createNamespace(h, "bad name"), 400, "invalid namespace name")
	mustStatus(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "PUT", Path: "/api/-/publish", Repo: h.RepoCtx}), 405, "")
}
