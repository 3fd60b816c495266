package wasm

import (
	"context"
	"errors"
	"testing"

	"github.com/keeper-registry/keeper/ports/porttest"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// TestImports09: json-edit reads an assembled source, keeps its result in
// the call under the next handle (readable as a source and a response),
// builds nothing for a document that does not fit, and file-sizes answers
// -1 for absent files and its bound's error.
func TestImports09(t *testing.T) {
	ctx := context.Background()
	cs := &callState{lim: limits{maxBody: DefaultMaxBodyBytes}, assembled: [][]byte{[]byte(`{"a":{"x":{"u":"h/f.t"}}}`)}}
	edit := []wStringEdit{{Path: []string{"a", "*", "u"}, Separator: "/", Head: "L/", TailSuffix: ".t"}}
	res, err := cs.JsonEdit(ctx, wSource{Tag: wSourceAssembled, Assembled: "1"}, edit, []wJsonRequire{{Path: []string{"a"}}})
	if err != nil || res.Handle != "2" || len(res.Edited) != 1 || res.Edited[0] != 1 || res.Found[0] != 1 {
		t.Fatalf("json-edit: %+v %v", res, err)
	}
	if doc, err := cs.assembledBody("2"); err != nil || string(doc) != `{"a":{"x":{"u":"L/f.t"}}}` || res.Size != uint64(len(doc)) {
		t.Fatalf("edited document %q %v", doc, err)
	}
	res, err = cs.JsonEdit(ctx, wSource{Tag: wSourceBytes, Bytes: []byte(`{"a":{"x":{"u":"h/f.z"}}}`)}, edit, nil)
	if err != nil || res.Handle != "" || len(cs.assembled) != 2 {
		t.Fatalf("a document that does not fit: %+v %v", res, err)
	}
	if _, err := cs.JsonEdit(ctx, wSource{Tag: wSourceBytes, Bytes: []byte(`{}`)}, []wStringEdit{{Path: []string{"a"}}}, nil); !errors.Is(err, hostjson.ErrBadEdit) {
		t.Errorf("an edit without separator: %v", err)
	}
	cs.host = porttest.NewMemHost()
	if _, err := cs.FileSizes(ctx, make([]string, maxGetFiles+1)); !errors.Is(err, errTooManySizes) {
		t.Errorf("file-sizes bound: %v", err)
	}
	if s, err := cs.FileSizes(ctx, []string{"absent", "also/absent"}); err != nil || len(s) != 2 || s[0] != -1 || s[1] != -1 {
		t.Errorf("absent files: %v %v", s, err)
	}
}
