package hex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// genVersion is a SemVer text (big and zero-led numbers, pre-release and
// build identifiers) or, now and then, one semver.Parse refuses.
func genVersion(r *rand.Rand) string {
	num := func() string {
		return []string{"0", "1", "2", "9", "10", "11", "99", "100", "18446744073709551615", "4294967296"}[r.Intn(10)]
	}
	v := num() + "." + num() + "." + num()
	if r.Intn(2) == 0 {
		ids := []string{"alpha", "beta", "rc", "0", "1", "2", "10", "a-b", "A", "Z", "z", "-", "1a", "rc1", "rc10"}
		v += "-" + ids[r.Intn(len(ids))]
		for n := r.Intn(3); n > 0; n-- {
			v += "." + ids[r.Intn(len(ids))]
		}
	}
	if r.Intn(4) == 0 {
		v += "+" + []string{"b", "a", "build.1", "001", "z.9"}[r.Intn(5)]
	}
	if r.Intn(15) == 0 {
		v = []string{"x", "", "1.0", "01.0.0", "1.0.0-", "1.0.0-ü", "1.0.0-a\"b", "1.0.0\n-x", "1.0.0-\u2028"}[r.Intn(9)]
	}
	return v
}

// TestSortKeyOrder: sorting 3,000 generated versions (some unparsable,
// many of equal precedence) stably by their sort keys' bytes gives the
// order releases' stable sort by semver.Compare gives.
func TestSortKeyOrder(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	vs := make([]string, 3000)
	for i := range vs {
		vs[i] = genVersion(r)
	}
	byKey := slices.Clone(vs)
	slices.SortStableFunc(byKey, func(a, b string) int { return strings.Compare(sortKey(a), sortKey(b)) })
	bySemver := slices.Clone(vs)
	slices.SortStableFunc(bySemver, func(a, b string) int {
		x, _ := semver.Parse(a)
		y, _ := semver.Parse(b)
		return x.Compare(y)
	})
	if !slices.Equal(byKey, bySemver) {
		for i := range byKey {
			if byKey[i] != bySemver[i] {
				t.Fatalf("position %d: key order %q, semver order %q", i, byKey[i], bySemver[i])
			}
		}
	}
	for _, v := range vs {
		if k := sortKey(v); !json.Valid([]byte(`"`+k+`"`)) || strings.ContainsAny(k, "\"\\\n") {
			t.Fatalf("%q: key %q is not a plain JSON string", v, k)
		}
	}
}

// versionsRef is /versions' payload as it was written before the host
// sorted: every package's releases read (releasesRef) in the guest.
func versionsRef(h sdk.Host, repo string) []byte {
	var out []versionsEntry
	_ = sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
		rels := releasesRef(h, p.Name)
		if len(rels) == 0 {
			return nil
		}
		e := versionsEntry{Name: p.Name}
		for _, r := range rels {
			e.Versions = append(e.Versions, r.Version)
		}
		out = append(out, e)
		return nil
	})
	return encodeVersions(repo, out)
}

// storeReleases stores n packages of generated releases; with irregular,
// now and then a release without a sort key (stored before publish wrote
// them) or metadata the host cannot project.
func storeReleases(r *rand.Rand, h *fakehost.Host, n int, irregular bool) {
	metas := []string{"not json", `{"inner_checksum":""}`, `{"version":"1.0.0","inner_checksum":7,"sort_key":"B1B0B0~$"}`,
		`{"version":"1.0.0","version":"2.0.0","inner_checksum":"ab","sort_key":"B2B0B0~$"}`}
	for p := 0; p < n; p++ {
		name := fmt.Sprintf("pkg%03d", r.Intn(1000))
		if r.Intn(20) == 0 {
			name = []string{"ü", "a\"b", "<&>", "z"}[r.Intn(4)]
		}
		for i, k := 0, r.Intn(14); i < k; i++ {
			rel := genRelease(r)
			rel.Version, rel.InnerChecksum = genVersion(r), "ab"
			rel.SortKey = sortKey(rel.Version)
			if r.Intn(12) == 0 {
				rel.InnerChecksum = ""
			}
			meta, _ := json.Marshal(rel)
			if irregular && r.Intn(3) == 0 {
				switch r.Intn(3) {
				case 0:
					rel.SortKey = ""
					meta, _ = json.Marshal(rel)
				default:
					meta = []byte(metas[r.Intn(len(metas))])
				}
			}
			v := fmt.Sprintf("%s#%d", rel.Version, r.Intn(100))
			h.Versions[name+"\x00"+v] = sdk.VersionInfo{Package: name, Version: v, Metadata: meta}
		}
	}
}

// TestVersionsPayloadMatchesRender: /versions' payload is byte for byte
// the guest's render for 200 generated repositories (none, one and up to
// 140 packages, so several templates of maxLoops loops; equal-precedence
// and unparsable versions, escapes, unicode, releases without a checksum,
// and in every third repository releases without a key or with metadata
// the host finds irregular, which make the guest read them as before).
func TestVersionsPayloadMatchesRender(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	sorted := 0
	for round := 0; round < 200; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "hexrepo", Kind: "local", Format: "hex"})
		n := r.Intn(12)
		switch round % 10 {
		case 0:
			n = 0
		case 1:
			n = 1
		case 2:
			n = 70 + r.Intn(70)
		}
		irregular := round%3 == 0
		storeReleases(r, h, n, irregular)
		got, err := versionsPayload(h, "repo")
		if want := versionsRef(h, "repo"); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("round %d: %v\n%q\nwant\n%q", round, err, got, want)
		}
		var names []string
		_ = sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
			names = append(names, p.Name)
			return nil
		})
		if _, ok := sortedVersions(h, names[:min(len(names), maxLoops)]); ok {
			sorted++
		} else if !irregular && !strings.Contains(string(got), "\n") {
			t.Fatalf("round %d: a repository of regular releases was not sorted by the host", round)
		}
	}
	if sorted < 100 {
		t.Fatalf("only %d of 200 repositories sorted by the host", sorted)
	}
}
