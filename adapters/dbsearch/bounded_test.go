package dbsearch_test

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/adapters/dbsearch"
	"github.com/keeper-registry/keeper/ports"
)

// boundedDocs are more packages than the ranking bound, every one with
// "mit" in its metadata and a name starting with "mi"; the package named
// "mit" is indexed last, so it is last in index order too.
func boundedDocs(n int) []ports.SearchDocument {
	docs := make([]ports.SearchDocument, 0, n+2)
	for i := range n {
		name := fmt.Sprintf("mitten%05d", i)
		docs = append(docs, ports.SearchDocument{ID: ports.SearchDocumentID(1, name), RepositoryID: 1, Repository: "r", Format: "npm",
			Package: name, Description: "a mitten, with mit in the licence", Text: "license mit"})
	}
	return append(docs,
		ports.SearchDocument{ID: ports.SearchDocumentID(2, "mi"), RepositoryID: 2, Repository: "s", Format: "npm", Package: "mi", Text: "license mit"},
		ports.SearchDocument{ID: ports.SearchDocumentID(2, "mit"), RepositoryID: 2, Repository: "s", Format: "npm", Package: "mit", Text: "license mit"})
}

func testBounded(t *testing.T, ix *dbsearch.Index) {
	const n = 2500 // more than the ranking bound (1,000)
	docs := boundedDocs(n)
	for i := 0; i < len(docs); i += 500 {
		if err := ix.Upsert(t.Context(), docs[i:min(i+500, len(docs))]); err != nil {
			t.Fatal(err)
		}
	}
	all := ports.SearchScope{All: true}
	search := func(q ports.SearchQuery) ports.SearchResult {
		t.Helper()
		r, err := ix.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	names := func(r ports.SearchResult) []string {
		var out []string
		for _, h := range r.Hits {
			out = append(out, h.Document.Package)
		}
		return out
	}

	t.Run("terms shorter than 3 letters match whole words only", func(t *testing.T) {
		r := search(ports.SearchQuery{Terms: []string{"mi"}, Scope: all, Limit: 20})
		if got := names(r); r.Total != 1 || !slices.Equal(got, []string{"mi"}) {
			t.Fatalf("mi: total %d, %v; want only the package named mi (no prefix match of mitten…)", r.Total, got)
		}
		if r := search(ports.SearchQuery{Terms: []string{"mitte"}, Scope: all, Limit: 20}); r.Total != ports.SearchMaxTotal {
			t.Fatalf("mitte: total %d, want %d (3 letters or more match as a prefix; counting stops at the bound)", r.Total, ports.SearchMaxTotal)
		}
	})
	t.Run("an exact name ranks first among more matches than are ranked", func(t *testing.T) {
		r := search(ports.SearchQuery{Terms: []string{"mit"}, Scope: all, Limit: 20})
		if r.Total != ports.SearchMaxTotal || len(r.Hits) != 20 || r.Hits[0].Document.Package != "mit" {
			t.Fatalf("mit: total %d, %d hits, first %v; want %d, 20, mit first", r.Total, len(r.Hits), names(r)[:1], ports.SearchMaxTotal)
		}
	})
	t.Run("the bound applies after the scope, not before", func(t *testing.T) {
		r := search(ports.SearchQuery{Terms: []string{"mit"}, Scope: ports.SearchScope{Repositories: []int64{2}}, Limit: 20})
		if got := names(r); r.Total != 2 || !slices.Equal(got, []string{"mit", "mi"}) {
			t.Fatalf("mit in repository 2: total %d, %v; want [mit mi]", r.Total, got)
		}
	})
	t.Run("every page up to the bound is served, and none beyond", func(t *testing.T) {
		seen := map[string]bool{}
		for off := 0; off < ports.SearchMaxTotal; off += 100 {
			r := search(ports.SearchQuery{Terms: []string{"mitten"}, Scope: all, Limit: 100, Offset: off})
			if len(r.Hits) != 100 {
				t.Fatalf("mitten page at offset %d: %d hits, want 100", off, len(r.Hits))
			}
			for _, name := range names(r) {
				seen[name] = true
			}
		}
		if len(seen) != ports.SearchMaxTotal {
			t.Fatalf("%d pages of 100 gave %d distinct packages", ports.SearchMaxTotal/100, len(seen))
		}
		if r := search(ports.SearchQuery{Terms: []string{"mitten"}, Scope: all, Limit: 100, Offset: ports.SearchMaxTotal}); len(r.Hits) != 0 {
			t.Fatalf("mitten page at offset %d: %d hits, want none (beyond the count)", ports.SearchMaxTotal, len(r.Hits))
		}
	})
}

func TestBoundedRankingSQLite(t *testing.T) { testBounded(t, index(t, openSQLite(t))) }

func TestBoundedRankingPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	ix := index(t, openPostgres(t))
	if !ix.Trigram() {
		t.Fatal("no trigram index: the exact-name ranking on PostgreSQL adds pg_trgm's similarity")
	}
	testBounded(t, ix)
}
