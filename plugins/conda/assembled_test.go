package conda

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

var recTexts = []string{"", "a", "1.0", "python >=3.8", "<&>\"\\/", "\t\x01", "ü日本", "\xff", "\u2028", "2!1.0", "x y"}

// genUpload stores one fragment as upload does (the record marshalled from
// an index with escapes, HTML characters, unicode, invalid UTF-8, nested
// values) and returns its path; with old, the fragment file's metadata is
// what upload stored before partMeta (no record).
func genUpload(r *rand.Rand, h *fakehost.Host, subdir string, old bool) {
	t := func() string { return recTexts[r.Intn(len(recTexts))] }
	names := []string{"a", "b_x.y+z", "é", "zz", "tool", "n"}
	name := names[r.Intn(len(names))]
	ext := []string{extConda, extTarBz2}[r.Intn(2)]
	m := Meta{Name: name, Version: fmt.Sprintf("%d.%d", r.Intn(3), r.Intn(12)), Build: fmt.Sprintf("py_%d", r.Intn(3)), Subdir: subdir}
	file := m.Name + "-" + m.Version + "-" + m.Build + ext
	idx := map[string]any{"name": m.Name, "version": m.Version, "build": m.Build, "subdir": subdir, "build_number": r.Intn(100)}
	for n := r.Intn(6); n > 0; n-- {
		switch r.Intn(4) {
		case 0:
			idx[t()] = t()
		case 1:
			idx["depends"] = []any{t(), t()}
		case 2:
			idx["extra"] = map[string]any{t(): []any{1.5, nil, true, t()}}
		default:
			idx["size"] = r.Int63()
		}
	}
	rec, _ := marshal(idx)
	key, _ := marshal(file)
	meta, _ := json.Marshal(m)
	if !old {
		meta = partMeta(meta, key, rec, ext == extConda)
	}
	_ = h.StageFile(sdk.StagedFile{Path: partPath(subdir, file), BlobDigest: h.AddBlob(append(append(key, ':'), rec...)),
		ContentType: "application/json", Metadata: meta})
}

// joined is repodata.json as the fragments are joined (repodata.go).
func joined(t *testing.T, h *fakehost.Host, subdir string) []byte {
	b, err := repodata(h, subdir, false)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := h.ReadBlob(b.Digest, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestAssembledRepodataMatchesJoin: the host's repodata.json is byte for
// byte the joined fragments for 300 generated channels (none, one and up
// to 300 records of both formats, a subdir whose name needs escapes,
// fragments in a neighbouring subdir), and a channel with one fragment
// stored before partMeta (or irregular metadata) is not assembled.
func TestAssembledRepodataMatchesJoin(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	assembled := 0
	for round := 0; round < 300; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "ch", Kind: "local", Format: "conda"})
		subdir := []string{"noarch", "linux-64", "a\"<b>ü"}[r.Intn(3)]
		n := r.Intn(8)
		switch round % 10 {
		case 0:
			n = 0
		case 1:
			n = 1
		case 2:
			n = 100 + r.Intn(200)
		}
		for i := 0; i < n; i++ {
			genUpload(r, h, subdir, false)
		}
		genUpload(r, h, subdir+"x", round%2 == 0)
		old := round%4 == 3 && n > 0
		if old {
			switch r.Intn(3) {
			case 0:
				genUpload(r, h, subdir, true)
			case 1:
				_ = h.StageFile(sdk.StagedFile{Path: partPath(subdir, "q-1-0.conda"), BlobDigest: h.AddBlob([]byte(`"q-1-0.conda":{}`)),
					Metadata: []byte(`{"asm":1,"asm":1,"key":"q-1-0.conda","record":{}}`)})
			default:
				_ = h.StageFile(sdk.StagedFile{Path: partPath(subdir, "q-1-0.tar.bz2"), BlobDigest: h.AddBlob([]byte(`"q-1-0.tar.bz2":{}`)),
					Metadata: []byte(`not json`)})
			}
		}
		h.Commit()
		a, ok := assembledRepodata(h, subdir)
		if old {
			if ok {
				t.Fatalf("round %d: assembled a channel with an irregular fragment", round)
			}
			continue
		}
		if !ok {
			t.Fatalf("round %d: not assembled", round)
		}
		assembled++
		if want := joined(t, h, subdir); !bytes.Equal(a.Doc, want) {
			t.Fatalf("round %d:\n%s\nwant\n%s", round, a.Doc, want)
		}
		if !json.Valid(a.Doc) || n > 0 && !strings.Contains(string(a.Doc), `"build_number"`) {
			t.Fatalf("round %d: %s", round, a.Doc)
		}
	}
	if assembled < 200 {
		t.Fatalf("only %d rounds assembled", assembled)
	}
}
