package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// No Conan client runs here (it comes from PyPI, which is not reachable), so
// this replays, against a real Keeper, the HTTP exchanges of Conan 2.x
// (conans/client/rest/rest_client_v2.py, file_uploader.py, client_routes.py
// of https://github.com/conan-io/conan): `conan remote login`, `conan
// upload`, `conan install`, `conan list`, `conan remove`. The fixtures are
// built here as the client builds them (tgz archives, FileTreeManifest).

func conanTgz(files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for n, c := range files {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(c))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// conanManifest renders FileTreeManifest.__repr__ and its summary hash (the
// revision of a recipe or package).
func conanManifest(files map[string][]byte) (string, string) {
	var lines []string
	for n, b := range files {
		s := md5.Sum(b)
		lines = append(lines, n+": "+hex.EncodeToString(s[:]))
	}
	sort.Strings(lines)
	body := strings.Join(lines, "\n") + "\n"
	s := md5.Sum([]byte(body))
	return "1717236000\n" + body, hex.EncodeToString(s[:])
}

type conanClient struct {
	t     *testing.T
	k     *harness.Keeper
	base  string
	token string
}

func (c *conanClient) call(method, path string, body []byte, hdr ...string) *harness.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.k.URL+c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header["Authorization"] = []string{""} // none: the harness would add the admin's
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if body != nil {
		s := sha1.Sum(body)
		req.Header.Set("X-Checksum-Sha1", hex.EncodeToString(s[:]))
	}
	r, err := c.k.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *conanClient) expect(want int, method, path string, body []byte) *harness.Response {
	c.t.Helper()
	r := c.call(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// putAll uploads files in name order (the manifest last), as _upload_files.
func (c *conanClient) putAll(dir string, files map[string][]byte) {
	c.t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.expect(http.StatusCreated, http.MethodPut, dir+n, files[n])
	}
}

func TestConanReplay(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "cpp", Format: "conan"})
	anon := &conanClient{t: t, k: k, base: "/conan/cpp"}

	t.Run("ping answers the capabilities without credentials", func(t *testing.T) {
		r := anon.expect(http.StatusOK, http.MethodGet, "/v1/ping", nil)
		if r.Header.Get("X-Conan-Server-Capabilities") != "revisions" {
			t.Fatalf("capabilities %v", r.Header)
		}
	})

	var token string
	t.Run("remote login: Basic to users/authenticate, then Bearer", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, k.URL+"/conan/cpp/v2/users/authenticate", nil)
		req.SetBasicAuth("admin", harness.AdminPassword)
		r, err := k.Do(req)
		if err != nil || r.Status != 200 || len(r.Body) < 20 {
			t.Fatalf("authenticate: %v %s", err, r)
		}
		token = string(r.Body)
		req.SetBasicAuth("admin", "wrong")
		if r, _ := k.Do(req); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %s", r)
		}
		req.SetBasicAuth("anyone", k.APIToken("conan")) // an API token as the password
		if r, _ := k.Do(req); r.Status != http.StatusOK {
			t.Fatalf("API token as password: %s", r)
		}
		c := &conanClient{t: t, k: k, base: "/conan/cpp", token: token}
		if r := c.expect(http.StatusOK, http.MethodGet, "/v2/users/check_credentials", nil); !strings.Contains(string(r.Body), `"admin"`) {
			t.Fatalf("check_credentials: %s", r)
		}
		forced := &conanClient{t: t, k: k, base: "/conan/cpp", token: "unset"}
		forced.expect(http.StatusUnauthorized, http.MethodGet, "/v2/users/check_credentials", nil)
	})
	c := &conanClient{t: t, k: k, base: "/conan/cpp", token: token}

	conanfile := []byte("from conan import ConanFile\n\n\nclass Hello(ConanFile):\n    name = \"hello\"\n    version = \"1.0\"\n")
	header := "#pragma once\n"
	rman, rrev := conanManifest(map[string][]byte{"conanfile.py": conanfile, "export_source/include/hello.h": []byte(header)})
	recipe := map[string][]byte{"conanfile.py": conanfile, "conanmanifest.txt": []byte(rman),
		"conan_export.tgz": conanTgz(nil), "conan_sources.tgz": conanTgz(map[string]string{"include/hello.h": header})}
	info := []byte("[settings]\n    os=Linux\n")
	pman, prev := conanManifest(map[string][]byte{"conaninfo.txt": info, "include/hello.h": []byte(header)})
	pkgid := "3d9ab1bd0dbdc1ba1f8ff5bbfeaf0e1bb1c1ba46"
	pkg := map[string][]byte{"conaninfo.txt": info, "conanmanifest.txt": []byte(pman),
		"conan_package.tgz": conanTgz(map[string]string{"include/hello.h": header})}
	ref := "/v2/conans/hello/1.0/_/_"
	rdir := ref + "/revisions/" + rrev + "/files/"
	pdir := ref + "/revisions/" + rrev + "/packages/" + pkgid + "/revisions/" + prev + "/files/"

	t.Run("anonymous upload is refused with 401", func(t *testing.T) {
		r := anon.call(http.MethodPut, rdir+"conanfile.py", conanfile)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("anonymous PUT: %s", r)
		}
	})
	t.Run("upload", func(t *testing.T) {
		c.expect(http.StatusNotFound, http.MethodGet, ref+"/revisions", nil)
		c.putAll(rdir, recipe)
		c.expect(http.StatusNotFound, http.MethodGet, ref+"/revisions/"+rrev+"/packages/"+pkgid+"/revisions", nil)
		c.putAll(pdir, pkg)
	})
	t.Run("republish and hostile uploads", func(t *testing.T) {
		if r := c.call(http.MethodPut, rdir+"conanfile.py", conanfile); r.Status != http.StatusConflict ||
			!strings.Contains(string(r.Body), "already exists") {
			t.Fatalf("republish: %s", r)
		}
		other := "/v2/conans/evil/1.0/_/_/revisions/abc/files/"
		if r := c.call(http.MethodPut, other+"conan_sources.tgz", conanTgz(map[string]string{"../../x": "x"})); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "..") {
			t.Fatalf("traversal: %s", r)
		}
		if r := c.call(http.MethodPut, other+"conan_sources.tgz", recipe["conan_sources.tgz"][:30]); r.Status != http.StatusBadRequest {
			t.Fatalf("truncated: %s", r)
		}
		anon.expect(http.StatusUnauthorized, http.MethodGet, ref+"/latest", nil) // a private repository
	})
	t.Run("install downloads every file byte for byte", func(t *testing.T) {
		var latest struct{ Revision, Time string }
		r := c.expect(http.StatusOK, http.MethodGet, ref+"/latest", nil)
		if err := json.Unmarshal(r.Body, &latest); err != nil || latest.Revision != rrev || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("latest: %s %v", r, err)
		}
		var files struct{ Files map[string]any }
		_ = json.Unmarshal(c.expect(http.StatusOK, http.MethodGet, ref+"/revisions/"+rrev+"/files", nil).Body, &files)
		if len(files.Files) != len(recipe) {
			t.Fatalf("files %v", files.Files)
		}
		for n, want := range recipe {
			if got := c.expect(http.StatusOK, http.MethodGet, rdir+n, nil).Body; !bytes.Equal(got, want) {
				t.Fatalf("%s differs", n)
			}
		}
		r = c.expect(http.StatusOK, http.MethodGet, ref+"/revisions/"+rrev+"/packages/"+pkgid+"/latest", nil)
		if !strings.Contains(string(r.Body), prev) {
			t.Fatalf("package latest: %s", r)
		}
		for n, want := range pkg {
			if got := c.expect(http.StatusOK, http.MethodGet, pdir+n, nil).Body; !bytes.Equal(got, want) {
				t.Fatalf("%s differs", n)
			}
		}
		runSnippet(t, "conan-consume", t.TempDir(), clientEnv(t.TempDir(), "K="+strings.TrimPrefix(k.URL, "http://"),
			"REPO=cpp", "T="+k.APIToken("conan-readme"), "NAME=hello", "VERSION=1.0"))
	})
	t.Run("list and remove", func(t *testing.T) {
		if r := c.expect(http.StatusOK, http.MethodGet, "/v2/conans/search?q=hel*", nil); !strings.Contains(string(r.Body), `"hello/1.0"`) {
			t.Fatalf("search: %s", r)
		}
		if r := c.expect(http.StatusOK, http.MethodGet, ref+"/revisions/"+rrev+"/search", nil); !strings.Contains(string(r.Body), pkgid) {
			t.Fatalf("package search: %s", r)
		}
		c.expect(http.StatusOK, http.MethodDelete, ref+"/revisions/"+rrev, nil)
		c.expect(http.StatusNotFound, http.MethodGet, ref+"/latest", nil)
		c.expect(http.StatusNotFound, http.MethodGet, rdir+"conanfile.py", nil)
	})
}
