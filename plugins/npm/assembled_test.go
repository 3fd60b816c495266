package npm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const assembleBase = "http://keeper.test/npm/js"

// hostWith is a fake host whose package p has the version documents docs
// (versions 1.0.0, 1.0.1, …, created one second apart, out of order).
func hostWith(p string, docs []string) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "js", Kind: "local", Format: "npm", BaseURL: assembleBase, Generation: 7})
	for i, d := range docs {
		v := fmt.Sprintf("1.0.%d", i)
		h.Versions[p+"\x00"+v] = sdk.VersionInfo{Package: p, Version: v, Metadata: []byte(d), CreatedMs: 1767225600000 + int64((i*7)%len(docs))*1000}
	}
	return h
}

// checkSame renders p's packument both ways and fails unless the
// assembled one is byte-identical to renderPackument's or was declined.
// It reports whether every form was assembled.
func checkSame(t *testing.T, h *fakehost.Host, p string, tags map[string]string) bool {
	t.Helper()
	vs, err := listVersions(h, p)
	if err != nil {
		t.Fatal(err)
	}
	built := true
	for _, abbrev := range []bool{false, true} {
		want, err := renderPackument(h, p, vs, tags, abbrev, 7, assembleBase)
		a, aerr := assembledPackument(h, p, tags, abbrev, 7, assembleBase)
		if aerr != nil {
			t.Fatalf("abbrev=%v: assemble: %v", abbrev, aerr)
		}
		if !a.Built() {
			built = false
			continue
		}
		if len(vs) == 0 { // packument answers 404
			if a.Rows[0] != 0 {
				t.Fatalf("rows %v of a missing package", a.Rows)
			}
			continue
		}
		if err != nil {
			t.Fatalf("abbrev=%v: assembled a document renderPackument refuses (%v):\n%s", abbrev, err, a.Doc)
		}
		if !bytes.Equal(a.Doc, want) {
			t.Fatalf("abbrev=%v: assembled\n%s\nrendered\n%s", abbrev, a.Doc, want)
		}
	}
	return built
}

