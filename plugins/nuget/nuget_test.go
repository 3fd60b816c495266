package nuget_test

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/nuget"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const depXML = `<group targetFramework=".NETFramework4.5"><dependency id="Keeper.Util" version="[2.0.0, )" /></group><group targetFramework="netstandard2.0" />`

func pushAll(t *testing.T, h *testHost) map[string][]byte {
	t.Helper()
	pkgs := map[string][]byte{
		"util-2.0.1":   nupkg(t, "Keeper.Util", "2.0.1", ""),
		"demo-1.0.0":   nupkg(t, "Keeper.Demo", "1.0.0", depXML),
		"demo-1.1.0b":  nupkg(t, "Keeper.Demo", "1.1.0-beta.1+build.5", depXML),
		"demo-1.0.1.0": nupkg(t, "Keeper.Demo", "01.0.1.0", ""),
	}
	for _, k := range []string{"util-2.0.1", "demo-1.0.0", "demo-1.1.0b", "demo-1.0.1.0"} {
		if r := callCommit(t, h, pushReq(h, pkgs[k])); r.Status != 201 {
			t.Fatalf("push %s: %d %s", k, r.Status, r.Bytes)
		}
	}
	return pkgs
}

// TestV3 checks every v3 document against its golden file and the rules of
// https://learn.microsoft.com/en-us/nuget/api/overview the clients rely on.
func TestV3(t *testing.T) {
	h := newHost()
	pkgs := pushAll(t, h)
	docs := map[string]string{
		"/v3/index.json":                          "v3-index.json",
		"/v3/package/keeper.demo/index.json":      "flat-keeper.demo.json",
		"/v3/registration/keeper.demo/index.json": "registration-keeper.demo.json",
		"/v3/registration/keeper.demo/1.0.0.json": "registration-leaf.json",
	}
	for p, g := range docs {
		r := call(t, h, get(p, ""))
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", p, r.Status, r.Bytes)
		}
		plugintest.GoldenJSON(t, "golden/"+g, r.Bytes)
	}
	for _, c := range []struct{ q, golden string }{{"q=demo", "search-demo.json"}, {"q=keeper&prerelease=true&semVerLevel=2.0.0", "search-pre.json"}, {"q=keeper&take=1&skip=1", "search-page.json"}} {
		plugintest.GoldenJSON(t, "golden/"+c.golden, call(t, h, get("/v3/query", c.q)).Bytes)
	}
	// Service index: resources by @type
	// (https://learn.microsoft.com/en-us/nuget/api/service-index#resources).
	var idx struct {
		Version   string `json:"version"`
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	json.Unmarshal(call(t, h, get("/v3/index.json", "")).Bytes, &idx)
	want := map[string]string{"PackageBaseAddress/3.0.0": "http://h/nuget/nu/v3/package/", "PackagePublish/2.0.0": "http://h/nuget/nu/api/v2/package",
		"RegistrationsBaseUrl": "http://h/nuget/nu/v3/registration/", "SearchQueryService": "http://h/nuget/nu/v3/query"}
	for _, r := range idx.Resources {
		if w, ok := want[r.Type]; ok && w == r.ID {
			delete(want, r.Type)
		}
	}
	if idx.Version != "3.0.0" || len(want) != 0 {
		t.Fatalf("service index lacks %v", want)
	}
	// Flat container: lower-case normalized versions; the files are where it says
	// (https://learn.microsoft.com/en-us/nuget/api/package-base-address-resource).
	var flat struct{ Versions []string }
	json.Unmarshal(call(t, h, get("/v3/package/keeper.demo/index.json", "")).Bytes, &flat)
	if strings.Join(flat.Versions, ",") != "1.0.0,1.0.1,1.1.0-beta.1" {
		t.Fatalf("flat versions %v", flat.Versions)
	}
	f, _ := h.GetFile("v3/package/keeper.demo/1.0.0/keeper.demo.1.0.0.nupkg")
	if b, _ := h.ReadBlob(f.BlobDigest, 0, 1<<20); string(b) != string(pkgs["demo-1.0.0"]) {
		t.Fatal("stored .nupkg differs from the pushed one")
	}
	if f2, _ := h.GetFile("api/v2/package/Keeper.Demo/1.0.0"); f2 == nil || f2.BlobDigest != f.BlobDigest {
		t.Fatal("the .nupkg is not stored at its v2 download path")
	}
	if f, _ := h.GetFile("v3/package/keeper.demo/1.0.0/keeper.demo.nuspec"); f == nil {
		t.Fatal("no .nuspec in the flat container")
	}
	// Registration: catalogEntry with dependency groups and ranges, packageContent
	// (https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource).
	var reg struct {
		Count int `json:"count"`
		Items []struct {
			Count int    `json:"count"`
			Lower string `json:"lower"`
			Upper string `json:"upper"`
			Items []struct {
				CatalogEntry struct {
					ID, Version      string
					Listed           bool
					DependencyGroups []struct {
						TargetFramework string
						Dependencies    []struct{ ID, Range string }
					}
				} `json:"catalogEntry"`
				PackageContent string `json:"packageContent"`
			} `json:"items"`
		} `json:"items"`
	}
	json.Unmarshal(call(t, h, get("/v3/registration/keeper.demo/index.json", "")).Bytes, &reg)
	page := reg.Items[0]
	if reg.Count != 1 || page.Count != 3 || page.Lower != "1.0.0" || page.Upper != "1.1.0-beta.1" {
		t.Fatalf("registration page: %+v", reg)
	}
	first := page.Items[0]
	if first.CatalogEntry.ID != "Keeper.Demo" || first.PackageContent != "http://h/nuget/nu/v3/package/keeper.demo/1.0.0/keeper.demo.1.0.0.nupkg" ||
		first.CatalogEntry.DependencyGroups[0].Dependencies[0].Range != "[2.0.0, )" {
		t.Fatalf("registration leaf: %+v", first)
	}
}

