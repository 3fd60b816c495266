package conan_test

import (
	"strings"
	"testing"
)

// TestRefusals: what a broken or hostile client sends is refused with the
// status the Conan client maps (rest_client_common.py get_exception_from_error:
// 400 RequestErrorException, 404 NotFoundException, 409 conflict) and a
// message naming the problem, and nothing is stored.
func TestRefusals(t *testing.T) {
	f := newFixture()
	traversal := tgz(map[string]string{"../../etc/evil": "x"})
	absolute := tgz(map[string]string{"/etc/evil": "x"})
	forged, _ := manifest(map[string][]byte{"conanfile.py": []byte("something else"), "export_source/include/hello.h": []byte(helloH)})
	badName := []byte(strings.Replace(conanfile, `name = "hello"`, `name = "openssl"`, 1))
	// 4 MiB of zeros in one entry (a few KiB compressed): over the scan limit set below.
	bomb := tgz(map[string]string{"big": string(make([]byte, 4<<20))})
	cases := []struct {
		name, method, path string
		body               []byte
		hdr                []string
		status             int
		msg                string
	}{
		{"truncated archive", "PUT", f.recipeFile("conan_sources.tgz"), f.recipe.files["conan_sources.tgz"][:20], nil, 400, "conan_sources.tgz is not a readable gzip-compressed tar"},
		{"not an archive", "PUT", f.recipeFile("conan_export.tgz"), []byte("plain text"), nil, 400, "not a readable gzip-compressed tar"},
		{"path traversal in archive", "PUT", f.recipeFile("conan_sources.tgz"), traversal, nil, 400, "a path with .."},
		{"absolute path in archive", "PUT", f.recipeFile("conan_sources.tgz"), absolute, nil, 400, "an absolute path"},
		{"decompression bomb", "PUT", f.recipeFile("conan_sources.tgz"), bomb, nil, 400, "conan_sources.tgz is not a readable"},
		{"name not the reference's", "PUT", f.recipeFile("conanfile.py"), badName, nil, 400, `conanfile.py declares name openssl, not hello`},
		{"sha1 header mismatch", "PUT", f.recipeFile("conanfile.py"), []byte(conanfile), []string{"X-Checksum-Sha1", strings.Repeat("0", 40)}, 400, "X-Checksum-Sha1 0000"},
		{"manifest before conanfile", "PUT", f.recipeFile("conanmanifest.txt"), f.recipe.files["conanmanifest.txt"], nil, 400, "upload conanfile.py before conanmanifest.txt"},
		{"manifest not a manifest", "PUT", f.recipeFile("conanmanifest.txt"), []byte("hello\nworld"), nil, 400, "the first line must be the creation time"},
		{"manifest bad line", "PUT", f.recipeFile("conanmanifest.txt"), []byte("1717236000\nconanfile.py 123\n"), nil, 400, "line 2 is not PATH: MD5"},
		{"package before recipe", "PUT", f.packageFile("conaninfo.txt"), []byte(conaninfo), nil, 404, "Recipe not found"},
		{"traversal in file path", "PUT", f.recipeFile("..%2Fx"), []byte("x"), nil, 400, "character other than"},
		{"dot-dot file path", "PUT", f.recipeFile("a/../../x"), []byte("x"), nil, 400, "empty, . or .. segment"},
		{"bad reference", "GET", "/v2/conans/hel lo/1.0/_/_/latest", nil, nil, 400, "invalid reference field"},
		{"bad revision", "GET", refPath + "/revisions/ab$cd/files", nil, nil, 400, "invalid recipe revision"},
		{"unknown api path", "GET", "/v3/whatever", nil, nil, 404, "no such Conan API path"},
		{"short reference", "GET", "/v2/conans/hello/1.0", nil, nil, 400, "not a Conan v2 path"},
		{"empty upload", "PUT", f.recipeFile("conanfile.py"), nil, nil, 400, "empty upload"},
		{"unknown recipe", "GET", "/v2/conans/nope/1.0/_/_/latest", nil, nil, 404, "Recipe not found: 'nope/1.0'"},
		{"unknown revision files", "GET", refPath + "/revisions/0123/files", nil, nil, 404, "Recipe not found: 'hello/1.0#0123'"},
		{"delete unknown", "DELETE", refPath, nil, nil, 404, "Recipe not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.h.ScanLimit = 1 << 20
			if c.name == "manifest not a manifest" || c.name == "manifest bad line" {
				e.want(e.do("alice", "PUT", f.recipeFile("conanfile.py"), "", []byte(conanfile)), 201, "")
			}
			files := len(e.h.Files)
			r := e.do("alice", c.method, c.path, "", c.body, c.hdr...)
			e.want(r, c.status, c.msg)
			if !strings.HasPrefix(string(r.Bytes), `{"errors":[{"status":`) {
				t.Fatalf("error body %s", r.Bytes)
			}
			if len(e.h.Files) != files || len(e.h.Versions) != 0 {
				t.Fatalf("a refused request stored something: %d files, %d versions", len(e.h.Files), len(e.h.Versions))
			}
		})
	}

	t.Run("forged manifest", func(t *testing.T) {
		e := newEnv(t)
		e.want(e.do("alice", "PUT", f.recipeFile("conanfile.py"), "", []byte(conanfile)), 201, "")
		r := e.do("alice", "PUT", f.recipeFile("conanmanifest.txt"), "", []byte(forged))
		e.want(r, 400, "conanmanifest.txt lists conanfile.py with md5 "+md5hex([]byte("something else"))+", the uploaded one has md5 "+md5hex([]byte(conanfile)))
		if len(e.h.Versions) != 0 {
			t.Fatal("a forged manifest recorded a revision")
		}
	})
	t.Run("republish is a conflict", func(t *testing.T) {
		e := newEnv(t)
		e.put(f.recipe, f.recipeFile)
		e.want(e.do("alice", "PUT", f.recipeFile("conanfile.py"), "", []byte(conanfile)), 409, "recipe revision hello/1.0#"+f.recipe.rev+" already exists")
		e.put(f.pkg, f.packageFile)
		e.want(e.do("alice", "PUT", f.packageFile("conaninfo.txt"), "", []byte(conaninfo)), 409, "package revision hello/1.0#"+f.recipe.rev+":"+f.pkgid+"#"+f.pkg.rev+" already exists")
	})
	t.Run("package manifest needs its archive and conaninfo", func(t *testing.T) {
		e := newEnv(t)
		e.put(f.recipe, f.recipeFile)
		e.want(e.do("alice", "PUT", f.packageFile("conanmanifest.txt"), "", f.pkg.files["conanmanifest.txt"]), 400, "upload conan_package.tgz before conanmanifest.txt")
		e.want(e.do("alice", "PUT", f.packageFile("conan_package.tgz"), "", f.pkg.files["conan_package.tgz"]), 201, "")
		e.want(e.do("alice", "PUT", f.packageFile("conanmanifest.txt"), "", f.pkg.files["conanmanifest.txt"]), 400, "upload conaninfo.txt before conanmanifest.txt")
		e.want(e.do("alice", "GET", f.packagePath()+"/latest", "", nil), 404, "Binary package not found")
	})
	t.Run("a retried file of an incomplete revision is replaced", func(t *testing.T) {
		e := newEnv(t)
		e.want(e.do("alice", "PUT", f.recipeFile("conanfile.py"), "", []byte("first try")), 201, "")
		e.put(f.recipe, f.recipeFile)
		e.want(e.do("", "GET", refPath+"/latest", "", nil), 200, f.recipe.rev)
	})
	t.Run("wrong methods", func(t *testing.T) {
		e := newEnv(t)
		e.want(e.do("alice", "POST", refPath+"/latest", "", nil), 405, "method POST not allowed")
		e.want(e.do("alice", "PUT", "/v2/users/authenticate", "", nil), 405, "not allowed")
	})
}
