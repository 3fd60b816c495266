package nuget_test

import (
	"archive/zip"
	"bytes"
	"mime/multipart"
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/plugins/nuget"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

type testHost = fakehost.Host

func newHost() *testHost {
	h := fakehost.New(&sdk.RepoContext{Key: "nu", Kind: "local", Format: "nuget", IsPublic: true, BaseURL: "http://h/nuget/nu"})
	h.VersionClock = func() int64 { return 1767312000000 }
	return h
}

func call(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.Call(t, nuget.Plugin{}, h, req)
}

// callCommit calls and then commits (status < 400) or discards, like the host.
func callCommit(t testing.TB, h *testHost, req *sdk.Request) *sdk.Response {
	t.Helper()
	return plugintest.CallCommit(t, nuget.Plugin{}, h, req)
}

func get(path, query string) *sdk.Request {
	return &sdk.Request{Method: "GET", Path: path, RawQuery: query}
}

type entry struct{ name, data string }

func zipOf(t testing.TB, es ...entry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range es {
		f, _ := w.Create(e.name)
		f.Write([]byte(e.data))
	}
	w.Close()
	return b.Bytes()
}

// nuspec is a .nuspec document; deps is the inner XML of <dependencies>.
func nuspec(id, version, deps string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.8">
    <id>` + id + `</id>
    <version>` + version + `</version>
    <title>` + id + ` title</title>
    <authors>Keeper Tests</authors>
    <description>A package built for Keeper's tests &amp; checks.</description>
    <tags>keeper test</tags>
    <license type="expression">MIT</license>
    <projectUrl>https://example.invalid/` + id + `</projectUrl>
    <dependencies>` + deps + `</dependencies>
  </metadata>
</package>`
}

// nupkg builds a package as nuget pack lays it out.
func nupkg(t testing.TB, id, version, deps string) []byte {
	return zipOf(t,
		entry{"_rels/.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />`},
		entry{id + ".nuspec", nuspec(id, version, deps)},
		entry{"lib/net45/readme.txt", id + " " + version},
		entry{"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`})
}

// multipartBody wraps a package as NuGet clients push it.
func multipartBody(pkg []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("package", "package.nupkg")
	f.Write(pkg)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func pushReq(h *testHost, pkg []byte) *sdk.Request {
	body, ct := multipartBody(pkg)
	return &sdk.Request{Method: "PUT", Path: "/api/v2/package", User: "alice", Body: h.Body(body),
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}
}

func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	resp, err := plugintest.NativeHandle(nuget.Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("native: %v", err)
		}
		return ports.FormatResponse{Status: e.Status, Body: []byte(e.Message)}
	}
	return resp
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
