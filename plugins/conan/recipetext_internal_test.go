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

// textOrRows renders rf's revision list and latest revision from the
// host-written text (ok false when it was refused) and from the rows.
func textOrRows(t *testing.T, h sdk.Host, rf ref) (list, latest, wantList, wantLatest []byte, ok bool) {
	t.Helper()
	vs, err := versions(h, rf)
	if err != nil {
		t.Fatal(err)
	}
	rs := recipeRevs(vs)
	wantList = appendRevisionList(nil, rf.String(), rs)
	if len(rs) > 0 {
		wantLatest = appendRevision(nil, rs[0])
	}
	ls, ok := revisionLines(h, rf)
	if !ok {
		return nil, nil, wantList, wantLatest, false
	}
	list = revisionListText(rf.String(), ls)
	latest, ok = latestRevision(h, rf)
	if !ok {
		t.Fatal("the latest revision was refused, the list was not")
	}
	return list, latest, wantList, wantLatest, true
}

// TestRevisionTextMatchesRows: the revision list and the latest revision
// written from the host's text have the bytes of the render from the
// rows: no, one, three and 200 revisions, package revisions beside them
// (skipped by the host by their metadata, or by the guest), equal times
// (ordered by id, ids a prefix of another and with bytes below '"'), any
// time of 1970…9999; and the text is refused (the rows are read) for a
// time before 1970 or after 9999, an id with a line break or one that
// JSON escapes.
func TestRevisionTextMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	rf := ref{name: "zlib", version: "1.3", user: "_", channel: "_"}
	ids := []string{"a", "ab", "ab!", "ab ", "abc", "B", "é", "0"}
	for round := 0; round < 400; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "cpp", Kind: "local", Format: "conan"})
		put := func(v string, ms int64, meta string) {
			h.Versions[rf.String()+"\x00"+v] = sdk.VersionInfo{Package: rf.String(), Version: v, CreatedMs: ms, Metadata: []byte(meta)}
		}
		refuse := false
		for i, n := 0, []int{0, 1, 3, 200}[round%4]; i < n; i++ {
			ms := 1767225600000 + int64(rng.IntN(50))*1000 + int64(rng.IntN(3))
			switch round % 7 {
			case 3:
				ms = int64(rng.IntN(5)) * 1000 // 1970
			case 5:
				ms = maxTextMs - 2000 - int64(rng.IntN(3))
			case 6:
				ms = rng.Int64N(maxTextMs)
			}
			id := fmt.Sprintf("%08x", rng.Uint32())
			if rng.IntN(4) == 0 {
				id = ids[rng.IntN(len(ids))]
			}
			put(id, ms, "{}")
			switch rng.IntN(4) {
			case 0:
				put(id+":pkg"+id[:1]+"#"+id[1:], ms+1000, `{"conaninfo":"[settings]\nos=Linux\n"}`)
			case 1:
				put(id+":pkg#1", ms+2000, `{"x":1}`) // not skipped by the host: the guest drops it
			}
		}
		switch round % 13 {
		case 10:
			put("ab\ncd", 5, "{}")
			refuse = true
		case 11:
			put("a<b", 5, "{}")
			refuse = true
		case 12:
			if round%4 != 0 {
				put("neg", -1000, "{}")
				refuse = true
			}
		}
		list, latest, wantList, wantLatest, ok := textOrRows(t, h, rf)
		if ok == refuse {
			t.Fatalf("round %d: text read %v, want %v", round, ok, !refuse)
		}
		if !ok {
			continue
		}
		if !bytes.Equal(list, wantList) {
			t.Fatalf("round %d:\n%s\nwant\n%s", round, list, wantList)
		}
		if !bytes.Equal(latest, wantLatest) {
			t.Fatalf("round %d: latest %s, want %s", round, latest, wantLatest)
		}
	}
	h := fakehost.New(&sdk.RepoContext{Key: "cpp", Kind: "local", Format: "conan"})
	h.Versions[rf.String()+"\x00x"] = sdk.VersionInfo{Package: rf.String(), Version: "x", CreatedMs: maxTextMs + 1, Metadata: []byte("{}")}
	if _, _, _, _, ok := textOrRows(t, h, rf); ok {
		t.Fatal("a time after 9999 was read as text")
	}
}

// TestNewestLines: the packed sort and, beyond the keys' room, the
// comparison sort order lines like newestFirst.
func TestNewestLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	for round := 0; round < 301; round++ {
		n := rng.IntN(100)
		if round == 300 {
			n = 70_000
		}
		rs := make([]revision, n)
		ls := make([]revisionLine, n)
		for i := range rs {
			rs[i] = revision{id: fmt.Sprintf("%x", rng.Uint32()), ms: int64(rng.IntN(20))}
			obj := appendRevision(nil, rs[i])
			ls[i] = revisionLine{ms: rs[i].ms, obj: append(obj[:len(obj)-3:len(obj)-3], `.000Z"}`...)}
		}
		want := newestFirst(slices.Clone(rs))
		got := newestLines(ls)
		for i := range want {
			if string(got[i].appendObject(nil)) != string(appendRevision(nil, want[i])) {
				t.Fatalf("round %d, position %d: %s, want %s", round, i, got[i].appendObject(nil), appendRevision(nil, want[i]))
			}
		}
	}
}
