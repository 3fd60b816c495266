package conan

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// revRow is one stored revision: a recipe revision as the manifest upload
// stores it (old: with {} as before keys), or a package revision.
type revRow struct {
	id      string
	ms      int64
	old, pr bool
}

func revHost(rf ref, rows []revRow) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "cpp", Kind: "local", Format: "conan"})
	for _, r := range rows {
		meta := recipeMeta(r.id, r.ms)
		switch {
		case r.pr:
			meta = []byte(`{"conaninfo":"[settings]\n"}`)
		case r.old:
			meta = []byte("{}")
		}
		h.Versions[rf.String()+"\x00"+r.id] = sdk.VersionInfo{Package: rf.String(), Version: r.id, CreatedMs: r.ms, Metadata: meta}
	}
	return h
}

// sameRevisions serves the list and the latest revision and compares them
// with the render from the rows (whose times equal the stored ones here);
// it returns whether the host assembled them.
func sameRevisions(t *testing.T, h sdk.Host, rf ref) bool {
	t.Helper()
	vs, err := versions(h, rf)
	if err != nil {
		t.Fatal(err)
	}
	rs := recipeRevs(vs)
	r := route{ref: rf}
	list, err := r.recipeRevisions(h)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := r.latestRecipe(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		if list.Status != 404 || latest.Status != 404 {
			t.Fatalf("no revisions: %d %d", list.Status, latest.Status)
		}
	} else {
		if want := appendRevisionList(nil, rf.String(), rs); list.Status != 200 || !bytes.Equal(list.Bytes, want) {
			t.Fatalf("list %d\n%s\nwant\n%s", list.Status, list.Bytes, want)
		}
		if want := appendRevision(nil, rs[0]); latest.Status != 200 || !bytes.Equal(latest.Bytes, want) {
			t.Fatalf("latest %d\n%s\nwant\n%s", latest.Status, latest.Bytes, want)
		}
	}
	_, ok := r.assembledRevisions(h, false)
	if _, ok2 := r.assembledRevisions(h, true); ok2 != ok {
		t.Fatal("the list and the latest revision disagree on being assembled")
	}
	return ok
}

// TestAssembledRevisionsMatchRender: the assembled list and latest
// revision have the bytes of the render from the rows: none, one, equal
// times (ordered by id: a prefix of another, upper and lower case,
// digits), package revisions beside them, times at 1970 and in 9999; rows
// stored before keys (or with a time no key holds) are rendered as before.
func TestAssembledRevisionsMatchRender(t *testing.T) {
	rf := ref{name: "zlib", version: "1.3", user: "_", channel: "_"}
	const t0 = 1767225600000
	cases := []struct {
		name      string
		rows      []revRow
		assembled bool
	}{
		{"none", nil, true},
		{"one", []revRow{{id: "abc", ms: t0}}, true},
		{"ties", []revRow{{id: "ab", ms: t0}, {id: "ab1", ms: t0}, {id: "AB", ms: t0}, {id: "a", ms: t0}, {id: "0", ms: t0 + 1},
			{id: "z", ms: t0 - 1}, {id: "Z", ms: t0 + 999}}, true},
		{"package revisions", []revRow{{id: "r1", ms: t0}, {id: "r1:p1#q1", ms: t0 + 5, pr: true}, {id: "r2", ms: t0 + 2}}, true},
		{"only package revisions", []revRow{{id: "r1:p1#q1", ms: t0 + 5, pr: true}}, true},
		{"bounds", []revRow{{id: "a", ms: 0}, {id: "b", ms: maxTextMs}, {id: "c", ms: 1}}, true},
		{"old row", []revRow{{id: "a", ms: t0}, {id: "b", ms: t0 + 1, old: true}}, false},
		{"old rows only", []revRow{{id: "a", ms: t0, old: true}}, false},
		{"before 1970", []revRow{{id: "a", ms: -1000}, {id: "b", ms: t0}}, false},
		{"after 9999", []revRow{{id: "a", ms: maxTextMs + 1}, {id: "b", ms: t0}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameRevisions(t, revHost(rf, c.rows), rf); got != c.assembled {
				t.Fatalf("assembled %v, want %v", got, c.assembled)
			}
		})
	}
}

// TestAssembledRevisionsGenerated: 300 generated references, up to 1,500
// revisions (over two host listing pages), with package revisions, ties
// and now and then a row stored before keys.
func TestAssembledRevisionsGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	rf := ref{name: "gen", version: "2.0", user: "u", channel: "c"}
	assembled := 0
	for round := 0; round < 300; round++ {
		n := rng.IntN(40)
		if round%60 == 0 {
			n = 1100 + rng.IntN(400)
		}
		seen := map[string]bool{}
		var rows []revRow
		for len(rows) < n {
			id := genRevision(rng)
			if seen[id] {
				continue
			}
			seen[id] = true
			r := revRow{id: id, ms: 1700000000000 + int64(rng.IntN(40))*1000 + int64(rng.IntN(2))}
			if rng.IntN(5) == 0 {
				r.id, r.pr = id+":"+genRevision(rng)+"#"+genRevision(rng), true
			}
			r.old = round%9 == 4 && rng.IntN(n) == 0
			rows = append(rows, r)
		}
		if sameRevisions(t, revHost(rf, rows), rf) {
			assembled++
		}
	}
	if assembled < 250 {
		t.Fatalf("only %d of 300 assembled", assembled)
	}
}

func genRevision(rng *rand.Rand) string {
	const alnum = "0123456789abcdefABCDEFxyzXYZ"
	b := make([]byte, 1+rng.IntN(6))
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return string(b)
}

// TestRevisionKeyOrder: over thousands of generated revisions the keys'
// byte order, quoted as the raw form compares them, is newestFirst's.
func TestRevisionKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 8))
	seen := map[string]bool{}
	var rs []revision
	for len(rs) < 5000 {
		id := genRevision(rng)
		if len(id) > 1 && rng.IntN(3) == 0 {
			id = strings.Repeat("f", 64)[:rng.IntN(64)+1]
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		ms := []int64{0, 1, maxTextMs, 1e12 + int64(rng.IntN(5)), int64(rng.Int64N(maxTextMs))}[rng.IntN(5)]
		rs = append(rs, revision{id: id, ms: ms})
	}
	quoted := func(r revision) string {
		meta := string(recipeMeta(r.id, r.ms))
		k, _, _ := strings.Cut(strings.TrimPrefix(meta, `{"revkey":`), `,"rev":`)
		return k
	}
	byKey := slices.Clone(rs)
	slices.SortFunc(byKey, func(a, b revision) int { return strings.Compare(quoted(a), quoted(b)) })
	want := newestFirst(slices.Clone(rs))
	for i := range want {
		if want[i].id != byKey[i].id || want[i].ms != byKey[i].ms {
			t.Fatalf("at %d: key order %v, newestFirst %v", i, byKey[i], want[i])
		}
	}
	if k := quoted(revision{id: "ab", ms: 5}); k != fmt.Sprintf(`"%015dab"`, 999_999_999_999_999-5) {
		t.Fatalf("key %s", k)
	}
}
