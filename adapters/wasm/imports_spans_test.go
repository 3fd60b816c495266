package wasm

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports/porttest"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// TestImports07: a source naming an assembled document is read from the
// call, json-spans works without host services (rewrite and merge calls)
// except on a blob, and the bounds give their named errors.
func TestImports07(t *testing.T) {
	ctx := context.Background()
	cs := &callState{lim: limits{maxBody: DefaultMaxBodyBytes}, assembled: [][]byte{[]byte(`{"a":{"b":"x"}}`)}}
	sum, err := cs.Hash(ctx, wHashAlgMD5, wSource{Tag: wSourceAssembled, Assembled: "1"})
	want := md5.Sum([]byte(`{"a":{"b":"x"}}`))
	if err != nil || sum != hex.EncodeToString(want[:]) {
		t.Fatalf("hash of an assembled document: %q %v", sum, err)
	}
	for _, h := range []string{"0", "2", "x", ""} {
		if _, err := cs.Hash(ctx, wHashAlgMD5, wSource{Tag: wSourceAssembled, Assembled: h}); err == nil || !strings.Contains(err.Error(), "did not build") {
			t.Errorf("handle %q: %v", h, err)
		}
	}
	m, err := cs.JsonSpans(ctx, wSource{Tag: wSourceAssembled, Assembled: "1"}, [][]string{{"a", "*"}})
	if err != nil || len(m.Spans) != 4 || m.Spans[2] != 10 || m.Spans[3] != 3 {
		t.Fatalf("json-spans of an assembled document: %v %v", m.Spans, err)
	}
	if _, err := cs.JsonSpans(ctx, wSource{Tag: wSourceBlob, Blob: "sha256:00"}, [][]string{{"a"}}); !errors.Is(err, errNoHost) {
		t.Errorf("a blob without host services: %v", err)
	}
	if _, err := cs.JsonSpans(ctx, wSource{Tag: wSourceBytes, Bytes: []byte(`{"a":`)}, [][]string{{"a"}}); !errors.Is(err, hostjson.ErrSpansSyntax) {
		t.Errorf("malformed: %v", err)
	}
	cs.host = porttest.NewMemHost()
	if _, err := cs.GetFiles(ctx, make([]string, maxGetFiles+1)); !errors.Is(err, errTooManyPaths) {
		t.Errorf("get-files bound: %v", err)
	}
	if fs, err := cs.GetFiles(ctx, []string{"absent", "also/absent"}); err != nil || len(fs) != 0 {
		t.Errorf("absent files: %v %v", fs, err)
	}
}

// TestImportsOfEachContract: the imports 0.7.0 added are served to 0.7.0
// modules only; a 0.6.0 module (or older) that names one fails to link.
func TestImportsOfEachContract(t *testing.T) {
	names := func(gs []importGlue) map[string]bool {
		m := map[string]bool{}
		for _, g := range gs {
			m[g.name] = true
		}
		return m
	}
	current, old := names(importGlues), names(glues06())
	for _, n := range []string{"json-spans", "get-files"} {
		if !current[n] || old[n] || names(without(since06, since07))[n] {
			t.Errorf("%s: in 0.7.0 %v, in 0.6.0 %v", n, current[n], old[n])
		}
	}
	if !old["assemble"] || !old["json-members"] {
		t.Errorf("0.6.0 lost an import it had: %v", old)
	}
}
