package swift_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/swift"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// The requests below are what SwiftPM's RegistryClient sends
// (Sources/PackageRegistry/RegistryClient.swift of swift-package-manager):
// Accept application/vnd.swift.registry.v1+{json,swift,zip}, and per the
// registry specification (Documentation/PackageRegistry/Registry.md).

const base = "http://k/swift/spm"

const (
	acceptJSON  = "application/vnd.swift.registry.v1+json"
	acceptSwift = "application/vnd.swift.registry.v1+swift"
	acceptZip   = "application/vnd.swift.registry.v1+zip"
)

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "spm", Kind: "local", Format: "swift", BaseURL: base})
	clock := int64(1700000000000)
	h.VersionClock = func() int64 { clock += 60500; return clock }
	return &env{t: t, h: h}
}

func (e *env) do(user, method, path, query, accept string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user}
	if accept != "" {
		req.Headers = append(req.Headers, sdk.Header{Name: "Accept", Value: accept})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(swift.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s %v, want %d containing %q", r.Status, r.Bytes, r.Headers, status, contains)
	}
	if header(r, "Content-Version") != "1" {
		e.t.Fatalf("no Content-Version: 1 on %d: %v", r.Status, r.Headers)
	}
	if status >= 400 && header(r, "Content-Type") != "application/problem+json" {
		e.t.Fatalf("error without problem details: %v", r.Headers)
	}
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// publish replays `swift package-registry publish` (RegistryClient.publish):
// PUT {scope}/{name}/{version}, Expect: 100-continue, Prefer: respond-async.
func (e *env) publish(scope, name, version string, archive []byte, metadata string, sig []byte) *sdk.Response {
	e.t.Helper()
	body, ct := publishBody(archive, metadata, sig)
	hdr := []string{"Content-Type", ct, "Expect", "100-continue", "Prefer", "respond-async"}
	if sig != nil {
		hdr = append(hdr, "X-Swift-Package-Signature-Format", "cms-1.0.0")
	}
	return e.do("alice", "PUT", "/"+scope+"/"+name+"/"+version, "", acceptJSON, body, hdr...)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestPublishThenResolve replays a publish, then what `swift package
// resolve` reads: the releases list, a release's metadata (checksum), its
// manifests, and the archive.
func TestPublishThenResolve(t *testing.T) {
	e := newEnv(t)
	a100, a110, beta := sourceArchive("LinkedList", "1.0.0"), sourceArchive("LinkedList", "1.1.0"), sourceArchive("LinkedList", "beta")
	sig := []byte("\x30\x82\x01\x00fake-cms-signature")
	r := e.publish("mona", "LinkedList", "1.0.0", a100, "", nil)
	e.want(r, 201, "")
	if header(r, "Location") != base+"/mona/LinkedList/1.0.0" {
		t.Fatalf("location %v", r.Headers)
	}
	e.want(e.publish("mona", "LinkedList", "1.1.0", a110, metadataJSON, nil), 201, "")
	e.want(e.publish("mona", "LinkedList", "2.0.0-beta.1", beta, metadataJSON, sig), 201, "")

	r = e.do("", "GET", "/mona/LinkedList", "", acceptJSON, nil)
	e.want(r, 200, `{"releases":{"2.0.0-beta.1":{"url":"`+base+`/mona/LinkedList/2.0.0-beta.1"}`)
	if header(r, "Content-Type") != "application/json" {
		t.Fatalf("type %v", r.Headers)
	}
	wantLink := `<` + base + `/mona/LinkedList/2.0.0-beta.1>; rel="latest-version", <https://github.com/mona/LinkedList>; rel="canonical", <git@github.com:mona/LinkedList.git>; rel="alternate"`
	if header(r, "Link") != wantLink {
		t.Fatalf("link %q", header(r, "Link"))
	}
	plugintest.GoldenJSON(t, "golden/releases.json", r.Bytes)
	e.want(e.do("", "GET", "/MONA/linkedlist.json", "", "", nil), 200, `"1.0.0":{"url":"`+base+`/mona/LinkedList/1.0.0"}`)

	r = e.do("", "GET", "/mona/LinkedList/1.1.0", "", acceptJSON, nil)
	e.want(r, 200, `"checksum":"`+sha(a110)+`"`)
	if l := header(r, "Link"); l != `<`+base+`/mona/LinkedList/2.0.0-beta.1>; rel="latest-version", <`+base+`/mona/LinkedList/2.0.0-beta.1>; rel="successor-version", <`+base+`/mona/LinkedList/1.0.0>; rel="predecessor-version"` {
		t.Fatalf("link %q", l)
	}
	plugintest.GoldenJSON(t, "golden/release.json", r.Bytes)
	r = e.do("", "GET", "/mona/LinkedList/2.0.0-beta.1.json", "", acceptJSON, nil)
	e.want(r, 200, `"signing":{"signatureBase64Encoded":"`+base64.StdEncoding.EncodeToString(sig)+`","signatureFormat":"cms-1.0.0"}`)
	plugintest.GoldenJSON(t, "golden/release-signed.json", r.Bytes)
	var doc struct {
		ID, Version string
		PublishedAt string
		Metadata    map[string]any
	}
	if err := json.Unmarshal(r.Bytes, &doc); err != nil || doc.ID != "mona.LinkedList" || doc.PublishedAt == "" || doc.Metadata["description"] == nil {
		t.Fatalf("release doc %v %s", err, r.Bytes)
	}

	r = e.do("", "GET", "/mona/LinkedList/1.1.0/Package.swift", "", acceptSwift, nil)
	e.want(r, 200, "// swift-tools-version:5.7")
	if header(r, "Content-Type") != "text/x-swift" || header(r, "Link") != `<`+base+`/mona/LinkedList/1.1.0/Package.swift?swift-version=5.8>; rel="alternate"; filename="Package@swift-5.8.swift"; swift-tools-version="5.8"` ||
		header(r, "Content-Disposition") != `attachment; filename="Package.swift"` {
		t.Fatalf("manifest headers %v", r.Headers)
	}
	plugintest.Golden(t, "golden/Package.swift", r.Bytes)
	r = e.do("", "GET", "/mona/LinkedList/1.1.0/Package.swift", "swift-version=5.8", acceptSwift, nil)
	e.want(r, 200, "// swift-tools-version:5.8")
	r = e.do("", "GET", "/mona/LinkedList/1.1.0/Package.swift", "swift-version=6.0", acceptSwift, nil)
	if r.Status != 303 || header(r, "Location") != base+"/mona/LinkedList/1.1.0/Package.swift" {
		t.Fatalf("no versioned manifest: %d %v", r.Status, r.Headers)
	}

	// The archive is stored at its download path with the §4.4 headers
	// (the host answers it); another spelling reaches the plugin.
	f := e.h.Files["mona/linkedlist/1.0.0.zip"]
	raw := sha256.Sum256(a100)
	if string(e.h.Blobs[f.BlobDigest]) != string(a100) || !strings.Contains(string(f.Metadata), `["Digest","sha-256=`+base64.StdEncoding.EncodeToString(raw[:])+`"]`) ||
		!strings.Contains(string(f.Metadata), `["Content-Version","1"]`) {
		t.Fatalf("stored archive %+v", f)
	}
	r = e.do("", "GET", "/mona/LinkedList/1.0.0.zip", "", acceptZip, nil)
	if r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != "mona/linkedlist/1.0.0.zip" || header(r, "Digest") == "" ||
		header(r, "Content-Disposition") != `attachment; filename="LinkedList-1.0.0.zip"` {
		t.Fatalf("archive %d %v %s", r.Status, r.Headers, r.Target)
	}
	r = e.do("", "GET", "/mona/LinkedList/2.0.0-beta.1.zip", "", acceptZip, nil)
	if r.Status != 200 || r.Target != "mona/linkedlist/2.0.0-beta.1/source-archive.zip" || header(r, "X-Swift-Package-Signature-Format") != "cms-1.0.0" ||
		header(r, "X-Swift-Package-Signature") != base64.StdEncoding.EncodeToString(sig) {
		t.Fatalf("signed archive %d %v %s", r.Status, r.Headers, r.Target)
	}

	for _, u := range []string{"https://github.com/mona/LinkedList", "https://GitHub.com/mona/linkedlist.git", "ssh://git@github.com:mona/LinkedList.git", "git@github.com:mona/LinkedList"} {
		e.want(e.do("", "GET", "/identifiers", "url="+u, acceptJSON, nil), 200, `{"identifiers":["mona.LinkedList"]}`)
	}
	e.want(e.do("", "GET", "/identifiers", "url=https://github.com/other/x", acceptJSON, nil), 404, "no package is registered")
	e.want(e.do("", "GET", "/identifiers", "", acceptJSON, nil), 400, "url query parameter is required")
	login := e.do("alice", "POST", "/login", "", "", nil)
	if login.Status != 200 {
		t.Fatalf("login %d", login.Status)
	}
}

// TestPagination: past one page the list links first/prev/next/last.
func TestPagination(t *testing.T) {
	old := swift.SetPageSize(2)
	defer swift.SetPageSize(old)
	e := newEnv(t)
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0", "3.0.0"} {
		e.want(e.publish("mona", "HashMap", v, sourceArchive("HashMap", v), "", nil), 201, "")
	}
	r := e.do("", "GET", "/mona/HashMap", "page=2", acceptJSON, nil)
	e.want(r, 200, `{"releases":{"1.2.0":{"url":"`+base+`/mona/HashMap/1.2.0"},"1.1.0":`)
	l := base + "/mona/HashMap"
	if header(r, "Link") != `<`+l+`/3.0.0>; rel="latest-version", <`+l+`?page=1>; rel="first", <`+l+`?page=1>; rel="prev", <`+l+`?page=3>; rel="next", <`+l+`?page=3>; rel="last"` {
		t.Fatalf("link %q", header(r, "Link"))
	}
	e.want(e.do("", "GET", "/mona/HashMap", "page=4", acceptJSON, nil), 404, "no page 4")
}
