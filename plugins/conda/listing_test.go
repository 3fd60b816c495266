package conda

import (
	"encoding/json"
	"fmt"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestListedFragmentsMatchRead compares the host-written listing with the
// file-by-file read on records as upload stores them and on irregular ones
// (which must make the listing decline).
func TestListedFragmentsMatchRead(t *testing.T) {
	const prefix = "parts/noarch/"
	meta := func(name, version string) []byte {
		b, _ := json.Marshal(Meta{Name: name, Version: version, Build: "0", Subdir: "noarch"})
		return b
	}
	type row struct {
		file string
		meta []byte
	}
	regular := [][]row{
		nil,
		{{"a-1.0-0.conda", meta("a", "1.0")}},
		{{"a-1.0-0.conda", meta("a", "1.0")}, {"a-1.1-0.tar.bz2", meta("a", "1.1")}, {"b_x.y+z-2!1.0-py_0.conda", meta("b_x.y+z", "2!1.0")},
			{"é-1-0.conda", meta("é", "1")}, {"n-1-0.conda", []byte(`{"subdir":"noarch"}`)}, {"m-1-0.conda", []byte(`{"name" : "m", "version":"1"}`)}},
	}
	irregular := []row{
		{"x-1-0.conda", []byte(`{"name":"x\u0041","version":"1"}`)},
		{"x-1-0.conda", []byte(`{"name":1,"version":"1"}`)},
		{"x-1-0.conda", []byte(`{"Name":"x","version":"1"}`)},
		{"x-1-0.conda", []byte(`not json`)},
		{"x-1-0.conda", []byte("{\"name\":\"x\xff\",\"version\":\"1\"}")},
		{"x\t-1-0.conda", meta("x", "1")},
		{"x\n-1-0.conda", meta("x", "1")},
	}
	host := func(rows []row) *fakehost.Host {
		h := fakehost.New(nil)
		for i, r := range rows {
			d := h.AddBlob([]byte(fmt.Sprint(i)))
			h.StagedFiles = append(h.StagedFiles, sdk.StagedFile{Path: prefix + r.file + ".json", BlobDigest: d, Metadata: r.meta})
		}
		h.StagedFiles = append(h.StagedFiles, sdk.StagedFile{Path: "parts/noarchx/y-1-0.conda.json", BlobDigest: h.AddBlob(nil)})
		h.Commit()
		return h
	}
	same := func(h sdk.Host, withMeta bool) bool {
		got, ok := listedFragments(h, prefix, withMeta)
		want, err := readFragments(h, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return false
		}
		if len(got) != len(want) {
			t.Fatalf("%d fragments, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.file != w.file || g.digest != w.digest || withMeta && (g.meta.Name != w.meta.Name || g.meta.Version != w.meta.Version) {
				t.Fatalf("fragment %d: %+v, want %+v", i, g, w)
			}
		}
		return true
	}
	for i, rows := range regular {
		for _, withMeta := range []bool{false, true} {
			if !same(host(rows), withMeta) {
				t.Fatalf("set %d (meta %v): the listing declined", i, withMeta)
			}
		}
	}
	for i, r := range irregular {
		withMeta := i < 5
		if same(host(append(regular[2], r)), withMeta) {
			t.Fatalf("irregular %d: the listing took %q %s", i, r.file, r.meta)
		}
	}
}
