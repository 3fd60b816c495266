package terraform

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "tf", Kind: "local", Format: "terraform", BaseURL: "http://k/terraform/tf"})
}

func put(h *fakehost.Host, path, query string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: "PUT", Path: path, RawQuery: query, Repo: h.RepoCtx, User: "u"}
	if body != nil {
		req.Body = h.Body(body)
	}
	return fakehost.Serve(Plugin{}, h, req)
}

func get(h *fakehost.Host, path string, hdr ...sdk.Header) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: path, Headers: hdr, Repo: h.RepoCtx})
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func want(t *testing.T, r *sdk.Response, status int, contains string) {
	t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		t.Fatalf("got %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

func TestDiscovery(t *testing.T) {
	h := fakehost.New(nil)
	r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/"})
	want(t, r, 200, `"modules.v1":"/terraform/"`)
	plugintest.GoldenJSON(t, "discovery.json", r.Bytes)
	want(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/x"}), 404, "not found")
	want(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/"}), 404, "not found")
}

func TestModulePublishAndRead(t *testing.T) {
	h := newHost()
	arc := moduleArchive(t, "m1")
	want(t, put(h, "/-/modules/net/aws/1.0.0", "", arc), 201, `"version":"1.0.0"`)
	want(t, put(h, "/-/modules/net/aws/1.10.0", "", moduleArchive(t, "m2")), 201, "")
	want(t, put(h, "/-/modules/net/aws/1.2.0-rc.1", "", moduleArchive(t, "m3")), 201, "")
	f := h.Files["-/modules/net/aws/1.0.0/net-aws-1.0.0.tar.gz"]
	if f.Package != "module/net/aws" || f.Version != "1.0.0" || f.SHA256 != sha256hex(arc) {
		t.Fatalf("stored file %+v", f)
	}
	r := get(h, "/net/aws/versions")
	want(t, r, 200, `"1.10.0"`)
	plugintest.GoldenJSON(t, "module-versions.json", r.Bytes)

	r = get(h, "/net/aws/1.0.0/download", sdk.Header{Name: "X-Terraform-Version", Value: "1.11.4"})
	if r.Status != 204 || header(r, "X-Terraform-Get") != "../../../-/modules/net/aws/1.0.0/net-aws-1.0.0.tar.gz" {
		t.Fatalf("download for terraform: %d %v", r.Status, r.Headers)
	}
	r = get(h, "/net/aws/1.0.0/download")
	want(t, r, 200, `"location":"../../../-/modules/net/aws/1.0.0/net-aws-1.0.0.tar.gz"`)
	plugintest.GoldenJSON(t, "module-download.json", r.Bytes)

	t.Run("republish is a conflict", func(t *testing.T) {
		want(t, put(h, "/-/modules/net/aws/1.0.0", "", moduleArchive(t, "other")), 409, "already exists")
	})
	t.Run("unknown is 404", func(t *testing.T) {
		want(t, get(h, "/net/gcp/versions"), 404, "not found")
		want(t, get(h, "/net/aws/9.9.9/download"), 404, "not found")
		want(t, get(h, "/net/aws/x/y/z/q"), 404, "not found")
	})
}

func TestModuleRefusals(t *testing.T) {
	h := newHost()
	trunc := moduleArchive(t, "t")
	cases := []struct {
		name, path string
		body       []byte
		status     int
		msg        string
	}{
		{"no body", "/-/modules/a/b/1.0.0", nil, 400, "no module archive"},
		{"bad version", "/-/modules/a/b/v1", moduleArchive(t, "x"), 400, "invalid module version"},
		{"bad name", "/-/modules/a%20b/b/1.0.0", moduleArchive(t, "x"), 400, "invalid module name"},
		{"not gzip", "/-/modules/a/b/1.0.0", []byte("plain text"), 400, "invalid module archive"},
		{"truncated", "/-/modules/a/b/1.0.0", trunc[:len(trunc)/2], 400, "invalid module archive"},
		{"traversal", "/-/modules/a/b/1.0.0", tarGz(t, map[string]string{"main.tf": "x", "../evil.tf": "x"}, "main.tf", "../evil.tf"), 400, "unsafe entry name"},
		{"absolute", "/-/modules/a/b/1.0.0", tarGz(t, map[string]string{"/etc/x.tf": "x"}, "/etc/x.tf"), 400, "unsafe entry name"},
		{"no tf", "/-/modules/a/b/1.0.0", tarGz(t, map[string]string{"README.md": "x", "sub/a.tf": "x"}, "README.md", "sub/a.tf"), 400, "no .tf"},
		{"bomb", "/-/modules/a/b/1.0.0", tarGz(t, map[string]string{"main.tf": strings.Repeat("a", 4<<20)}, "main.tf"), 400, "invalid module archive"},
	}
	h.ScanLimit = 1 << 20
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, put(h, c.path, "", c.body), c.status, c.msg)
			if len(h.Files) != 0 || len(h.Versions) != 0 {
				t.Fatalf("something was stored: %v", h.Files)
			}
		})
	}
	want(t, fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "DELETE", Path: "/a/b/versions", Repo: h.RepoCtx}), 405, "not allowed")
}

