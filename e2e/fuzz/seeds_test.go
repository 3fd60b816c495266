package fuzz

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"os"
	"path/filepath"
	"testing"
)

// request is one HTTP request of the corpus or a mutation of one.
type request struct {
	method string
	path   string // escaped path and query, from the server root
	header [][2]string
	body   []byte
	// basic sends the format clients' Basic credentials instead of the
	// admin's bearer token.
	basic bool
}

func (r request) clone() request {
	c := r
	c.header = append([][2]string(nil), r.header...)
	c.body = bytes.Clone(r.body)
	return c
}

func (r *request) set(name, value string) {
	for i, h := range r.header {
		if h[0] == name {
			r.header[i][1] = value
			return
		}
	}
	r.header = append(r.header, [2]string{name, value})
}

// repositories the harness creates: key → format.
var repositories = [][2]string{
	{"gen", "generic"}, {"npmr", "npm"}, {"pyr", "pypi"}, {"mvn", "maven"},
	{"gor", "go"}, {"crates", "cargo"}, {"charts", "helm"}, {"oci", "oci"},
}

func testdata(t testing.TB, plugin, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "plugins", plugin, "testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// seeds are valid requests for every mount and API route, built from what
// real clients sent (the plugins' testdata).
func seeds(t testing.TB) []request {
	t.Helper()
	put := func(path string, body []byte, hdr ...[2]string) request {
		return request{method: "PUT", path: path, body: body, header: hdr, basic: true}
	}
	get := func(path string, hdr ...[2]string) request {
		return request{method: "GET", path: path, header: hdr, basic: true}
	}
	ct := func(v string) [2]string { return [2]string{"Content-Type", v} }
	var out []request

	// generic
	g := []byte("generic payload\n")
	out = append(out,
		put("/generic/gen/dir/a.txt", g, [2]string{"X-Checksum-Sha256", sha256Hex(g)}, ct("text/plain")),
		get("/generic/gen/dir/a.txt", [2]string{"Range", "bytes=2-5"}),
		get("/generic/gen/dir/", [2]string{"Accept", "application/json"}),
		request{method: "HEAD", path: "/generic/gen/dir/a.txt", basic: true, header: [][2]string{{"If-None-Match", `"x"`}}},
		request{method: "DELETE", path: "/generic/gen/dir/zzz.txt", basic: true},
	)

	// npm
	out = append(out,
		put("/npm/npmr/hello-keeper", testdata(t, "npm", "publish-hello.json"), ct("application/json")),
		put("/npm/npmr/@kp%2futil", testdata(t, "npm", "publish-scoped.json"), ct("application/json")),
		get("/npm/npmr/hello-keeper"),
		get("/npm/npmr/hello-keeper/-/hello-keeper-1.0.0.tgz"),
		put("/npm/npmr/-/package/hello-keeper/dist-tags/beta", []byte(`"1.0.0"`), ct("application/json")),
		get("/npm/npmr/-/v1/search?text=hello&size=5"),
	)

	// pypi: the multipart bodies twine sent
	for _, name := range []string{"keeper_demo-1.0.0-py3-none-any.whl", "keeper_demo-1.0.0.tar.gz"} {
		out = append(out, request{method: "POST", path: "/pypi/pyr/", basic: true,
			body:   testdata(t, "pypi", "uploads/"+name+".body"),
			header: [][2]string{ct(string(testdata(t, "pypi", "uploads/"+name+".content-type")))}})
	}
	out = append(out, get("/pypi/pyr/simple/"), get("/pypi/pyr/simple/keeper-demo/", [2]string{"Accept", "application/vnd.pypi.simple.v1+json"}))

	// maven
	const snap = "org/example/keeper/lib-snap/1.1-SNAPSHOT/"
	out = append(out,
		put("/maven/mvn/"+snap+"lib-snap-1.1-20261130.030326-1.pom", testdata(t, "maven", "repo/"+snap+"lib-snap-1.1-20261130.030326-1.pom")),
		put("/maven/mvn/org/example/keeper/lib/1.0/lib-1.0.jar", jar(t)),
		get("/maven/mvn/org/example/keeper/lib-snap/maven-metadata.xml"),
		get("/maven/mvn/"+snap+"maven-metadata.xml"),
	)

	// go modules
	out = append(out,
		put("/go/gor/example.com/!lib/hello/@v/v1.0.0.zip?time=2025-01-02T03:04:05Z", testdata(t, "gomod", "hello-v1.0.0.zip")),
		put("/go/gor/example.com/!lib/hello/v2/@v/v2.0.0.zip", testdata(t, "gomod", "hello-v2.0.0.zip")),
		get("/go/gor/example.com/!lib/hello/@v/list"),
		get("/go/gor/example.com/!lib/hello/@v/v1.0.0.info"),
		get("/go/gor/example.com/!lib/hello/@latest"),
	)

	// cargo: the publish frames cargo sent
	out = append(out,
		put("/cargo/crates/api/v1/crates/new", testdata(t, "cargo", "publish/demo-lib-0.1.0.bin")),
		put("/cargo/crates/api/v1/crates/new", testdata(t, "cargo", "publish/demo_util-1.0.0-beta.1.bin")),
		get("/cargo/crates/config.json"),
		get("/cargo/crates/de/mo/demo-lib"),
		get("/cargo/crates/api/v1/crates?q=demo"),
	)

	// helm
	chart := testdata(t, "helm", "keeper-demo-0.1.0.tgz")
	form, formType := multipartFile(t, "chart", "keeper-demo-0.1.0.tgz", chart)
	out = append(out,
		request{method: "POST", path: "/helm/charts/api/charts", body: form, header: [][2]string{ct(formType)}, basic: true},
		put("/helm/charts/charts/keeper-demo-0.1.0.tgz", chart, ct("application/gzip")),
		get("/helm/charts/index.yaml"),
		get("/helm/charts/api/charts/keeper-demo"),
	)

	// OCI: blobs, then the manifest crane pushed
	manifest := testdata(t, "oci", "crane-oci-manifest.json")
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	out = append(out,
		request{method: "POST", path: "/v2/oci/app/blobs/uploads/?digest=sha256:" + sha256Hex(cfg), body: cfg, basic: true,
			header: [][2]string{ct("application/octet-stream")}},
		request{method: "POST", path: "/v2/oci/app/blobs/uploads/", basic: true},
		put("/v2/oci/app/manifests/1", ociManifest(cfg), ct("application/vnd.oci.image.manifest.v1+json")),
		put("/v2/oci/fx/manifests/1", manifest, ct("application/vnd.oci.image.manifest.v1+json")),
		get("/v2/oci/app/manifests/1", [2]string{"Accept", "application/vnd.oci.image.manifest.v1+json"}),
		get("/v2/oci/app/tags/list?n=10&last=a"),
		get("/v2/_catalog?n=5"),
		get("/v2/oci/app/blobs/sha256:"+sha256Hex(cfg), [2]string{"Range", "bytes=0-3"}),
		get("/v2/token?service=keeper&scope=repository:oci/app:pull,push"),
	)

	// REST API (the admin's bearer token). Routes that could lock the admin
	// out (password, policy, session revocation) are left to their own tests.
	art := []byte("api artifact")
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	api := func(method, path string, body []byte, hdr ...[2]string) request {
		return request{method: method, path: "/api/v1" + path, body: body, header: hdr}
	}
	out = append(out,
		api("GET", "/repositories?limit=5", nil),
		api("GET", "/repositories/gen", nil),
		api("POST", "/repositories", js(map[string]any{"key": "scratch", "format": "generic", "repo_type": "local"}), ct("application/json")),
		api("PATCH", "/repositories/scratch", js(map[string]any{"description": "d"}), ct("application/json")),
		api("PUT", "/repositories/gen/artifacts/api/a.bin", art, [2]string{"X-Checksum-Sha256", sha256Hex(art)}),
		api("GET", "/repositories/gen/artifacts?prefix=api/&limit=10", nil),
		api("GET", "/repositories/gen/artifacts/api/a.bin", nil),
		api("GET", "/repositories/gen/download/api/a.bin", nil, [2]string{"Range", "bytes=1-3"}),
		api("HEAD", "/repositories/gen/download/api/a.bin", nil),
		api("GET", "/repositories/gen/members", nil),
		api("POST", "/uploads", js(map[string]any{"repository_key": "gen", "path": "up/big.bin", "total_size": 10}), ct("application/json")),
		api("GET", "/users/me", nil),
		api("GET", "/users/me/tokens", nil),
		api("POST", "/users/me/tokens", js(map[string]any{"name": "fz", "scopes": []string{"read"}}), ct("application/json")),
		api("GET", "/formats", nil),
		api("GET", "/admin/audit?actor=admin&limit=5", nil),
		api("POST", "/auth/login", js(map[string]string{"username": "nobody", "password": "wrong"}), ct("application/json")),
		api("GET", "/openapi.json", nil),
		api("GET", "/who", nil),
		api("GET", "/groups", nil),
		api("GET", "/users?limit=5", nil),
	)
	return out
}

// jar is a small valid jar (a zip with a manifest).
func jar(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	fmt.Fprint(w, "Manifest-Version: 1.0\r\n\r\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func multipartFile(t testing.TB, field, name string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// ociManifest names cfg as config and layer.
func ociManifest(cfg []byte) []byte {
	d := "sha256:" + sha256Hex(cfg)
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": len(cfg)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": len(cfg)}}})
	return b
}
