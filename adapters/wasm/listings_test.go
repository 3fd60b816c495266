package wasm

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// countingHost counts the listings the host is asked for.
type countingHost struct {
	*porttest.MemHost
	files, versions int
}

func (h *countingHost) ListFiles(ctx context.Context, q ports.FileListing) ([]ports.File, error) {
	h.files++
	return h.MemHost.ListFiles(ctx, q)
}

func (h *countingHost) ListVersions(ctx context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	h.versions++
	return h.MemHost.ListVersions(ctx, pkg, after, limit)
}

// TestAssembleListsOncePerCall: the templates one call assembles read each
// page of a listing once (a keys template, then the rows in the guest's
// order); the next call lists again, and documents come out the same.
func TestAssembleListsOncePerCall(t *testing.T) {
	h := &countingHost{MemHost: porttest.NewMemHost()}
	for i := range 1500 { // two pages
		h.AddFile(fmt.Sprintf("d/f%04d", i), []byte{byte(i)})
	}
	tpl := hostjson.Template{Loops: []hostjson.Loop{{Source: hostjson.Files, Prefix: "d/", Separator: []byte(","),
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw}}}},
		Parts: []hostjson.Part{{Kind: hostjson.PartLoop}}}
	var first []byte
	for call := range 2 {
		var memo listings
		rows := hostRows{ctx: context.Background(), h: h, memo: &memo}
		for range 3 {
			res, err := hostjson.Assemble(rows, tpl, hostjson.MaxAssembled)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res.Doc
			} else if string(res.Doc) != string(first) {
				t.Fatal("a document assembled from the kept listing differs")
			}
		}
		if h.files != 2*(call+1) {
			t.Fatalf("call %d: %d listings of files, want 2 per call (two pages)", call, h.files)
		}
	}
	if len(first) < 1500*7 {
		t.Fatalf("document of %d bytes", len(first))
	}
}

// TestListingsKeepABoundedAmount: a call keeps no more than maxListedBytes
// of listed rows; pages beyond are listed again when asked.
func TestListingsKeepABoundedAmount(t *testing.T) {
	var l listings
	big := []hostjson.Row{{Metadata: make([]byte, maxListedBytes/2+1)}}
	l.put(listKey{pkg: "a"}, big)
	l.put(listKey{pkg: "b"}, big)
	if _, ok := l.get(listKey{pkg: "a"}); !ok {
		t.Fatal("the first page was not kept")
	}
	if _, ok := l.get(listKey{pkg: "b"}); ok {
		t.Fatal("a page beyond the bound was kept")
	}
}

// TestReleasedRowsServeTheNextCall: a call's listed rows go back to the
// pool cleared when it ends (nothing of one repository's rows stays
// reachable), and the next call, which may take the same slices, assembles
// its own rows only.
func TestReleasedRowsServeTheNextCall(t *testing.T) {
	h := porttest.NewMemHost()
	for _, pkg := range []string{"a", "b"} {
		for i := range 40 {
			h.AddVersion(ports.Version{Package: pkg, Version: fmt.Sprintf("%s-%02d", pkg, i), Metadata: []byte(`{}`)})
		}
	}
	doc := func(pkg string) ([]byte, []hostjson.Row) {
		var memo listings
		defer memo.release()
		tpl := hostjson.Template{Loops: []hostjson.Loop{{Source: hostjson.Versions, Package: pkg, Separator: []byte(","),
			Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw}}}},
			Parts: []hostjson.Part{{Kind: hostjson.PartLoop}}}
		res, err := hostjson.Assemble(hostRows{ctx: context.Background(), h: h, memo: &memo}, tpl, hostjson.MaxAssembled)
		if err != nil {
			t.Fatal(err)
		}
		var kept []hostjson.Row // the page's rows, read again after release
		for _, rows := range memo.pages {
			kept = rows
		}
		return res.Doc, kept
	}
	for range 3 {
		for _, pkg := range []string{"a", "b"} {
			got, kept := doc(pkg)
			if len(kept) != 40 {
				t.Fatalf("%s: %d rows kept in the call, want 40", pkg, len(kept))
			}
			for i, r := range kept {
				if r.Version != "" || r.Metadata != nil || r.Package != "" {
					t.Fatalf("%s: row %d still holds %q after the call", pkg, i, r.Version)
				}
			}
			want := ""
			for i := range 40 {
				want += fmt.Sprintf(",%s-%02d", pkg, i)
			}
			if string(got) != want[1:] {
				t.Fatalf("%s: assembled %q", pkg, got)
			}
		}
	}
}
