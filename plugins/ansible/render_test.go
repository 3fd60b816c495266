package ansible

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// refVersions is the versions page as json.Marshal wrote it before
// appendVersions (the reference).
func refVersions(a api, ns, name string, vs []sdk.VersionInfo, limit, offset int) []byte {
	data := []map[string]any{}
	for i := offset; i < len(vs) && i < offset+limit; i++ {
		data = append(data, map[string]any{"version": vs[i].Version, "href": a.versionHref(ns, name, vs[i].Version),
			"created_at": timestamp(vs[i].CreatedMs), "updated_at": timestamp(vs[i].CreatedMs), "requires_ansible": nil,
			"marks": []string{}})
	}
	path := "/api/v3/collections/" + ns + "/" + name + "/versions/"
	b, _ := json.Marshal(a.paginated(path, len(vs), limit, offset, data))
	return b
}

// records are stored version records: what publish stores and forms
// another writer could leave.
func records(rng *rand.Rand) []string {
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	str := func() string {
		return pick(`"x"`, `"a b"`, `"\u003e=1.0 \"q\" \\ \/ \t"`, `"a\u0041"`, `"<b>&"`, `"é"`, `""`, `"\n"`, `null`, `5`, `"\u2028"`, `"http://e.org/x?a=1&b=2"`)
	}
	list := func() string {
		return pick(`null`, `[]`, `["a"]`, `["your name \u003cx@y\u003e","b"]`, `["a",null]`, `[1]`, `"a"`, `["é","\t"]`, `[ "a" , "b" ]`)
	}
	deps := func() string {
		return pick(`null`, `{}`, `{"a.b":">=1.0.0"}`, `{"a.b":"1","c.d":"2"}`, `{"c.d":"2","a.b":"1"}`, `{"a.b":"1","a.b":"2"}`,
			`{"a b":"1","a":"2"}`, `{"a":"<1"}`, `{"a":1}`, `[]`, `{"a:b":"1"}`, `{ "x" : "y" }`, `{"a.b":">=1.0.0","c":"\u00e9\n\"\\"}`, `{"a":"\ud83d\ude00"}`, `{"é":"1","z":"2"}`, `{"a":"\/"}`)
	}
	var out []string
	for i := 0; i < 30; i++ {
		ms := []string{`"namespace":` + str(), `"name":` + str(), `"version":` + str(), `"filename":` + str(), `"sha256":` + str(),
			`"size":` + pick(`2230`, `0`, `01`, `1e3`, `-1`, `null`, `"5"`, `18446744073709551615`), `"task":` + str(),
			`"authors":` + list(), `"description":` + str(), `"license":` + list(), `"tags":` + list(), `"dependencies":` + deps(),
			`"repository":` + str(), `"documentation":` + str(), `"homepage":` + str(), `"issues":` + str()}
		if rng.Intn(4) == 0 {
			ms = append(ms, pick(`"Tags":["x"]`, `"extra":{"a":[1]}`, `"name":"again"`))
		}
		rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		out = append(out, "{"+strings.Join(ms[rng.Intn(3):], pick(",", " , "))+"}")
	}
	plain, _ := json.Marshal(versionMeta{Namespace: "keeper", Name: "demo", Version: "1.0.0", Filename: "f.tar.gz", SHA256: "s", Size: 9,
		Authors: []string{"a <b>"}, Dependencies: map[string]string{"x.y": ">=1", "a.b": "*"}, Description: "d & e"})
	return append(out, string(plain), `not json`, `{}`, `[]`)
}

// TestHandWrittenMatchesMaps renders the versions page (every page size and
// offset over generated versions) and generated records' details both
// ways: appendVersions against the map it replaced, appendVersion against
// json.Marshal(versionDoc).
func TestHandWrittenMatchesMaps(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "ansible", BaseURL: "http://k/ansible/r%20x"})
	a := api{h: h, req: &sdk.Request{Repo: h.RepoCtx}}
	rng := rand.New(rand.NewSource(13))
	var vs []sdk.VersionInfo
	for n := 0; n < 40; n++ {
		for _, lo := range [][2]int{{100, 0}, {1, 0}, {3, 2}, {7, 50}, {maxVersions, 0}, {10, len(vs)}, {2, len(vs) + 1}} {
			if g, w := a.appendVersions("keeper", "demo", vs, lo[0], lo[1]), refVersions(a, "keeper", "demo", vs, lo[0], lo[1]); !bytes.Equal(g, w) {
				t.Fatalf("versions %v:\n got %s\nwant %s", lo, g, w)
			}
		}
		vs = append(vs, sdk.VersionInfo{Version: fmt.Sprintf("1.%d.0", n) + []string{"", "-rc.1", "+b&1"}[rng.Intn(3)], CreatedMs: rng.Int63n(4e12) - 1e12})
	}
	fast := 0
	for round := 0; round < 200; round++ {
		for _, rec := range records(rng) {
			f := &sdk.File{Path: "download/keeper-demo-1.0.0.tar.gz", Metadata: []byte(rec), CreatedMs: rng.Int63n(4e12)}
			got, ok, err := a.appendVersion("keeper", "demo", "1.0.0", f)
			if err != nil {
				t.Fatal(err)
			}
			var m versionMeta
			if err := json.Unmarshal(f.Metadata, &m); err != nil {
				if ok {
					t.Fatalf("record %s: written, but json.Unmarshal fails: %v", rec, err)
				}
				continue
			}
			if !ok {
				continue
			}
			fast++
			if want, _ := json.Marshal(a.versionDoc("keeper", "demo", "1.0.0", f, &m)); !bytes.Equal(got, want) {
				t.Fatalf("record %s:\n got %s\nwant %s", rec, got, want)
			}
		}
	}
	if fast < 200 {
		t.Fatalf("only %d records took the hand-written path", fast)
	}
}
