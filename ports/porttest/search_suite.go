package porttest

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// searchDocs are the fixture documents of the SearchIndex suite: two
// repositories (1 and 2) of two formats.
func searchDocs() []ports.SearchDocument {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := func(repo int64, key, format, pkg, desc string, kw []string, sums ...string) ports.SearchDocument {
		d := ports.SearchDocument{ID: ports.SearchDocumentID(repo, pkg), RepositoryID: repo, Repository: key, Format: format,
			Package: pkg, Version: "1.0.0", Versions: []string{"1.0.0", "0.9.0"}, Description: desc, Keywords: kw,
			Text: "license mit", UpdatedAt: at}
		for i, s := range sums {
			d.Files = append(d.Files, ports.SearchFile{Path: pkg + "/" + string(rune('a'+i)) + ".tgz", Version: "1.0.0", SHA256: s})
		}
		return d
	}
	return []ports.SearchDocument{
		doc(1, "npm-public", "npm", "left-pad", "String padding on the left", []string{"pad", "string"}, sumA),
		doc(1, "npm-public", "npm", "widget", "A small component", []string{"ui"}),
		doc(1, "npm-public", "npm", "gadget", "Helpers for every widget", []string{"tools"}),
		doc(2, "pypi-private", "pypi", "secret-widget", "Internal widget tooling", []string{"internal"}, sumB, sumA),
		doc(2, "pypi-private", "pypi", "crème-brûlée", "Dessert récipes", nil),
	}
}

const (
	sumA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	sumB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var everyRepo = ports.SearchScope{All: true}

func searchNames(r ports.SearchResult) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.Document.Package)
	}
	return out
}

func sortedNames(r ports.SearchResult) []string {
	n := searchNames(r)
	sort.Strings(n)
	return n
}

