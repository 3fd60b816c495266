package cocoapods_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/cocoapods"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/cocoapods/pods"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	return &env{t: t, h: fakehost.New(&sdk.RepoContext{Key: "pods", Kind: "local", Format: "cocoapods", BaseURL: base})}
}

func (e *env) do(user, method, path string, body []byte, ct string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, Repo: e.h.RepoCtx, User: user}
	if ct != "" {
		req.Headers = append(req.Headers, sdk.Header{Name: "Content-Type", Value: ct})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(cocoapods.Plugin{}, e.h, req)
}

func (e *env) push(spec string, archive []byte) *sdk.Response {
	e.t.Helper()
	body, ct := pushBody(spec, archive)
	return e.do("alice", "POST", "/pods", body, ct)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

// shard is the A_B_C of name as cdn_source.rb computes it
// (Digest::MD5.hexdigest(name)[0, 3] split by prefix_lengths [1, 1, 1]).
func shard(name string) string {
	s := md5.Sum([]byte(name))
	x := hex.EncodeToString(s[:])
	return x[0:1] + "_" + x[1:2] + "_" + x[2:3]
}

// TestPushThenInstall pushes pods, then reads the source as `pod install`
// does through cocoapods-core's CDNSource: CocoaPods-version.yml, the
// pod's shard, its podspec, and the archive the podspec's source names.
func TestPushThenInstall(t *testing.T) {
	e := newEnv(t)
	a1, a2 := podArchive("Alamofire", "1"), tgzOf(map[string]string{"Sources/x.swift": "x"})
	e.want(e.push(podspecOf("Alamofire", "5.8.0"), a1), 201, `"podspec_url":"`+base+`/Specs/`)
	e.want(e.push(podspecOf("Alamofire", "5.9.0"), a2), 201, `"archive_url":"`+base+`/pods/Alamofire/5.9.0/Alamofire-5.9.0.tar.gz"`)
	e.want(e.push(podspecOf("Kingfisher", "7.0.0"), podArchive("Kingfisher", "k")), 201, "")

	r := e.do("", "GET", "/CocoaPods-version.yml", nil, "")
	e.want(r, 200, "prefix_lengths:\n- 1\n- 1\n- 1\n")
	plugintest.Golden(t, "golden/CocoaPods-version.yml", r.Bytes)
	r = e.do("", "GET", "/all_pods.txt", nil, "")
	e.want(r, 200, "Alamofire\nKingfisher\n")
	r = e.do("", "GET", "/all_pods_versions_"+shard("Alamofire")+".txt", nil, "")
	e.want(r, 200, "Alamofire/5.8.0/5.9.0\n")
	plugintest.Golden(t, "golden/all_pods_versions.txt", r.Bytes)
	e.want(e.do("", "GET", "/deprecated_podspecs.txt", nil, ""), 200, "")

	s := strings.Split(shard("Alamofire"), "_")
	path := "Specs/" + strings.Join(s, "/") + "/Alamofire/5.8.0/Alamofire.podspec.json"
	f, ok := e.h.Files[path]
	if !ok {
		t.Fatalf("no podspec at %s: %v", path, e.h.Files)
	}
	spec := e.h.Blobs[f.BlobDigest]
	plugintest.GoldenJSON(t, "golden/podspec.json", spec)
	var doc struct {
		Name, Version string
		Source        struct{ HTTP, Type, SHA256 string }
		Platforms     map[string]string
	}
	if err := json.Unmarshal(spec, &doc); err != nil || doc.Name != "Alamofire" || doc.Platforms["ios"] != "12.0" || doc.Source.Type != "zip" {
		t.Fatalf("podspec %v %s", err, spec)
	}
	sum := sha256.Sum256(a1)
	arch := e.h.Files[strings.TrimPrefix(doc.Source.HTTP, base+"/")]
	if doc.Source.SHA256 != hex.EncodeToString(sum[:]) || string(e.h.Blobs[arch.BlobDigest]) != string(a1) {
		t.Fatalf("source %+v", doc.Source)
	}
	e.want(e.do("", "GET", "/all_pods_versions_f_f_f.txt", nil, ""), 200, "")
	if r := e.do("", "GET", "/"+path, nil, ""); r.Status != 200 || r.Kind != sdk.BodyServePath || r.Target != path {
		t.Fatalf("podspec through the plugin: %d %s", r.Status, r.Target)
	}
}
