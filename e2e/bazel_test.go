package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// Bazel is not installable here, so these tests replay against a real
// Keeper what Bazel's clients send: the Bzlmod registry client
// (https://bazel.build/external/registry: MODULE.bazel and source.json of
// a version, metadata.json, then the archive at source.json's url, checked
// against its SRI integrity) and the HTTP remote cache client
// (https://bazel.build/remote/caching#http-caching: GET/HEAD/PUT of
// /ac/SHA256 and /cas/SHA256, a miss is 404).

// bazelArchive is a module source archive with one top directory, as
// `git archive --prefix=NAME-VERSION/` makes it.
func bazelArchive(name, version string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	dir := name + "-" + version + "/"
	for _, f := range [][2]string{
		{dir + "BUILD.bazel", "cc_library(name = \"" + name + "\")\n"},
		{dir + "MODULE.bazel", "module(\n    name = \"" + name + "\",\n    version = \"" + version + "\",\n)\n"},
	} {
		_ = tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(f[1]))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func bazelPublish(t *testing.T, k *harness.Keeper, repoURL, token, name, version string, archive []byte) *harness.Response {
	t.Helper()
	return hfCall(t, k, token, http.MethodPut, repoURL+"/modules/"+name+"/"+version+"/archive", archive)
}

// bazelFetch replays Bazel's registry client for name@version and returns
// the archive it downloads after checking it against source.json.
func bazelFetch(t *testing.T, k *harness.Keeper, repoURL, token, name, version string) []byte {
	t.Helper()
	mod := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/"+name+"/"+version+"/MODULE.bazel", nil)
	if mod.Status != 200 || !strings.Contains(string(mod.Body), `version = "`+version+`"`) {
		t.Fatalf("MODULE.bazel: %s", mod)
	}
	r := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/"+name+"/"+version+"/source.json", nil)
	var src struct {
		URL, Integrity string
		StripPrefix    string `json:"strip_prefix"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &src) != nil {
		t.Fatalf("source.json: %s", r)
	}
	if !strings.HasPrefix(src.URL, repoURL+"/") || src.StripPrefix != name+"-"+version {
		t.Fatalf("source.json: url %s, strip_prefix %s", src.URL, src.StripPrefix)
	}
	a := hfCall(t, k, token, http.MethodGet, src.URL, nil)
	sum := sha256.Sum256(a.Body)
	if a.Status != 200 || src.Integrity != "sha256-"+base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("archive %s does not match integrity %s", a, src.Integrity)
	}
	return a.Body
}

func TestBazelReplay(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "bzl", Format: "bazel"})
		token := k.APIToken("bazel")
		repoURL := k.URL + "/bazel/bzl"
		v1, v2 := bazelArchive("demo", "1.0.0"), bazelArchive("demo", "1.1.0")
		if r := bazelPublish(t, k, repoURL, "", "demo", "1.0.0", v1); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous publish: %s", r)
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "demo-1.0.0.tar.gz"), v1)
		env := clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"), "REPO=bzl", "T="+token, "NAME=demo", "VERSION=1.0.0")
		runSnippet(t, "bazel-publish", dir, env)
		if r := bazelPublish(t, k, repoURL, token, "demo", "1.1.0", v2); r.Status != http.StatusCreated {
			t.Fatalf("publish: %s", r)
		}
		if r := bazelPublish(t, k, repoURL, token, "demo", "1.0.0", v1); r.Status != http.StatusConflict {
			t.Fatalf("republish: %s", r)
		}
		if r := bazelPublish(t, k, repoURL, token, "demo", "2.0.0", v1); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "declares demo@1.0.0") {
			t.Fatalf("forged version: %s", r)
		}
		if r := bazelPublish(t, k, repoURL, token, "demo", "2.0.0", v1[:len(v1)/2]); r.Status != http.StatusBadRequest {
			t.Fatalf("truncated: %s", r)
		}
		if got := bazelFetch(t, k, repoURL, token, "demo", "1.0.0"); !bytes.Equal(got, v1) {
			t.Fatal("1.0.0 archive differs")
		}
		if got := bazelFetch(t, k, repoURL, token, "demo", "1.1.0"); !bytes.Equal(got, v2) {
			t.Fatal("1.1.0 archive differs")
		}
		// source.json is stored at publish and served by the host as a
		// stored file (Range, Last-Modified), as a rendered document is not.
		if r := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/demo/1.1.0/source.json", nil, "Range", "bytes=0-0"); r.Status != http.StatusPartialContent ||
			string(r.Body) != "{" || r.Header.Get("Last-Modified") == "" {
			t.Fatalf("source.json is not served as a stored file: %d %v %q", r.Status, r.Header, r.Body)
		}
		md := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/demo/metadata.json", nil)
		if md.Status != 200 || !strings.Contains(string(md.Body), `"1.1.0"`) {
			t.Fatalf("metadata.json: %s", md)
		}
		if r := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/demo/metadata.json", nil, "Range", "bytes=0-0"); r.Header.Get("Last-Modified") != "" {
			t.Fatalf("a rendered document answered as a stored file: %d %v", r.Status, r.Header)
		}
		out := runSnippet(t, "bazel-consume", dir, env)
		if !strings.Contains(out, `"integrity": "sha256-`) || !strings.Contains(out, `name = "demo"`) {
			t.Fatalf("README block: %s", out)
		}
		if r := hfCall(t, k, token, http.MethodGet, repoURL+"/modules/nope/1.0.0/source.json", nil); r.Status != http.StatusNotFound {
			t.Fatalf("unknown module: %s", r)
		}

		// The remote cache, as Bazel's HTTP cache client uses it.
		blob := []byte("an action output")
		s := sha256.Sum256(blob)
		cas := repoURL + "/cas/" + hex.EncodeToString(s[:])
		ac := repoURL + "/ac/" + strings.Repeat("1", 64)
		if r := hfCall(t, k, token, http.MethodHead, cas, nil); r.Status != http.StatusNotFound {
			t.Fatalf("HEAD miss: %s", r)
		}
		if r := hfCall(t, k, "", http.MethodPut, cas, blob); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous cache PUT: %s", r)
		}
		if r := hfCall(t, k, token, http.MethodPut, repoURL+"/cas/"+strings.Repeat("f", 64), blob); r.Status != http.StatusBadRequest {
			t.Fatalf("CAS digest mismatch: %s", r)
		}
		for _, put := range []struct {
			url  string
			body []byte
		}{{cas, blob}, {cas, blob}, {ac, []byte("result-1")}, {ac, []byte("result-2")}} {
			if r := hfCall(t, k, token, http.MethodPut, put.url, put.body); r.Status != 200 {
				t.Fatalf("PUT %s: %s", put.url, r)
			}
		}
		if r := hfCall(t, k, token, http.MethodGet, cas, nil); r.Status != 200 || !bytes.Equal(r.Body, blob) {
			t.Fatalf("GET cas: %s", r)
		}
		if r := hfCall(t, k, token, http.MethodGet, ac, nil); r.Status != 200 || string(r.Body) != "result-2" {
			t.Fatalf("GET ac: %s", r)
		}
	})
}