// SearchIndex runs the conformance suite for ports.SearchIndex. open must
// return an empty index and register its cleanup with t.
func SearchIndex(t *testing.T, open func(t *testing.T) ports.SearchIndex) {
	seeded := func(t *testing.T) ports.SearchIndex {
		ix := open(t)
		mdOK(t, ix.Upsert(mdCtx(t), searchDocs()), "Upsert")
		return ix
	}
	find := func(t *testing.T, ix ports.SearchIndex, q ports.SearchQuery) ports.SearchResult {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 20
		}
		r, err := ix.Search(mdCtx(t), q)
		mdOK(t, err, "Search")
		if len(r.Hits) > q.Limit {
			t.Fatalf("%d hits, limit %d", len(r.Hits), q.Limit)
		}
		return r
	}
	t.Run("a word of the name finds the package with its fields", func(t *testing.T) {
		ix := seeded(t)
		r := find(t, ix, ports.SearchQuery{Terms: []string{"left"}, Scope: everyRepo})
		if got := searchNames(r); !slices.Equal(got, []string{"left-pad"}) || r.Total != 1 {
			t.Fatalf("hits %v total %d, want [left-pad] 1", got, r.Total)
		}
		d := r.Hits[0].Document
		want := searchDocs()[0]
		if d.ID != want.ID || d.Repository != "npm-public" || d.RepositoryID != 1 || d.Format != "npm" || d.Version != "1.0.0" ||
			!slices.Equal(d.Versions, want.Versions) || d.Description != want.Description || !slices.Equal(d.Keywords, want.Keywords) ||
			!d.UpdatedAt.Equal(want.UpdatedAt) {
			t.Fatalf("hit document = %+v, want the fields of %+v", d, want)
		}
	})
	t.Run("a prefix matches and every term must match", func(t *testing.T) {
		ix := seeded(t)
		if got := sortedNames(find(t, ix, ports.SearchQuery{Terms: []string{"wid"}, Scope: everyRepo})); !slices.Equal(got, []string{"gadget", "secret-widget", "widget"}) {
			t.Fatalf("wid: %v", got)
		}
		if got := searchNames(find(t, ix, ports.SearchQuery{Terms: []string{"widget", "internal"}, Scope: everyRepo})); !slices.Equal(got, []string{"secret-widget"}) {
			t.Fatalf("widget internal: %v", got)
		}
		if r := find(t, ix, ports.SearchQuery{Terms: []string{"widget", "zzzqqq"}, Scope: everyRepo}); r.Total != 0 || len(r.Hits) != 0 {
			t.Fatalf("a term nothing has still found %v", searchNames(r))
		}
	})
	t.Run("keywords, metadata text, versions and accents are searched", func(t *testing.T) {
		ix := seeded(t)
		for term, want := range map[string]string{"ui": "widget", "tools": "gadget", "creme": "crème-brûlée", "brûlée": "crème-brûlée"} {
			if got := searchNames(find(t, ix, ports.SearchQuery{Terms: []string{term}, Scope: everyRepo})); !slices.Contains(got, want) {
				t.Errorf("%q: %v, want %s among them", term, got, want)
			}
		}
		if r := find(t, ix, ports.SearchQuery{Terms: []string{"mit"}, Scope: everyRepo}); r.Total != 5 {
			t.Errorf("metadata text: %d hits, want 5", r.Total)
		}
	})
	t.Run("a match in the name ranks above one in the description", func(t *testing.T) {
		ix := seeded(t)
		got := searchNames(find(t, ix, ports.SearchQuery{Terms: []string{"widget"}, Scope: ports.SearchScope{Repositories: []int64{1}}}))
		if !slices.Equal(got, []string{"widget", "gadget"}) {
			t.Fatalf("widget in repository 1: %v, want [widget gadget]", got)
		}
	})
	t.Run("the scope filters inside the query: hits, totals and facets", func(t *testing.T) {
		ix := seeded(t)
		r := find(t, ix, ports.SearchQuery{Terms: []string{"widget"}, Scope: ports.SearchScope{Repositories: []int64{1}}, Limit: 1})
		if r.Total != 2 || len(r.Hits) != 1 || r.Repositories["pypi-private"] != 0 || r.Formats["pypi"] != 0 ||
			r.Repositories["npm-public"] != 2 || r.Formats["npm"] != 2 {
			t.Fatalf("scoped search: total %d, hits %v, facets %v %v", r.Total, searchNames(r), r.Formats, r.Repositories)
		}
		for _, sc := range []ports.SearchScope{{}, {Repositories: []int64{99}}} {
			if r := find(t, ix, ports.SearchQuery{Terms: []string{"widget"}, Scope: sc}); r.Total != 0 || len(r.Hits) != 0 {
				t.Fatalf("scope %+v: %v", sc, searchNames(r))
			}
			if r := find(t, ix, ports.SearchQuery{Scope: sc}); r.Total != 0 {
				t.Fatalf("browse in scope %+v: %v", sc, searchNames(r))
			}
		}
		all := find(t, ix, ports.SearchQuery{Terms: []string{"widget"}, Scope: everyRepo})
		if all.Total != 3 || all.Repositories["pypi-private"] != 1 || all.Formats["npm"] != 2 || all.Formats["pypi"] != 1 {
			t.Fatalf("every repository: total %d, facets %v %v", all.Total, all.Formats, all.Repositories)
		}
	})
	t.Run("format filter", func(t *testing.T) {
		ix := seeded(t)
		r := find(t, ix, ports.SearchQuery{Terms: []string{"widget"}, Format: "pypi", Scope: everyRepo})
		if got := searchNames(r); !slices.Equal(got, []string{"secret-widget"}) || r.Total != 1 {
			t.Fatalf("format pypi: %v (%d)", got, r.Total)
		}
	})
	t.Run("no terms lists everything in scope by name, paged", func(t *testing.T) {
		ix := seeded(t)
		p1 := find(t, ix, ports.SearchQuery{Scope: everyRepo, Limit: 2})
		p2 := find(t, ix, ports.SearchQuery{Scope: everyRepo, Limit: 2, Offset: 2})
		p3 := find(t, ix, ports.SearchQuery{Scope: everyRepo, Limit: 2, Offset: 4})
		got := slices.Concat(searchNames(p1), searchNames(p2), searchNames(p3))
		if want := []string{"crème-brûlée", "gadget", "left-pad", "secret-widget", "widget"}; !slices.Equal(got, want) || p1.Total != 5 || p3.Total != 5 {
			t.Fatalf("pages: %v (total %d), want %v", got, p1.Total, want)
		}
		if r := find(t, ix, ports.SearchQuery{Scope: everyRepo, Offset: 50}); len(r.Hits) != 0 || r.Total != 5 {
			t.Fatalf("past the end: %v, total %d", searchNames(r), r.Total)
		}
	})
	t.Run("upsert replaces a document", func(t *testing.T) {
		ix := seeded(t)
		d := searchDocs()[1]
		d.Description, d.Keywords, d.Version = "A large gizmo", []string{"gizmo"}, "2.0.0"
		mdOK(t, ix.Upsert(mdCtx(t), []ports.SearchDocument{d}), "Upsert again")
		if r := find(t, ix, ports.SearchQuery{Terms: []string{"component"}, Scope: everyRepo}); r.Total != 0 {
			t.Fatalf("the old description still matches: %v", searchNames(r))
		}
		r := find(t, ix, ports.SearchQuery{Terms: []string{"gizmo"}, Scope: everyRepo})
		if r.Total != 1 || r.Hits[0].Document.Version != "2.0.0" {
			t.Fatalf("the new description: %v", searchNames(r))
		}
		if r := find(t, ix, ports.SearchQuery{Scope: everyRepo}); r.Total != 5 {
			t.Fatalf("after replacing one of 5: %d documents", r.Total)
		}
	})
	t.Run("delete and delete repository remove documents and checksums", func(t *testing.T) {
		ix := seeded(t)
		mdOK(t, ix.Delete(mdCtx(t), []string{ports.SearchDocumentID(1, "left-pad"), "r9-unknown"}), "Delete")
		if r := find(t, ix, ports.SearchQuery{Terms: []string{"left"}, Scope: everyRepo}); r.Total != 0 {
			t.Fatalf("deleted document found: %v", searchNames(r))
		}
		hits, err := ix.ByChecksum(mdCtx(t), sumA, everyRepo, 10)
		mdOK(t, err, "ByChecksum")
		if len(hits) != 1 || hits[0].Package != "secret-widget" {
			t.Fatalf("checksum after delete: %+v", hits)
		}
		mdOK(t, ix.DeleteRepository(mdCtx(t), 2), "DeleteRepository")
		if r := find(t, ix, ports.SearchQuery{Scope: everyRepo}); r.Total != 2 || r.Repositories["pypi-private"] != 0 {
			t.Fatalf("after deleting repository 2: %v", searchNames(r))
		}
		if hits, _ := ix.ByChecksum(mdCtx(t), sumB, everyRepo, 10); len(hits) != 0 {
			t.Fatalf("checksum of a deleted repository: %+v", hits)
		}
		mdOK(t, ix.Delete(mdCtx(t), nil), "Delete(nil)")
		mdOK(t, ix.Upsert(mdCtx(t), nil), "Upsert(nil)")
	})
	t.Run("by checksum within scope", func(t *testing.T) {
		ix := seeded(t)
		hits, err := ix.ByChecksum(mdCtx(t), sumA, everyRepo, 10)
		mdOK(t, err, "ByChecksum")
		want := []ports.ChecksumHit{
			{Repository: "npm-public", Format: "npm", Package: "left-pad", Version: "1.0.0", Path: "left-pad/a.tgz"},
			{Repository: "pypi-private", Format: "pypi", Package: "secret-widget", Version: "1.0.0", Path: "secret-widget/b.tgz"},
		}
		if !slices.Equal(hits, want) {
			t.Fatalf("ByChecksum = %+v, want %+v", hits, want)
		}
		if hits, _ := ix.ByChecksum(mdCtx(t), sumA, ports.SearchScope{Repositories: []int64{1}}, 10); len(hits) != 1 || hits[0].Repository != "npm-public" {
			t.Fatalf("scoped to 1: %+v", hits)
		}
		if hits, _ := ix.ByChecksum(mdCtx(t), sumA, everyRepo, 1); len(hits) != 1 {
			t.Fatalf("limit 1: %+v", hits)
		}
		if hits, _ := ix.ByChecksum(mdCtx(t), sumB, ports.SearchScope{}, 10); len(hits) != 0 {
			t.Fatalf("empty scope: %+v", hits)
		}
	})
}