func TestProviderPublishAndRead(t *testing.T) {
	h := newHost()
	zl := providerZipBytes(t, "demo", "1.0.0")
	want(t, put(h, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip", "", zl), 201, `"os":"linux"`)
	want(t, put(h, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_darwin_arm64.zip", "", providerZipBytes(t, "demo", "1.0.0")), 201, "")
	want(t, put(h, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_windows_amd64.zip", "", zipOf(t, map[string]string{"terraform-provider-demo_v1.0.0.exe": "MZ"}, "terraform-provider-demo_v1.0.0.exe")), 201, "")
	want(t, put(h, "/-/providers/demo/2.0.0/terraform-provider-demo_2.0.0_linux_amd64.zip", "protocols=6.0", providerZipBytes(t, "demo", "2.0.0")), 201, "")

	r := get(h, "/demo/versions")
	want(t, r, 200, `"protocols":["6.0"]`)
	plugintest.GoldenJSON(t, "provider-versions.json", r.Bytes)
	r = get(h, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS")
	want(t, r, 200, sha256hex(zl)+"  terraform-provider-demo_1.0.0_linux_amd64.zip\n")
	plugintest.Golden(t, "SHA256SUMS", r.Bytes)

	r = get(h, "/-/mirror/example.com/tf/demo/index.json")
	want(t, r, 200, `"2.0.0":{}`)
	plugintest.GoldenJSON(t, "mirror-index.json", r.Bytes)
	r = get(h, "/-/mirror/example.com/tf/demo/1.0.0.json")
	want(t, r, 200, `"zh:`+sha256hex(zl)+`"`)
	plugintest.GoldenJSON(t, "mirror-version.json", r.Bytes)

	t.Run("republish is a conflict", func(t *testing.T) {
		want(t, put(h, "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip", "", providerZipBytes(t, "demo", "1.0.0")), 409, "already exists")
	})
	t.Run("unknown is 404", func(t *testing.T) {
		want(t, get(h, "/nope/versions"), 404, "not found")
		want(t, get(h, "/demo/3.0.0/download/linux/amd64"), 404, "no package")
		want(t, get(h, "/demo/1.0.0/download/linux/arm"), 404, "no package")
		want(t, get(h, "/-/providers/demo/3.0.0/terraform-provider-demo_3.0.0_SHA256SUMS"), 404, "not found")
		want(t, get(h, "/-/providers/demo/1.0.0/other"), 404, "not found")
		want(t, get(h, "/-/mirror/h/ns/nope/index.json"), 404, "not found")
		want(t, get(h, "/-/mirror/h/ns/demo/9.0.0.json"), 404, "not found")
		want(t, get(h, "/-/mirror/h/ns/demo/latest"), 404, "not found")
	})
}

func TestProviderRefusals(t *testing.T) {
	h := newHost()
	ok := providerZipBytes(t, "demo", "1.0.0")
	const p = "/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip"
	cases := []struct {
		name, path, query string
		body              []byte
		msg               string
	}{
		{"no body", p, "", nil, "no provider package"},
		{"bad type", "/-/providers/Demo/1.0.0/terraform-provider-Demo_1.0.0_linux_amd64.zip", "", ok, "invalid provider type"},
		{"bad version", "/-/providers/demo/1.0/terraform-provider-demo_1.0_linux_amd64.zip", "", ok, "invalid provider version"},
		{"name mismatch", "/-/providers/demo/1.0.0/terraform-provider-demo_2.0.0_linux_amd64.zip", "", ok, "does not match"},
		{"bad protocols", p, "protocols=five", ok, "invalid protocol version"},
		{"not zip", p, "", []byte("not a zip"), "invalid provider package"},
		{"truncated", p, "", ok[:len(ok)-30], "invalid provider package"},
		{"no executable", p, "", zipOf(t, map[string]string{"README": "x"}, "README"), "no terraform-provider-demo executable"},
		{"traversal", p, "", zipOf(t, map[string]string{"terraform-provider-demo": "x", "../../x": "y"}, "terraform-provider-demo", "../../x"), "unsafe entry name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, put(h, c.path, c.query, c.body), 400, c.msg)
			if len(h.Files) != 0 || len(h.Versions) != 0 {
				t.Fatalf("something was stored: %v", h.Files)
			}
		})
	}
}

func TestMergeAndClassify(t *testing.T) {
	a := []byte(`{"modules":[{"versions":[{"version":"1.0.0"},{"version":"2.0.0"}]}]}`)
	b := []byte(`{"modules":[{"versions":[{"version":"1.5.0"},{"version":"2.0.0"}]}]}`)
	out, err := Plugin{}.Merge(nil, "/net/aws/versions", [][]byte{a, b})
	if err != nil || string(out) != `{"modules":[{"versions":[{"version":"1.0.0"},{"version":"1.5.0"},{"version":"2.0.0"}]}]}` {
		t.Fatalf("modules merge: %s %v", out, err)
	}
	pa := []byte(`{"versions":[{"version":"2.0.0","protocols":["6.0"],"platforms":[]}]}`)
	pb := []byte(`{"versions":[{"version":"1.0.0","protocols":["5.0"],"platforms":[]},{"version":"2.0.0","protocols":["5.0"],"platforms":[]}]}`)
	out, err = Plugin{}.Merge(nil, "/demo/versions", [][]byte{pa, pb})
	var pv struct {
		Versions []struct {
			Version   string
			Protocols []string
		}
	}
	if err != nil || json.Unmarshal(out, &pv) != nil || len(pv.Versions) != 2 || pv.Versions[0].Version != "1.0.0" || pv.Versions[1].Protocols[0] != "6.0" {
		t.Fatalf("providers merge: %s %v", out, err)
	}
	out, err = Plugin{}.Merge(nil, "/-/mirror/h/ns/demo/index.json", [][]byte{[]byte(`{"versions":{"1.0.0":{}}}`), []byte(`{"versions":{"2.0.0":{}}}`)})
	if err != nil || string(out) != `{"versions":{"1.0.0":{},"2.0.0":{}}}` {
		t.Fatalf("mirror merge: %s %v", out, err)
	}
	if out, err := (Plugin{}).Merge(nil, "/demo/1.0.0/download/linux/amd64", [][]byte{[]byte("first"), []byte("second")}); err != nil || string(out) != "first" {
		t.Fatalf("first member's document: %s %v", out, err)
	}
	if _, err := (Plugin{}).Merge(nil, "/net/aws/versions", [][]byte{[]byte("{")}); err == nil {
		t.Fatal("a broken member document merged")
	}
	for p, c := range map[string]sdk.CacheClass{
		"/-/modules/net/aws/1.0.0/net-aws-1.0.0.tar.gz":                         sdk.Immutable,
		"/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_linux_amd64.zip": sdk.Immutable,
		"/net/aws/1.0.0/download":                                               sdk.Immutable,
		"/net/aws/versions":                                                     sdk.Mutable,
		"/demo/1.0.0/download/linux/amd64":                                      sdk.Mutable,
		"/-/providers/demo/1.0.0/terraform-provider-demo_1.0.0_SHA256SUMS.sig":  sdk.Mutable,
		"/-/mirror/h/ns/demo/index.json":                                        sdk.Mutable,
	} {
		if got := (Plugin{}).Classify(p); got != c {
			t.Errorf("classify %s = %v, want %v", p, got, c)
		}
	}
}
