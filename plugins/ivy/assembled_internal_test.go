package ivy

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// rev is one stored version row: published (metadata as checkDescriptor
// writes it) or not yet (no metadata).
type rev struct {
	v       string
	created int64
	bare    bool
	meta    string // other metadata than checkDescriptor's
}

func revHost(pkg string, revs []rev) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "libs", Format: "ivy", Kind: "local"})
	for _, r := range revs {
		vi := sdk.VersionInfo{Package: pkg, Version: r.v, CreatedMs: r.created}
		if !r.bare {
			vi.Metadata = []byte(`{"publication":"20240101000000","status":"release"}`)
		}
		if r.meta != "" {
			vi.Metadata = []byte(r.meta)
		}
		h.Versions[pkg+"\x00"+r.v] = vi
	}
	return h
}

// sameMetadata renders maven-metadata.xml both ways, fails unless the
// bytes (or the refusal) are equal, and returns whether the host listed
// the revisions.
func sameMetadata(t *testing.T, m mavenPath, revs []rev) bool {
	t.Helper()
	h := revHost(m.Group+":"+m.Module, revs)
	want, werr := listedMetadata(h, m)
	got, err := mavenMetadata(h, m)
	if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("%s:%s: got %v\n%s\nwant %v\n%s", m.Group, m.Module, err, got, werr, want)
	}
	_, ok := assembledMetadata(h, m)
	return ok
}

// TestAssembledMetadataMatchesListed: the host's listing gives
// listedMetadata's bytes: escapes in ids and versions, ties and negative
// times, times out of range, one and many revisions (two listing pages),
// and the documents the guest still lists (unpublished revisions, a
// version needing an escape HTML does not write, unicode, none).
func TestAssembledMetadataMatchesListed(t *testing.T) {
	many := make([]rev, 1500)
	for i := range many {
		many[i] = rev{v: "1." + strconv.Itoa(i), created: int64(i%700) * 1e9}
	}
	m := mavenPath{Group: "org.example", Module: "demo", Metadata: true}
	odd := mavenPath{Group: "org.ex&a<m>p'le\"", Module: "d\tmo日本", Metadata: true}
	cases := []struct {
		name      string
		m         mavenPath
		revs      []rev
		assembled bool
	}{
		{"one", m, []rev{{v: "1.0", created: 1700000000123}}, true},
		{"ties", m, []rev{{v: "1.0", created: 5}, {v: "2.0", created: 5}, {v: "1.5", created: 5}}, true},
		{"newest first", m, []rev{{v: "1.0", created: 9e12}, {v: "2.0", created: 5}}, true},
		{"negative times", m, []rev{{v: "1.0", created: -5}, {v: "2.0", created: -7}}, true},
		{"out of range", m, []rev{{v: "1.0", created: 300000000000000}}, true},
		{"escaped", odd, []rev{{v: "1&<>\"'"}, {v: "2"}}, true},
		{"many", m, many, true},
		{"unpublished", m, []rev{{v: "1.0"}, {v: "1.1", bare: true}}, false},
		{"tab", m, []rev{{v: "1.0"}, {v: "1\t1"}}, false},
		{"unicode", m, []rev{{v: "1.0"}, {v: "1.0-é"}}, false},
		{"none", m, nil, false},
		{"only unpublished", m, []rev{{v: "1.0", bare: true}}, false},
		{"unpublished last", m, []rev{{v: "1.0", created: 5}, {v: "1.1", created: 9, bare: true}}, false},
		{"metadata not an object", m, []rev{{v: "1.0"}, {v: "1.1", meta: " {}"}}, false},
		{"metadata without status", m, []rev{{v: "1.0", created: 3}, {v: "1.1", meta: "{}", created: 4}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameMetadata(t, c.m, c.revs); got != c.assembled {
				t.Fatalf("assembled %v, want %v", got, c.assembled)
			}
		})
	}
}

// TestAssembledMetadataGenerated: 200 generated modules render alike both
// ways; those whose revisions are all published and plain are listed by
// the host.
func TestAssembledMetadataGenerated(t *testing.T) {
	pieces := []string{"1", "0", ".", "-", "rc", "SNAPSHOT", "&", "<", ">", "\"", "'", "+", "_", "x", "é", "\n"}
	rng := rand.New(rand.NewPCG(19, 23))
	assembled := 0
	for round := 0; round < 200; round++ {
		seen := map[string]bool{}
		var revs []rev
		plain := true
		for n := []int{1, 2, 10, 60, 1100}[round%5]; n > 0; n-- {
			var b strings.Builder
			for k := 1 + rng.IntN(5); k > 0; k-- {
				p := pieces[rng.IntN(len(pieces))]
				if (p == "é" || p == "\n") && round%3 != 0 {
					continue
				}
				b.WriteString(p)
			}
			v := b.String()
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			r := rev{v: v, created: rng.Int64N(20) * 1e11, bare: round%7 == 0 && rng.IntN(20) == 0}
			if r.bare || strings.ContainsAny(v, "é\n") {
				plain = false
			}
			revs = append(revs, r)
		}
		m := mavenPath{Group: "org.gen", Module: "m" + strconv.Itoa(round), Metadata: true}
		got := sameMetadata(t, m, revs)
		if want := plain && len(revs) > 0; got != want {
			t.Fatalf("round %d: assembled %v, want %v", round, got, want)
		}
		if got {
			assembled++
		}
	}
	if assembled < 100 {
		t.Fatalf("only %d of 200 modules assembled", assembled)
	}
}
