package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestConanRemoteAndVirtual replays the Conan 2 client's requests (as
// TestConanReplay does: conans/client/rest/rest_client_v2.py of
// https://github.com/conan-io/conan) through a remote Conan repository whose
// upstream is a private Conan repository of a second Keeper (behind a proxy
// that counts the requests), and through a virtual repository of a local
// member and that remote: every file matches what was uploaded, the
// revisions and searches are the union, and `conan remote login` against
// the remote or the virtual never reaches the upstream, although the
// remote holds upstream credentials (contract 0.4.0, cache-class local).
func TestConanRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "cpp", Format: "conan"})
	upC := &conanClient{t: t, k: up, base: "/conan/cpp", token: up.APIToken("conan", "read:artifacts", "write:artifacts")}

	type pkgFiles struct {
		ref, rdir, pdir, rrev, pkgid string
		recipe, pkg                  map[string][]byte
	}
	build := func(name string) pkgFiles {
		conanfile := []byte("from conan import ConanFile\n\n\nclass P(ConanFile):\n    name = \"" + name + "\"\n    version = \"1.0\"\n")
		header := "#pragma once // " + name + "\n"
		rman, rrev := conanManifest(map[string][]byte{"conanfile.py": conanfile, "export_source/include/" + name + ".h": []byte(header)})
		info := []byte("[settings]\n    os=Linux\n")
		pman, prev := conanManifest(map[string][]byte{"conaninfo.txt": info, "include/" + name + ".h": []byte(header)})
		f := pkgFiles{ref: "/v2/conans/" + name + "/1.0/_/_", rrev: rrev, pkgid: "3d9ab1bd0dbdc1ba1f8ff5bbfeaf0e1bb1c1ba46",
			recipe: map[string][]byte{"conanfile.py": conanfile, "conanmanifest.txt": []byte(rman), "conan_export.tgz": conanTgz(nil),
				"conan_sources.tgz": conanTgz(map[string]string{"include/" + name + ".h": header})},
			pkg: map[string][]byte{"conaninfo.txt": info, "conanmanifest.txt": []byte(pman),
				"conan_package.tgz": conanTgz(map[string]string{"include/" + name + ".h": header})}}
		f.rdir = f.ref + "/revisions/" + rrev + "/files/"
		f.pdir = f.ref + "/revisions/" + rrev + "/packages/" + f.pkgid + "/revisions/" + prev + "/files/"
		return f
	}
	hello := build("hello")
	upC.putAll(hello.rdir, hello.recipe)
	upC.putAll(hello.pdir, hello.pkg)

	// The upstream as the remote sees it: a proxy counting every request.
	var mu sync.Mutex
	var seen []string
	target, _ := url.Parse(up.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	counter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(counter.Close)

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "proxy", Format: "conan", Type: "remote", UpstreamURL: counter.URL + "/conan/cpp",
		Config: map[string]string{"upstream_username": "admin", "upstream_password": harness.AdminPassword}})
	px.CreateRepo(harness.Repo{Key: "cpp", Format: "conan"})
	world := build("world")
	(&conanClient{t: t, k: px, base: "/conan/cpp", token: px.APIToken("conan")}).putAll(world.rdir, world.recipe)
	px.CreateRepo(harness.Repo{Key: "all", Format: "conan", Type: "virtual",
		Members: []map[string]any{{"repo_key": "cpp", "priority": 1}, {"repo_key": "proxy", "priority": 2}}})

	// `conan remote login` against the remote and the virtual: Keeper's own
	// token for Keeper's user, and nothing goes upstream.
	login := func(repo string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, px.URL+"/conan/"+repo+"/v2/users/authenticate", nil)
		req.SetBasicAuth("admin", harness.AdminPassword)
		r, err := px.Do(req)
		if err != nil || r.Status != 200 || len(r.Body) < 20 {
			t.Fatalf("authenticate on %s: %v %s", repo, err, r)
		}
		c := &conanClient{t: t, k: px, base: "/conan/" + repo, token: string(r.Body)}
		if r := c.expect(http.StatusOK, http.MethodGet, "/v2/users/check_credentials", nil); !strings.Contains(string(r.Body), `"admin"`) {
			t.Fatalf("check_credentials on %s: %s", repo, r)
		}
		c.expect(http.StatusOK, http.MethodGet, "/v2/ping", nil)
		return string(r.Body)
	}
	proxyC := &conanClient{t: t, k: px, base: "/conan/proxy", token: login("proxy")}
	allC := &conanClient{t: t, k: px, base: "/conan/all", token: login("all")}

	install := func(c *conanClient, f pkgFiles, withPackage bool) {
		t.Helper()
		var latest struct{ Revision string }
		if err := json.Unmarshal(c.expect(http.StatusOK, http.MethodGet, f.ref+"/latest", nil).Body, &latest); err != nil || latest.Revision != f.rrev {
			t.Fatalf("%s latest: %q %v", c.base+f.ref, latest.Revision, err)
		}
		var files struct{ Files map[string]any }
		_ = json.Unmarshal(c.expect(http.StatusOK, http.MethodGet, f.ref+"/revisions/"+f.rrev+"/files", nil).Body, &files)
		if len(files.Files) != len(f.recipe) {
			t.Fatalf("%s files %v", c.base+f.ref, files.Files)
		}
		for n, want := range f.recipe {
			if got := c.expect(http.StatusOK, http.MethodGet, f.rdir+n, nil).Body; !bytes.Equal(got, want) {
				t.Fatalf("%s%s differs", c.base, f.rdir+n)
			}
		}
		if !withPackage {
			return
		}
		if r := c.expect(http.StatusOK, http.MethodGet, f.ref+"/revisions/"+f.rrev+"/search", nil); !strings.Contains(string(r.Body), f.pkgid) {
			t.Fatalf("%s package search: %s", c.base, r)
		}
		c.expect(http.StatusOK, http.MethodGet, f.ref+"/revisions/"+f.rrev+"/packages/"+f.pkgid+"/latest", nil)
		for n, want := range f.pkg {
			if got := c.expect(http.StatusOK, http.MethodGet, f.pdir+n, nil).Body; !bytes.Equal(got, want) {
				t.Fatalf("%s%s differs", c.base, f.pdir+n)
			}
		}
	}
	install(proxyC, hello, true)
	install(allC, hello, true)
	install(allC, world, false)
	proxyC.expect(http.StatusNotFound, http.MethodGet, world.ref+"/latest", nil)

	if r := allC.expect(http.StatusOK, http.MethodGet, "/v2/conans/search?q=*", nil); !strings.Contains(string(r.Body), `"hello/1.0"`) ||
		!strings.Contains(string(r.Body), `"world/1.0"`) {
		t.Fatalf("virtual search: %s", r)
	}
	if r := proxyC.expect(http.StatusOK, http.MethodGet, "/v2/conans/search?q=hel*", nil); !strings.Contains(string(r.Body), `"hello/1.0"`) {
		t.Fatalf("remote search: %s", r)
	}
	for _, repo := range []string{"proxy", "all"} {
		// Anonymous callers may not read these repositories.
		(&conanClient{t: t, k: px, base: "/conan/" + repo}).expect(http.StatusUnauthorized, http.MethodGet, hello.ref+"/latest", nil)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("the remote never asked its upstream")
	}
	for _, p := range seen {
		if strings.Contains(p, "/users/") || strings.HasSuffix(p, "/ping") {
			t.Fatalf("the upstream was asked for %s", p)
		}
	}
}