// TestV2 checks the OData feed NuGet 2.x reads.
func TestV2(t *testing.T) {
	h := newHost()
	pkgs := pushAll(t, h)
	for p, g := range map[string]string{"/api/v2/": "v2-service.xml", "/api/v2/$metadata": "v2-metadata.xml",
		"/api/v2/Packages(Id='Keeper.Demo',Version='1.0.0')": "v2-entry.xml"} {
		r := call(t, h, get(p, ""))
		if r.Status != 200 {
			t.Fatalf("%s: %d", p, r.Status)
		}
		plugintest.Golden(t, "golden/"+g, r.Bytes)
	}
	r := call(t, h, get("/api/v2/FindPackagesById()", "id='keeper.demo'"))
	plugintest.Golden(t, "golden/v2-find.xml", r.Bytes)
	var feed struct {
		Entries []struct {
			Content struct {
				Src string `xml:"src,attr"`
			} `xml:"content"`
			Props struct {
				Version, PackageHash, Dependencies string
				IsLatestVersion                    bool
			} `xml:"properties"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(r.Bytes, &feed); err != nil {
		t.Fatal(err)
	}
	// SemVer 2 versions are left out unless the client asks (semVerLevel=2.0.0).
	if len(feed.Entries) != 2 || feed.Entries[1].Props.Version != "1.0.1" || !feed.Entries[1].Props.IsLatestVersion {
		t.Fatalf("FindPackagesById: %+v", feed.Entries)
	}
	sum := sha512.Sum512(pkgs["demo-1.0.0"])
	e := feed.Entries[0]
	if e.Props.PackageHash != base64.StdEncoding.EncodeToString(sum[:]) || e.Content.Src != "http://h/nuget/nu/api/v2/package/Keeper.Demo/1.0.0" ||
		e.Props.Dependencies != "Keeper.Util:[2.0.0, ):.NETFramework4.5|::netstandard2.0" {
		t.Fatalf("entry: %+v", e)
	}
	if r := call(t, h, get("/api/v2/FindPackagesById()", "id='Keeper.Demo'&semVerLevel=2.0.0")); strings.Count(string(r.Bytes), "<entry>") != 3 {
		t.Fatalf("semVerLevel=2.0.0 feed: %s", r.Bytes)
	}
	if r := call(t, h, get("/api/v2/Search()", "searchTerm='util'&includePrerelease=false")); !strings.Contains(string(r.Bytes), "<d:Id>Keeper.Util</d:Id>") || strings.Contains(string(r.Bytes), "Keeper.Demo") {
		t.Fatalf("Search(): %s", r.Bytes)
	}
	if r := call(t, h, get("/api/v2/package/keeper.demo/1.0.0", "")); r.Kind != sdk.BodyServePath || r.Target != "v3/package/keeper.demo/1.0.0/keeper.demo.1.0.0.nupkg" {
		t.Fatalf("v2 download: %+v", r)
	}
}

func TestUnlist(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	del := func(m, p string) *sdk.Response {
		return callCommit(t, h, &sdk.Request{Method: m, Path: p, User: "alice"})
	}
	if r := del("DELETE", "/api/v2/package/Keeper.Util/2.0.1"); r.Status != 204 {
		t.Fatalf("unlist: %d %s", r.Status, r.Bytes)
	}
	if r := del("DELETE", "/api/v2/package/Keeper.Util/9.9.9"); r.Status != 404 {
		t.Fatalf("unlist unknown: %d", r.Status)
	}
	if b := call(t, h, get("/v3/query", "q=util")).Bytes; !strings.Contains(string(b), `"totalHits":0`) {
		t.Fatalf("unlisted package still found: %s", b)
	}
	if b := call(t, h, get("/v3/registration/keeper.util/index.json", "")).Bytes; !strings.Contains(string(b), `"listed":false`) {
		t.Fatalf("registration does not say unlisted: %s", b)
	}
	if r := call(t, h, get("/v3/package/keeper.util/index.json", "")); r.Status != 200 {
		t.Fatal("an unlisted version left the flat container")
	}
	if r := del("POST", "/api/v2/package/Keeper.Util/2.0.1"); r.Status != 204 {
		t.Fatalf("relist: %d", r.Status)
	}
	if b := call(t, h, get("/v3/query", "q=util")).Bytes; !strings.Contains(string(b), `"totalHits":1`) {
		t.Fatalf("relisted package not found: %s", b)
	}
}

func TestRefusals(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	files := len(h.Files)
	raw := func(b []byte) *sdk.Request {
		return &sdk.Request{Method: "PUT", Path: "/api/v2/package", User: "alice", Body: h.Body(b)}
	}
	cases := []struct {
		name string
		req  *sdk.Request
		want int
		msg  string
	}{
		{"republish", pushReq(h, nupkg(t, "Keeper.Demo", "1.0.0", "")), 409, "already exists"},
		{"republish other case and form", pushReq(h, nupkg(t, "keeper.demo", "1.0.0.0", "")), 409, "already exists"},
		{"raw body", raw(nupkg(t, "Keeper.Raw", "1.0.0", "")), 201, ""},
		{"not a zip", pushReq(h, []byte("not a zip")), 400, "not a readable zip"},
		{"truncated", pushReq(h, nupkg(t, "Keeper.X", "1.0.0", "")[:200]), 400, "not a readable zip"},
		{"no nuspec", pushReq(h, zipOf(t, entry{"lib/a.dll", "x"})), 400, "no .nuspec"},
		{"two nuspecs", pushReq(h, zipOf(t, entry{"a.nuspec", nuspec("a", "1.0.0", "")}, entry{"b.nuspec", nuspec("b", "1.0.0", "")})), 400, "more than one"},
		{"traversal", pushReq(h, zipOf(t, entry{"X.nuspec", nuspec("X", "1.0.0", "")}, entry{"../../evil.dll", "x"})), 400, "'..'"},
		{"absolute", pushReq(h, zipOf(t, entry{"X.nuspec", nuspec("X", "1.0.0", "")}, entry{"/etc/x", "x"})), 400, "absolute"},
		{"id mismatch", pushReq(h, zipOf(t, entry{"Other.nuspec", nuspec("Keeper.Forged", "1.0.0", "")})), 400, "does not match"},
		{"bad id", pushReq(h, zipOf(t, entry{"..nuspec", nuspec("..", "1.0.0", "")})), 400, "package id"},
		{"bad version", pushReq(h, nupkg(t, "Keeper.V", "latest", "")), 400, "not a valid NuGet version"},
		{"bad xml", pushReq(h, zipOf(t, entry{"X.nuspec", "<package><metadata>"})), 400, "not valid XML"},
		{"bad dependency", pushReq(h, nupkg(t, "Keeper.D", "1.0.0", `<dependency id="a;b" version="1.0" />`)), 400, "dependency id"},
		{"bomb", pushReq(h, zipOf(t, entry{"B.nuspec", nuspec("B", "1.0.0", "")}, entry{"big", strings.Repeat("\x00", 8<<20)})), 400, "zip"},
		{"empty", &sdk.Request{Method: "PUT", Path: "/api/v2/package", User: "alice"}, 400, "no package"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.Files)
			r := callCommit(t, h, c.req)
			if r.Status != c.want || !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, c.want, c.msg)
			}
			if c.want >= 400 && len(h.Files) != before {
				t.Fatal("a refused push stored files")
			}
		})
	}
	_ = files
	for _, p := range []string{"/v3/package/nothing/index.json", "/v3/package/Keeper.Demo/index.json", "/v3/registration/nothing/index.json",
		"/v3/registration/keeper.demo/9.9.9.json", "/api/v2/package/nothing/1.0.0", "/v3/package/keeper.demo/9.0.0/keeper.demo.9.0.0.nupkg", "/other"} {
		if r := call(t, h, get(p, "")); r.Status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := call(t, h, get("/api/v2/Packages(Id='Nothing',Version='1.0.0')", "")); r.Status != 404 {
		t.Errorf("v2 unknown entry: %d", r.Status)
	}
	if r := call(t, h, get("/api/v2/Packages()", "$filter=Id eq 'x'")); r.Status != 400 {
		t.Errorf("v2 $filter: %d", r.Status)
	}
}

func TestVersions(t *testing.T) {
	for in, want := range map[string]string{"1.0": "1.0.0", "1.0.0.0": "1.0.0", "01.002.3.4": "1.2.3.4", "1.0.0-Beta.1+meta": "1.0.0-Beta.1", "2.0.0-rc": "2.0.0-rc"} {
		if got, ok := nuget.NormalizeVersion(in); !ok || got != want {
			t.Errorf("normalize(%s) = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "1", "v1.0", "1.0.0-", "1.0/x"} {
		if _, ok := nuget.NormalizeVersion(bad); ok {
			t.Errorf("normalize(%q) accepted", bad)
		}
	}
	order := []string{"1.0.0-alpha", "1.0.0-alpha.2", "1.0.0-alpha.10", "1.0.0-beta", "1.0.0", "1.0.1", "1.0.1.1", "1.10.0"}
	for i := 1; i < len(order); i++ {
		if nuget.CompareVersions(order[i-1], order[i]) >= 0 {
			t.Errorf("%s should sort before %s", order[i-1], order[i])
		}
	}
}

func TestDescribe(t *testing.T) {
	info := nuget.Plugin{}.Describe()
	if info.Key != "nuget" || info.Mounts[0].Prefix != "/nuget/" || info.Credentials == nil || len(info.Credentials.TokenHeaders) != 1 {
		t.Fatalf("describe: %+v", info)
	}
}

// TestPushFromNuGet28 pushes the body the real NuGet 2.8 client sent: its
// closing boundary follows a bare LF, which strict multipart refuses.
func TestPushFromNuGet28(t *testing.T) {
	h := newHost()
	r := callCommit(t, h, &sdk.Request{Method: "PUT", Path: "/api/v2/package/", User: "alice", Body: h.Body(fixture(t, "push-nuget-2.8.bin")),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "multipart/form-data; boundary=---------------------------8df53c0b38c8fb6"}}})
	if r.Status != 201 {
		t.Fatalf("push: %d %s", r.Status, r.Bytes)
	}
	if f, _ := h.GetFile("v3/package/keeper.util/2.0.1/keeper.util.2.0.1.nupkg"); f == nil {
		t.Fatal("package not stored")
	}
	body := fixture(t, "push-nuget-2.8.bin")
	for _, cut := range []int{len(body) - 3, len(body) / 2, 60} {
		r := callCommit(t, h, &sdk.Request{Method: "PUT", Path: "/api/v2/package/", User: "alice", Body: h.Body(body[:cut]),
			Headers: []sdk.Header{{Name: "Content-Type", Value: "multipart/form-data; boundary=---------------------------8df53c0b38c8fb6"}}})
		if r.Status != 400 && r.Status != 409 {
			t.Fatalf("truncated at %d: %d %s", cut, r.Status, r.Bytes)
		}
	}
}
