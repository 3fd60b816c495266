package npm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/npm"
)

// TestRewriteNativeMatchesWasm: the rewrite answers the same through the
// built module (json-spans served by adapters/wasm in a call without host
// services) as natively, documents and errors alike.
func TestRewriteNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt := loadWasm(t)
	defer rt.Close(ctx)
	const local = "http://k/npm/r"
	docs := []string{
		string(fixture(t, "publish-hello.json")),
		`{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}},"1.0.1":{"name":"@s/b","dist":{"tarball":"http://up/x/-/b%2d1.tgz?x#y"}}}}`,
		`{"name":"a","dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}`,
		`{"name":"a","dist":{"t\u0061rball":"http://up/a/-/a-1.0.0.tgz"}, "dist":{"tarb\qll":1}}`,
		`{"name":"a","versions":{"1.0.0":{"dist":"x"}}}`,
		`{"name":"a","versions":[1]}`,
		`{"name":"../x","versions":{"1.0.0":{"dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}}}`,
		`{"name":"a","versions":{}} x`,
		`{"name":"a","x":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
		`<html>`,
	}
	for _, d := range docs {
		want, werr := npm.Plugin{}.Rewrite(nil, "/a", []byte(d), "http://up", local)
		got, gerr := rt.Rewrite(ctx, "npm", wasm.CallContext{}, "/a", []byte(d), "http://up", local)
		if (werr == nil) != (gerr == nil) || werr != nil && !strings.Contains(gerr.Error(), werr.Error()) || string(got.Body) != string(want) {
			t.Errorf("%.60q:\nwasm   %.80q %v\nnative %.80q %v", d, got.Body, gerr, want, werr)
		}
	}
}

// TestHeldRewriteNativeMatchesWasm: packuments that fit the held rewrite
// (json-edit in the host, the document never in the guest) and ones that
// do not answer the same through the built module as Rewrite natively.
func TestHeldRewriteNativeMatchesWasm(t *testing.T) {
	ctx := context.Background()
	rt := loadWasm(t)
	defer rt.Close(ctx)
	const local = "http://k/npm/r"
	big, _ := packument2000(t)
	cases := [][2]string{
		{"/hello-keeper", string(big)},
		{"/hello-keeper", string(fixture(t, "golden/packument-hello-full.json"))},
		{"/@kp%2futil", string(fixture(t, "golden/packument-util-full.json"))},
		{"/@kp/util", string(fixture(t, "golden/packument-util-full.json"))},
		{"/a", `{"name":"a","versions":{"1.0.0":{"name":"a","dist":{"tarball":"https://up/a/-/a-1.0.0.tgz"}},"2.0.0":{}}}`},
		{"/a", `{"name":"a","versions":{"1.0.0":{"name":"a","dist":{"tarball":"https://up/a/-/a-1.0.0.tgz?x"}}}}`},
		{"/a", `{"name":"a","versions":{"1.0.0":{"name":"b","dist":{"tarball":"https://up/a/-/a-1.0.0.tgz"}}}}`},
		{"/a", `{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"https://up/a/-/a-1.0.0.tgz"},"dist":{}}}}`},
		{"/a", `{"name":"a","versions":{"1.0.0":{"dist":{"tarball":"https://a.tgz"}}}}`},
		{"/a/-/a-1.0.0.tgz", `{"name":"a"}`},
		{"/a", `{"name":"a","versions":{}} x`},
	}
	for _, c := range cases {
		want, werr := npm.Plugin{}.Rewrite(nil, c[0], []byte(c[1]), "http://up", local)
		got, gerr := rt.Rewrite(ctx, "npm", wasm.CallContext{}, c[0], []byte(c[1]), "http://up", local)
		if (werr == nil) != (gerr == nil) || werr != nil && !strings.Contains(gerr.Error(), werr.Error()) || string(got.Body) != string(want) {
			t.Errorf("%s %.60q:\nwasm   %.80q %v\nnative %.80q %v", c[0], c[1], got.Body, gerr, want, werr)
		}
	}
}
