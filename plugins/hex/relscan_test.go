package hex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var relTexts = []string{"", "a", "1.0.0", "~> 1.0", ">= 2.0.0 and < 3.0.0-rc.1", "hexpm", "<&>\"\\/", "\t\x01", "ü日本",
	"\xff", "\u2028", "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899", "ABCDEF0"}

func genRelease(r *rand.Rand) release {
	t := func() string { return relTexts[r.Intn(len(relTexts))] }
	rel := release{Version: t(), InnerChecksum: t(), OuterChecksum: t()}
	for n := r.Intn(4); n > 0; n-- {
		rel.Dependencies = append(rel.Dependencies, dependency{Package: t(), Requirement: t(), Optional: r.Intn(2) == 0, App: t(), Repository: t()})
	}
	return rel
}

// TestDecodeReleaseMatchesUnmarshal: decodeRelease gives json.Unmarshal's
// result (or its error) for the metadata publish writes (json.Marshal of
// generated releases: escapes, HTML characters, unicode, invalid UTF-8,
// empty members and lists) and for 3,000 random mutations and other
// shapes; most of them are read by hand.
func TestDecodeReleaseMatchesUnmarshal(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	var inputs []string
	for i := 0; i < 1000; i++ {
		b, _ := json.Marshal(genRelease(r))
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, `{}`, `null`, `[]`, `{"Version":"1.0.0"}`, `{"version":"1.0.0","x":1}`, ` { "version" : "1" } `,
		`{"version":"1"}x`, `{"version":"1","version":"2"}`, `{"dependencies":null}`, `{"dependencies":[]}`,
		`{"dependencies":[{}]}`, `{"dependencies":[{"optional":false}]}`, `{"dependencies":[{"optional":null}]}`,
		`{"dependencies":[{"optional":"true"}]}`, `{"dependencies":[{"package":"a","package":"b"}]}`,
		`{"dependencies":[{"package":"a"},]}`, `{"version":"\u0031\ud83d\ude00"}`, `{"version":1}`, `{"version":"1"`)
	for i := 0; i < 3000; i++ {
		b := []byte(inputs[r.Intn(1000)])
		p := r.Intn(len(b))
		const subs = `{}[],:"\ nu0atrue`
		switch r.Intn(3) {
		case 0:
			b = append(b[:p], b[p+1:]...)
		case 1:
			b[p] = subs[r.Intn(len(subs))]
		default:
			b = append(b[:p], append([]byte{subs[r.Intn(len(subs))]}, b[p:]...)...)
		}
		inputs = append(inputs, string(b))
	}
	fast := 0
	for _, in := range inputs {
		var want, got release
		werr := json.Unmarshal([]byte(in), &want)
		gerr := decodeRelease([]byte(in), &got)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v %v, json.Unmarshal %#v %v", in, got, gerr, want, werr)
		}
		s := jsonscan.New([]byte(in))
		var rel release
		if readRelease(&s, &rel) && s.End() {
			fast++
		}
	}
	if fast < 1500 {
		t.Fatalf("only %d of %d inputs read by hand", fast, len(inputs))
	}
}

// encodePackageRef is encodePackage as it was before it reused its
// message buffers: the reference its bytes are checked against.
func encodePackageRef(repo, name string, rels []release) []byte {
	unhex := func(s string) []byte {
		out := make([]byte, len(s)/2)
		for i := range out {
			out[i] = fromHex(s[2*i])<<4 | fromHex(s[2*i+1])
		}
		return out
	}
	var b pb
	for _, r := range rels {
		m := pb(nil).bytes(1, []byte(r.Version)).bytes(2, unhex(r.InnerChecksum))
		for _, d := range r.Dependencies {
			dm := pb(nil).bytes(1, []byte(d.Package)).bytes(2, []byte(d.Requirement))
			if d.Optional {
				dm = dm.boolean(3, true)
			}
			if d.App != "" {
				dm = dm.bytes(4, []byte(d.App))
			}
			if d.Repository != "" {
				dm = dm.bytes(5, []byte(d.Repository))
			}
			m = m.bytes(3, dm)
		}
		if r.OuterChecksum != "" {
			m = m.bytes(5, unhex(r.OuterChecksum))
		}
		b = b.bytes(1, m)
	}
	return b.bytes(2, []byte(name)).bytes(3, []byte(repo))
}