// TestBazelRemoteAndVirtual: Bazel's registry reads through a remote
// repository (a mirrored registry) whose upstream is a private repository
// of a second Keeper, and through a virtual repository of a local member
// and that remote (metadata.json joins the versions, source.json points
// under the virtual). The remote cache is not proxied: the remote answers
// /cas/ itself.
func TestBazelRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "bzl", Format: "bazel"})
	upToken := up.APIToken("bzl", "read:artifacts", "write:artifacts")
	remoteOnly := bazelArchive("demo", "2.0.0")
	if r := bazelPublish(t, up, up.URL+"/bazel/bzl", upToken, "demo", "2.0.0", remoteOnly); r.Status != 201 {
		t.Fatalf("publish upstream: %s", r)
	}
	blob := []byte("cached upstream only")
	s := sha256.Sum256(blob)
	key := hex.EncodeToString(s[:])
	if r := hfCall(t, up, upToken, http.MethodPut, up.URL+"/bazel/bzl/cas/"+key, blob); r.Status != 200 {
		t.Fatalf("upstream cas: %s", r)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "bazel", Type: "remote", Public: true, UpstreamURL: up.URL + "/bazel/bzl",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	px.CreateRepo(harness.Repo{Key: "bzl", Format: "bazel", Public: true})
	localOnly := bazelArchive("demo", "1.0.0")
	if r := bazelPublish(t, px, px.URL+"/bazel/bzl", px.APIToken("bzl"), "demo", "1.0.0", localOnly); r.Status != 201 {
		t.Fatalf("publish local: %s", r)
	}
	px.CreateRepo(harness.Repo{Key: "all", Format: "bazel", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "bzl", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	if got := bazelFetch(t, px, px.URL+"/bazel/proxy", "", "demo", "2.0.0"); !bytes.Equal(got, remoteOnly) {
		t.Fatal("through the remote")
	}
	if got := bazelFetch(t, px, px.URL+"/bazel/all", "", "demo", "2.0.0"); !bytes.Equal(got, remoteOnly) {
		t.Fatal("through the virtual (remote member)")
	}
	if got := bazelFetch(t, px, px.URL+"/bazel/all", "", "demo", "1.0.0"); !bytes.Equal(got, localOnly) {
		t.Fatal("through the virtual (local member)")
	}
	md := hfCall(t, px, "", http.MethodGet, px.URL+"/bazel/all/modules/demo/metadata.json", nil)
	if md.Status != 200 || !strings.Contains(string(md.Body), `"1.0.0"`) || !strings.Contains(string(md.Body), `"2.0.0"`) {
		t.Fatalf("virtual metadata.json: %s", md)
	}
	if r := hfCall(t, px, "", http.MethodGet, px.URL+"/bazel/proxy/cas/"+key, nil); r.Status != http.StatusNotFound {
		t.Fatalf("the remote proxied its upstream's cache: %s", r)
	}
}
