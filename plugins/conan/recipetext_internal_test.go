package conan

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestRecipeRevsTextMatchesRows: the recipe revisions read as host-written
// text are, in order and time, the ones recipeRevs reads from the rows, so
// the revision list and the latest revision are byte-identical: no, one
// and many revisions, package revisions beside them (skipped), equal
// times (ordered by id), times before 1970 and beyond the packed keys
// (newestFirst), and a version with a line break (read row by row).
func TestRecipeRevsTextMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	rf := ref{name: "zlib", version: "1.3", user: "_", channel: "_"}
	for round := 0; round < 300; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "cpp", Kind: "local", Format: "conan"})
		put := func(v string, ms int64) {
			h.Versions[rf.String()+"\x00"+v] = sdk.VersionInfo{Package: rf.String(), Version: v, CreatedMs: ms, Metadata: []byte(`{"x":1}`)}
		}
		for i, n := 0, []int{0, 1, 3, 200}[round%4]; i < n; i++ {
			ms := 1767225600000 + int64(rng.IntN(50))*1000
			switch round % 7 {
			case 3:
				ms = -int64(rng.IntN(5)) * 1000
			case 5:
				ms = 1<<62 + int64(rng.IntN(3))
			}
			id := fmt.Sprintf("%08x", rng.Uint32())
			put(id, ms)
			if rng.IntN(3) == 0 {
				put(id+":pkg"+id[:2]+"#"+id[2:], ms+1000)
			}
		}
		if round%11 == 10 {
			put("ab\ncd", 5)
		}
		vs, err := versions(h, rf)
		if err != nil {
			t.Fatal(err)
		}
		want := recipeRevs(vs)
		got, ok := recipeRevsText(h, rf)
		if round%11 == 10 {
			if ok {
				t.Fatalf("round %d: a version with a line break was read as text", round)
			}
			continue
		}
		if !ok {
			t.Fatalf("round %d: not read as text", round)
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d revisions, want %d", round, len(got), len(want))
		}
		if len(want) > 0 && !bytes.Equal(appendRevision(nil, got[0]), appendRevision(nil, want[0])) {
			t.Fatalf("round %d: latest %v, want %v", round, got[0], want[0])
		}
		if g, w := appendRevisionList(nil, rf.String(), got), appendRevisionList(nil, rf.String(), want); !bytes.Equal(g, w) {
			t.Fatalf("round %d:\n%s\nwant\n%s", round, g, w)
		}
	}
}

// TestNewestFirstPacked: the packed sort orders like newestFirst.
func TestNewestFirstPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	for round := 0; round < 300; round++ {
		rs := make([]revision, rng.IntN(100))
		for i := range rs {
			rs[i] = revision{id: fmt.Sprintf("%x", rng.Uint32()), ms: int64(rng.IntN(20))}
		}
		want := newestFirst(slices.Clone(rs))
		if got := newestFirstPacked(slices.Clone(rs)); !slices.EqualFunc(got, want, func(a, b revision) bool { return a.id == b.id && a.ms == b.ms }) {
			t.Fatalf("round %d: %v\nwant %v", round, got, want)
		}
	}
}