// TestAssembledPackumentMatchesRender: the host-assembled packument (full
// and abbreviated) is byte-identical to the guest's render for the
// documents of TestAppendAbbreviatedMatchesEncodingJSON one by one and all
// together, and declines exactly the ones the guest's fast path declines.
func TestAssembledPackumentMatchesRender(t *testing.T) {
	marker := strings.ReplaceAll(tarballMarker, `\`, `\\`)
	docs := []struct {
		meta string
		fast bool
	}{
		{`{"name":"a","version":"1.0.0","description":"x","dist":{"tarball":"` + tarballMarker + `a/-/a-1.0.0.tgz","shasum":"s"}}`, true},
		{"{ \"dist\" : {\"a\" : [1, 2]} ,\n\"version\":\"1.0.0\", \"name\":\"a\", \"license\": \"MIT\",\"readme\" : \"r <b>\" }", true},
		{`{"version":"1"}`, true},
		{"{\"name\":\"a<b>&c\",\"deprecated\":\"use \\\"b\\\" \u2028 \u2029 é\",\"dist\":{}}", true},
		{`{"name":"a","scripts":{"test":"x","postinstall":"y"},"dist":{}}`, true},
		{`{"name":"a","scripts":{"test":"x","p\u006fstinstall":"y"},"dist":{}}`, true},
		{`{"name":"a","scripts":{"test":"x"},"dist":{}}`, true},
		{`{"name":"a","scripts":null,"dist":{}}`, true},
		{`{"name":"a","hasInstallScript":true,"dist":{}}`, true},
		{`{"name":"a","hasInstallScript":false,"scripts":{},"dist":{}}`, true},
		{`{"name":null,"deprecated":null,"engines":null,"dist":null,"description":null}`, true},
		{`{"name":"a","dist":{"tarball":"x` + marker + `"}}`, true},
		{`{"name":"a","name":"b","dist":{}}`, false},
		{`{"Name":"a","dist":{}}`, false},
		{`{"n\u0061me":"a","dist":{}}`, false},
		{`{"scripts":{"install":"x"},"scripts":{"test":"y"},"dist":{}}`, false},
		{`{"name":"a","scripts":"x","dist":{}}`, false},
		{`{"name":"a","hasInstallScript":"yes","dist":{}}`, false},
		{`["a"]`, false},
		{`{"name":"a"} x`, false},
	}
	var all []string
	for i, d := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := hostWith("a", []string{d.meta})
			tags := map[string]string{"latest": "1.0.0", "next": "x" + tarballMarker}
			// Only abbreviated declines the fast-path refusals; full
			// declines documents json-members finds irregular.
			if got := checkSame(t, h, "a", tags); got && !d.fast {
				t.Fatalf("assembled a document the guest's fast path declines: %s", d.meta)
			}
			if d.fast && !checkSame(t, h, "a", tags) {
				t.Fatalf("declined a regular document: %s", d.meta)
			}
		})
		if d.fast {
			all = append(all, d.meta)
		}
	}
	h := hostWith("a", all)
	if !checkSame(t, h, "a", map[string]string{"latest": "1.0.1"}) {
		t.Fatal("declined regular documents")
	}
	checkSame(t, h, "a", nil)
	checkSame(t, h, "missing", nil)
}

// TestAssembledPackumentFixture: the document npm published
// (testdata/publish-hello.json, from `npm publish`) renders the same both
// ways, with 300 derived versions.
func TestAssembledPackumentFixture(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "js", Kind: "local", Format: "npm", BaseURL: assembleBase, Generation: 1})
	body, err := os.ReadFile("testdata/publish-hello.json")
	if err != nil {
		t.Fatal(err)
	}
	h.Blobs["body"] = body
	req := &sdk.Request{Method: "PUT", Path: "/hello-keeper", User: "bob", Repo: h.RepoCtx,
		Body: &sdk.Body{Digest: "body", Size: uint64(len(body))}, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
	if r, err := (Plugin{}).Handle(h, req); err != nil || r.Status != 201 {
		t.Fatalf("publish: %v %+v", err, r)
	}
	h.Commit()
	meta := h.Versions["hello-keeper\x001.0.0"].Metadata
	for i := 1; i < 300; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		h.Versions["hello-keeper\x00"+v] = sdk.VersionInfo{Package: "hello-keeper", Version: v,
			Metadata: bytes.ReplaceAll(meta, []byte("1.0.0"), []byte(v)), CreatedMs: int64(i) * 1000}
	}
	tags, err := loadTags(h, "hello-keeper")
	if err != nil || !checkSame(t, h, "hello-keeper", tags) {
		t.Fatalf("fixture declined: %v", err)
	}
}

// TestAssembledPackumentGenerated compares both renders on generated
// version documents: members of the abbreviated object and others, in any
// order, with white space, escapes, HTML characters, markers, install
// scripts and, now and then, an irregular document.
func TestAssembledPackumentGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 12))
	values := []string{`"x"`, `"a<b>&c \u2028"`, `null`, `true`, `false`, `12.5e3`, `{"a" : [1, {"b":null}]}`, `[]`, `{}`,
		`"` + tarballMarker + `t.tgz"`, `"\\\"q\\\""`, `{"install":"x"}`, `{"preinstall":1,"test":2}`, `"é€"`}
	names := append(abbrevFields[:], "readme", "description", "_id", "maintainers", "Name", "sc\\u0072ipts")
	for round := 0; round < 300; round++ {
		n := 1 + rng.IntN(6)
		docs := make([]string, n)
		for d := range docs {
			var b strings.Builder
			b.WriteString("{")
			for m := 0; m < rng.IntN(10); m++ {
				if m > 0 {
					b.WriteString(strings.Repeat(" ", rng.IntN(2)) + ",")
				}
				fmt.Fprintf(&b, "%q%s:%s", names[rng.IntN(len(names))], strings.Repeat("\n", rng.IntN(2)), values[rng.IntN(len(values))])
			}
			b.WriteString("}")
			docs[d] = strings.ReplaceAll(b.String(), `\\u0072`, `\u0072`)
		}
		h := hostWith("g", docs)
		checkSame(t, h, "g", map[string]string{"latest": fmt.Sprintf("1.0.%d", rng.IntN(n+1))})
	}
}

// TestAssembledVersionDoc: GET /NAME/VERSION (and /NAME/TAG) answers the
// stored document with the marker replaced, as withBase does, and 404 for
// a version that does not exist.
func TestAssembledVersionDoc(t *testing.T) {
	docs := []string{`{"name":"a","dist":{"tarball":"` + tarballMarker + `a/-/a-1.0.0.tgz"}}`, "{ \"name\" : \"a\" ,\"x\":\"\\u0000keeper:\"}"}
	h := hostWith("a", docs)
	h.KV["dist-tags\x00a"] = []byte(`{"latest":"1.0.1"}`)
	for path, want := range map[string]string{"/a/1.0.0": docs[0], "/a/1.0.1": docs[1], "/a/latest": docs[1]} {
		r, err := (Plugin{}).Handle(h, &sdk.Request{Method: "GET", Path: path, Repo: h.RepoCtx})
		if err != nil || r.Status != 200 || string(r.Bytes) != string(withBase([]byte(want), assembleBase)) {
			t.Fatalf("%s: %v %d %s", path, err, r.Status, r.Bytes)
		}
	}
	if r, err := (Plugin{}).Handle(h, &sdk.Request{Method: "GET", Path: "/a/9.9.9", Repo: h.RepoCtx}); err != nil || r.Status != 404 {
		t.Fatalf("missing version: %v %+v", err, r)
	}
}