// TestEncodePackageMatchesReference: the same bytes as the encoder before
// it reused buffers, for no release, one, and 200 rounds of generated ones
// (odd-length and upper-case checksums, long texts, empty members).
func TestEncodePackageMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	check := func(rels []release) {
		t.Helper()
		if got, want := encodePackage("repo", "pkg", rels), encodePackageRef("repo", "pkg", rels); !bytes.Equal(got, want) {
			t.Fatalf("%+v:\n%x\nwant\n%x", rels, got, want)
		}
	}
	check(nil)
	check([]release{{Version: "1.0.0", InnerChecksum: "ab"}})
	long := release{Version: string(make([]byte, 300)), InnerChecksum: relTexts[11], OuterChecksum: relTexts[11]}
	check([]release{long, long})
	for i := 0; i < 200; i++ {
		var rels []release
		for n := r.Intn(30); n > 0; n-- {
			rels = append(rels, genRelease(r))
		}
		check(rels)
	}
}

// releasesRef is releases as it was before the host wrote the metadata
// as text: every row lifted, sorted with a SemVer parse per comparison.
func releasesRef(h sdk.Host, name string) []release {
	var rels []release
	_ = sdk.EachVersion(h, name, maxReleases, func(v sdk.VersionInfo) error {
		var r release
		if json.Unmarshal(v.Metadata, &r) == nil && r.InnerChecksum != "" {
			rels = append(rels, r)
		}
		return nil
	})
	sort.SliceStable(rels, func(i, j int) bool {
		a, _ := semver.Parse(rels[i].Version)
		b, _ := semver.Parse(rels[j].Version)
		return a.Compare(b) < 0
	})
	return rels
}

// TestReleasesMatchesListing: releases read from the host's text (and,
// when a document holds a line break, from the rows) are the releases
// and order of the reference, and encode to the same payload, for 300
// generated packages (valid, invalid and equal-precedence versions,
// irregular metadata, none).
func TestReleasesMatchesListing(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	versions := []string{"1.0.0", "1.0.0+b", "1.0.0+a", "0.1.0-rc.1", "0.1.0-rc.10", "0.1.0-alpha", "2.0.0", "10.0.0", "x", "", "1.0"}
	metas := []string{"", "not json", `{"inner_checksum":""}`, "{\n\"version\":\"1.0.0\",\"inner_checksum\":\"ab\"}"}
	sorted := 0
	for round := 0; round < 300; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "hexrepo", Kind: "local", Format: "hex"})
		for i, n := 0, r.Intn(25); i < n; i++ {
			rel := genRelease(r)
			rel.Version, rel.InnerChecksum = versions[r.Intn(len(versions))], "ab"
			if round%4 != 0 {
				rel.SortKey = sortKey(rel.Version)
			}
			meta, _ := json.Marshal(rel)
			if r.Intn(8) == 0 {
				meta = []byte(metas[r.Intn(len(metas))])
			}
			v := fmt.Sprintf("%03d", i)
			h.Versions["pkg\x00"+v] = sdk.VersionInfo{Package: "pkg", Version: v, Metadata: meta}
		}
		if _, ok := sortedReleaseLines(h, "pkg"); ok {
			sorted++
		}
		got, err := releases(h, "pkg")
		want := releasesRef(h, "pkg")
		if err != nil || !bytes.Equal(encodePackage("repo", "pkg", got), encodePackage("repo", "pkg", want)) || len(got) != len(want) {
			t.Fatalf("round %d: %v\n%+v\nwant\n%+v", round, err, got, want)
		}
	}
	if sorted < 50 {
		t.Fatalf("only %d of 300 packages sorted by the host", sorted)
	}
}
