package ivy

import (
	"bytes"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestRevisionListingMatchesPrevious: the revision listing read as
// host-written text and rendered into one sized buffer is byte-identical
// to the previous row-by-row listing and strings.Builder render (kept
// verbatim below as the oracle): no, one and many revisions, invalid
// segments skipped, revisions that are prefixes of others (1.0, 1.0.1),
// HTML specials and unicode in the directory, and a revision with a line
// break (read row by row).
func TestRevisionListingMatchesPrevious(t *testing.T) {
	odd := []string{"1.0", "1.0.1", "1.0-rc", "1+b", "..", ".hidden", "a b", "é", "x<y", "1.0.0\n2.0.0", ""}
	rng := rand.New(rand.NewPCG(4, 4))
	for round := 0; round < 200; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "libs", Kind: "local", Format: "ivy"})
		pkg := "org.example:demo"
		for i, n := 0, []int{0, 1, 3, 250}[round%4]; i < n; i++ {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(20), rng.IntN(20))
			if rng.IntN(5) == 0 {
				v = odd[rng.IntN(len(odd))]
			}
			h.Versions[pkg+"\x00"+v] = sdk.VersionInfo{Package: pkg, Version: v, Metadata: []byte(`{"d":"<x>"}`)}
		}
		want, err := refListRevisions(h, pkg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := listRevisions(h, pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, segs := range [][]string{{"org.example", "demo"}, {"o&g", "d<é>"}, nil} {
			if g, w := renderListing(segs, got), refRenderListing(segs, want); !bytes.Equal(g, w) {
				t.Fatalf("round %d %q:\n%s\nwant\n%s", round, segs, g, w)
			}
		}
	}
}

// The previous render and revision listing, verbatim (renamed).

func refRenderListing(segs []string, names []string) []byte {
	dir := "/"
	if len(segs) > 0 {
		dir = "/" + strings.Join(segs, "/") + "/"
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>Index of " + html.EscapeString(dir) + "</title></head>\n<body>\n<h1>Index of " +
		html.EscapeString(dir) + "</h1>\n<pre>")
	if len(segs) > 0 {
		b.WriteString(`<a href="../">../</a>` + "\n")
	}
	for _, n := range names {
		e := html.EscapeString(n)
		b.WriteString(`<a href="` + e + `">` + e + "</a>\n")
	}
	b.WriteString("</pre>\n</body></html>\n")
	return []byte(b.String())
}
func refListRevisions(h sdk.Host, pkg string) ([]string, error) {
	seen := map[string]bool{}
	after := ""
	for n := 0; n < maxListed; n += pageSize {
		page, err := h.ListVersions(pkg, after, pageSize)
		if err != nil {
			return nil, err
		}
		for _, v := range page {
			if validSegment(v.Version) {
				seen[v.Version+"/"] = true
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Version
	}
	return sortedKeys(seen), nil
}

// TestRevisionPageMatchesPrevious: the revision listing page written by
// the host (revisionPage) or, when it cannot, read and sorted
// (listRevisions) is the previous render's page: no, one, many (two host
// pages) revisions, out of the entries' order (a revision a prefix of
// another), invalid segments, HTML characters and line breaks.
func TestRevisionPageMatchesPrevious(t *testing.T) {
	odd := []string{"1.0", "1.0.1", "1.0-rc", "1+b", "..", ".hidden", "a b", "é", "x<y", "1.0.0\n2.0.0", "", `a"b/">a"b`,
		"x/\">x/</a>\n<a href=\"y"}
	rng := rand.New(rand.NewPCG(8, 2))
	segs := []string{"org.example", "demo"}
	paged := 0
	for round := 0; round < 300; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "libs", Kind: "local", Format: "ivy"})
		pkg := "org.example:demo"
		for i, n := 0, []int{0, 1, 3, 250, 1100}[round%5]; i < n; i++ {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(40), rng.IntN(40))
			if round%3 == 0 && rng.IntN(n+1) == 0 {
				v = odd[rng.IntN(len(odd))]
			}
			h.Versions[pkg+"\x00"+v] = sdk.VersionInfo{Package: pkg, Version: v}
		}
		names, err := refListRevisions(h, pkg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := listing(h, segs)
		if len(names) == 0 {
			if err == nil {
				t.Fatalf("round %d: no revision, no error", round)
			}
			continue
		}
		if want := refRenderListing(segs, names); err != nil || !bytes.Equal(resp.Bytes, want) {
			t.Fatalf("round %d: %v\n%s\nwant\n%s", round, err, resp.Bytes, want)
		}
		if _, ok := revisionPage(h, segs); ok {
			paged++
		}
	}
	if paged < 150 {
		t.Fatalf("only %d pages written by the host", paged)
	}
}

func TestSlashCompare(t *testing.T) {
	vs := []string{"", "1", "1.0", "1.0.1", "1.0-rc", "1+b", "1/", "10", "1.00", "a", "A", "1.0.0"}
	for _, a := range vs {
		for _, b := range vs {
			want := strings.Compare(a+"/", b+"/")
			if got := slashCompare([]byte(a), []byte(b)); (got < 0) != (want < 0) || (got == 0) != (want == 0) {
				t.Fatalf("%q %q: %d, want %d", a, b, got, want)
			}
		}
	}
}
