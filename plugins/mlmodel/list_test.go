package mlmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// file is one stored file of a test: its path under the version and its
// metadata (nil: none).
type file struct {
	rel  string
	meta []byte
}

func hostWithFiles(model, version string, files []file) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "ml", Kind: "local", Format: "mlmodel", BaseURL: "http://h/mlmodel/ml"})
	for i, f := range files {
		sf := h.AddFile(model+"/"+version+"/"+f.rel, []byte(fmt.Sprint(i, f.rel)))
		sf.Metadata = f.meta
		h.Files[sf.Path] = sf
	}
	h.AddFile(model+"/"+version+"x/other", []byte("a neighbour's file"))
	return h
}

// listFilesRef is listFiles as it was before it wrote JSON by hand: the
// reference its bytes are checked against.
func listFilesRef(h sdk.Host, model, version string) (*sdk.Response, error) {
	type file struct {
		Path   string `json:"path"`
		Size   uint64 `json:"size"`
		SHA256 string `json:"sha256"`
	}
	prefix := model + "/" + version + "/"
	files := []file{}
	var card json.RawMessage
	err := sdk.EachFile(h, prefix, "", maxList, func(f sdk.File) error {
		files = append(files, file{Path: strings.TrimPrefix(f.Path, prefix), Size: f.Size, SHA256: f.SHA256})
		if m := rawOrNil(f.Metadata); m != nil {
			card = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, sdk.Errorf(404, "no version %s of %s", version, model)
	}
	return jsonResponse(map[string]any{"model": model, "version": version, "files": files, "card": card})
}

// checkSameFiles renders the listing every way and fails unless the
// bytes (or error) of textFiles (when it answers) and renderFiles are
// listFilesRef's; it reports whether textFiles answered.
func checkSameFiles(t *testing.T, h *fakehost.Host, model, version string) bool {
	t.Helper()
	want, werr := listFilesRef(h, model, version)
	check := func(how string, got *sdk.Response, err error) {
		t.Helper()
		if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Fatalf("%s: error %v, reference %v", how, err, werr)
		}
		if err == nil && (got.Kind != sdk.BodyBytes || !bytes.Equal(got.Bytes, want.Bytes) || got.Status != want.Status ||
			fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers)) {
			t.Fatalf("%s: %d %v\n%s\nreference %d %v\n%s", how, got.Status, got.Headers, got.Bytes, want.Status, want.Headers, want.Bytes)
		}
	}
	got, err := renderFiles(h, model, version)
	check("renderFiles", got, err)
	got, ok, err := textFiles(h, model, version)
	if ok || err != nil {
		check("textFiles", got, err)
	}
	return ok
}

// TestListFilesMatchesMarshal: listFiles' hand-written JSON is
// byte-identical to json.Marshal's (listFilesRef) for no file, one, many, nested paths,
// paths with JSON and HTML specials and unicode, cards stored by upload,
// several cards (the last valid one wins), metadata that is not JSON or
// starts with white space, line breaks, and a missing version (404),
// through the host's text listing (textFiles) and the file rows.
func TestListFilesMatchesMarshal(t *testing.T) {
	card := []byte(`{"name":"m","version":"1","license":"apache-2.0","tags":["a<b>&c","é"]}`)
	cases := []struct {
		name  string
		files []file
	}{
		{"none", nil},
		{"one", []file{{"model.safetensors", nil}}},
		{"card", []file{{"README.md", card}, {"model.safetensors", nil}}},
		{"specials", []file{{`a "quoted" <b>&amp;\x.bin`, nil}, {"ünï/日本\u2028\u2029.bin", nil}, {"tab\tname", nil}, {"\x7f\x01ctl", nil}}},
		{"nested", []file{{"a/b/c/d.bin", nil}, {"a/b.bin", nil}, {"z", nil}}},
		{"cards", []file{{"MLmodel", []byte(`{"x":1}`)}, {"README.md", card}, {"model.json", []byte("not json")}}},
		{"spaced card", []file{{"README.md", []byte(" \n{ \"a\" : [ 1 , 2 ] ,\"h\":\"<>\" }\t")}, {"w.bin", []byte("{broken")}}},
		{"scalar metadata", []file{{"a", []byte(`"text"`)}, {"b", []byte("12")}, {"c", []byte("null")}, {"d", []byte("-1e3")}}},
		{"bad utf-8", []file{{"a\xffb", nil}, {"README.md", []byte("{\"a\":\"\xff\"}")}}},
		{"bad utf-8 card", []file{{"a\xffb", []byte("{}")}, {"b", nil}}},
	}
	for _, c := range cases {
		if !checkSameFiles(t, hostWithFiles("m", "1", c.files), "m", "1") && c.name != "bad utf-8 card" {
			t.Fatalf("%s: not written by the host", c.name)
		}
	}
	many := make([]file, 3000)
	for i := range many {
		many[i] = file{rel: fmt.Sprintf("shard-%05d.bin", i)}
	}
	many[1500].meta = card
	if !checkSameFiles(t, hostWithFiles("m", "1", many), "m", "1") || !checkSameFiles(t, hostWithFiles("m", "1", []file{{"a\nb\r", nil}}), "m", "1") {
		t.Fatal("not written by the host")
	}
	checkSameFiles(t, hostWithFiles("m", "1", []file{{"x", nil}}), "m", "2")
	checkSameFiles(t, hostWithFiles("m<&>\"", "1\u2028", []file{{"x", []byte("{}")}}), "m<&>\"", "1\u2028")
}

// TestListFilesGenerated: 300 rounds of generated listings (random
// paths of special characters, sizes, metadata of every kind) are
// byte-identical to the reference.
func TestListFilesGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "README.md", "model.json", "/", "dir/", `"`, "\\", "<", ">", "&", "é", "日本", "\u2028", " ", "\t", "\x01", "%20", "."}
	metas := []string{"", `{}`, `{"a":"<&>"}`, ` [1,2]`, "x", `{"a":`, `"s"`, "true", "\n{\"u\":\"\u2028\"}"}
	for round := 0; round < 300; round++ {
		var files []file
		seen := map[string]bool{}
		for n := r.IntN(20); n > 0; n-- {
			var p string
			for k := 1 + r.IntN(4); k > 0; k-- {
				p += pieces[r.IntN(len(pieces))]
			}
			if seen[p] || strings.HasPrefix(p, "/") {
				continue
			}
			seen[p] = true
			var meta []byte
			if m := metas[r.IntN(len(metas))]; m != "" {
				meta = []byte(m)
			}
			files = append(files, file{p, meta})
		}
		model, version := "m"+pieces[r.IntN(3)], "1.0"
		checkSameFiles(t, hostWithFiles(model, version, files), model, version)
	}
}
