package npm_test

import (
	"testing"
)

// TestBowerLookup replays bower-registry-client's lookup
// (GET {registry}/packages/NAME, the name encodeURIComponent'ed): the
// latest tarball's URL, 404 for an unknown package (bower: "Package … not
// found"), 400 for a name npm would refuse.
func TestBowerLookup(t *testing.T) {
	h := newHost()
	want(t, do(t, h, "bob", "PUT", "/hello-keeper", fixture(t, "publish-hello.json")), 201)
	want(t, do(t, h, "bob", "PUT", "/@kp%2futil", fixture(t, "publish-scoped.json")), 201)
	h.commit()
	for path, body := range map[string]string{
		"/-/bower/packages/hello-keeper": `{"name":"hello-keeper","url":"http://keeper.test/npm/js/hello-keeper/-/hello-keeper-1.0.0.tgz"}`,
		"/-/bower/packages/%40kp%2Futil": `{"name":"@kp/util","url":"http://keeper.test/npm/js/@kp/util/-/util-2.0.0.tgz"}`,
	} {
		r := get(t, h, "", path)
		want(t, r, 200)
		if string(r.Bytes) != body {
			t.Fatalf("GET %s: %s, want %s", path, r.Bytes, body)
		}
	}
	want(t, get(t, h, "", "/-/bower/packages/nope"), 404)
	want(t, get(t, h, "", "/-/bower/packages/..%2Fetc"), 400)
	want(t, do(t, h, "bob", "PUT", "/-/bower/packages/hello-keeper", []byte("{}")), 405)
	h.RepoCtx.Kind = "remote"
	want(t, get(t, h, "", "/-/bower/packages/hello-keeper"), 404)
}
