package nuget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const asmBase = "http://keeper.test/nuget/nu"

// storeRecords is a fake host whose versions are recs, stored as publish
// stores them (encodeRecord), created out of order.
func storeRecords(t testing.TB, recs []record) *fakehost.Host {
	t.Helper()
	h := fakehost.New(&sdk.RepoContext{Key: "nu", Kind: "local", Format: "nuget", BaseURL: asmBase})
	for i := range recs {
		meta, err := encodeRecord(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		storeMeta(h, recs[i].ID, recs[i].Version, meta, i, len(recs))
	}
	return h
}

func storeMeta(h *fakehost.Host, id, version string, meta []byte, i, n int) {
	p := strings.ToLower(id)
	h.Versions[p+"\x00"+version] = sdk.VersionInfo{Package: p, Version: version, Metadata: meta,
		CreatedMs: 1767225600123 + int64((i*7)%max(n, 1))*1001}
}

// sameRegistration renders lid's index both ways with base and fails
// unless the assembled one is byte-identical or was declined; it reports
// whether it was assembled.
func sameRegistration(t *testing.T, h *fakehost.Host, base, lid string) bool {
	t.Helper()
	want, err := renderRegistration(h, base, lid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := assembledRegistration(h, base, lid)
	if err != nil {
		t.Fatalf("assemble: %v", err)
	}
	if got == nil {
		return false
	}
	if want.Status != 200 || got.Status != 200 || got.CacheTTLMs != want.CacheTTLMs {
		t.Fatalf("status %d/%d ttl %d/%d", got.Status, want.Status, got.CacheTTLMs, want.CacheTTLMs)
	}
	if !bytes.Equal(got.Bytes, want.Bytes) {
		t.Fatalf("assembled\n%s\nrendered\n%s", got.Bytes, want.Bytes)
	}
	return true
}

// sameFeed renders lid's FindPackagesById feed both ways, for clients of
// SemVer 1 and 2, like sameRegistration (a feed without visible versions
// is rendered by the guest: it counts as assembled when declined).
func sameFeed(t *testing.T, h *fakehost.Host, base, lid string) bool {
	t.Helper()
	built := true
	rs, err := records(h, lid)
	if err != nil {
		t.Fatal(err)
	}
	for _, sv2 := range []bool{false, true} {
		vis := visible(rs, true, sv2)
		want := feed(base, "FindPackagesById", vis)
		got, err := assembledFeed(h, base, "FindPackagesById", lid, sv2)
		if err != nil {
			t.Fatalf("assemble: %v", err)
		}
		if len(vis) == 0 && got != nil {
			t.Fatalf("semver2=%v: a feed without visible versions was assembled", sv2)
		}
		if got == nil {
			built = built && len(vis) == 0 && len(rs) > 0 // declined only when nothing is visible
			continue
		}
		if got.Status != 200 || len(got.Headers) != 2 || got.Headers[0].Value != "application/atom+xml;charset=utf-8" {
			t.Fatalf("status %d headers %v", got.Status, got.Headers)
		}
		if !bytes.Equal(got.Bytes, want) {
			t.Fatalf("semver2=%v: assembled\n%s\nrendered\n%s", sv2, got.Bytes, want)
		}
	}
	return built
}

// sameDocs checks the registration index and the feed; it reports whether
// both were assembled.
func sameDocs(t *testing.T, h *fakehost.Host, base, lid string) bool {
	t.Helper()
	reg := sameRegistration(t, h, base, lid)
	return sameFeed(t, h, base+"/api/v2/", lid) && reg
}

func rec(id, version string, mod func(*record)) record {
	r := record{Manifest: Manifest{ID: id, Version: version, OriginalVersion: version, Authors: "Keeper", Description: "d",
		DependencyGroups: []DependencyGroup{{TargetFramework: "net8.0", Dependencies: []Dependency{{ID: "Dep.One", Range: "[1.0.0, )"}}}}},
		Size: 123, SHA512: "AAAA"}
	if mod != nil {
		mod(&r)
	}
	return r
}

// TestAssembledMatchesRender: the host-assembled registration
// index and v2 FindPackagesById feed (SemVer 1 and 2) are byte-identical to the guest's render for regular, escaped,
// unlisted, reordered and irregular versions, and declines the documents
// it cannot build (a version stored without pieces, text that looks like
// a marker, no version).
func TestAssembledMatchesRender(t *testing.T) {
	odd := func(r *record) {
		r.Description = "<b>&amp;</b> \"quoted\" \\ back\nline\ttab \x01 é ✓ \u2028 \u2029 \xff"
		r.Title, r.Summary, r.Tags = "T<i>", "S&", "  a   b\tc  "
		r.IconURL, r.LicenseURL, r.LicenseExpression, r.ProjectURL = "https://x/i?a=1&b=<2>", "https://l", "MIT OR Apache-2.0", "https://p"
		r.Language, r.MinClientVersion, r.RequireLicenseAcceptance = "en-US", "2.12", true
		r.DependencyGroups = append(r.DependencyGroups, DependencyGroup{}, DependencyGroup{TargetFramework: "net45",
			Dependencies: []Dependency{{ID: "A.B"}, {ID: "Dep&<>", Range: "(1.0, 2.0]"}}})
	}
	unlisted := func(r *record) { r.Unlisted = true }
	cases := []struct {
		name string
		recs []record
		base string
	}{
		{"one", []record{rec("Keeper.Demo", "1.0.0", nil)}, asmBase},
		{"escapes", []record{rec("Keeper.Demo", "1.0.0", odd), rec("Keeper.Demo", "2.0.0-Beta.1", odd)}, asmBase},
		{"order", []record{rec("Keeper.Demo", "1.10.0", nil), rec("Keeper.Demo", "1.9.0", nil), rec("Keeper.Demo", "1.0.0-rc.1", nil),
			rec("Keeper.Demo", "1.0.0", nil), rec("Keeper.Demo", "1.0.0-alpha", nil), rec("Keeper.Demo", "1.0.0.1", nil)}, asmBase},
		{"unlisted", []record{rec("Keeper.Demo", "1.0.0", unlisted), rec("Keeper.Demo", "1.1.0", nil), rec("Keeper.Demo", "2.0.0", unlisted)}, asmBase},
		{"no groups", []record{rec("Keeper.Demo", "1.0.0", func(r *record) { r.DependencyGroups = nil })}, asmBase},
		{"semver2", []record{rec("Keeper.Demo", "1.0.0", func(r *record) { r.OriginalVersion = "1.0.0+build.5" }),
			rec("Keeper.Demo", "1.1.0-beta.1", nil), rec("Keeper.Demo", "1.1.0-beta", nil), rec("Keeper.Demo", "1.0.1", nil)}, asmBase},
		{"many", many(300), asmBase},
		{"odd base", []record{rec("Keeper.Demo", "1.0.0", odd)}, "http://h:8080/a&b/<c>/\"d\"/é"},
	}
	for _, c := range cases {
		h := storeRecords(t, c.recs)
		if !sameDocs(t, h, c.base, "keeper.demo") {
			t.Errorf("%s: not assembled", c.name)
		}
	}

	// Declined: the caller renders these itself.
	h := storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", nil)})
	other := rec("Keeper.Other", "1.0.1", nil) // another id's record under this package (render skips it)
	meta, _ := encodeRecord(&other)
	storeMeta(h, "keeper.demo", "1.0.1", meta, 1, 2)
	if sameRegistration(t, h, asmBase, "keeper.demo") || sameFeed(t, h, asmBase, "keeper.demo") {
		t.Error("a version with another id's pieces was assembled")
	}
	h = storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", nil)})
	old, _ := json.Marshal(rec("Keeper.Demo", "1.1.0", nil)) // stored before the pieces existed
	storeMeta(h, "keeper.demo", "1.1.0", old, 1, 2)
	if sameRegistration(t, h, asmBase, "keeper.demo") || sameFeed(t, h, asmBase, "keeper.demo") {
		t.Error("a version without pieces was assembled")
	}
	h = storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", func(r *record) { r.Description = "see \x00keeper-base\x00" })})
	if sameRegistration(t, h, asmBase, "keeper.demo") || sameFeed(t, h, asmBase, "keeper.demo") {
		t.Error("a record with marker text was assembled")
	}
	h = storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", func(r *record) { r.Title = "private \ue000 use" })})
	if sameRegistration(t, h, asmBase, "keeper.demo") || sameFeed(t, h, asmBase, "keeper.demo") {
		t.Error("a record with the entry marker was assembled")
	}
	storeMeta(h, "keeper.demo", "1.2.0", []byte(`{"pieces":1,"leaf":"x","id":"Keeper.Demo","id":"Keeper.Demo"}`), 2, 3)
	if sameRegistration(t, h, asmBase, "keeper.demo") || sameFeed(t, h, asmBase, "keeper.demo") {
		t.Error("an irregular document was assembled")
	}
	if sameRegistration(t, storeRecords(t, nil), asmBase, "keeper.demo") || sameFeed(t, storeRecords(t, nil), asmBase, "keeper.demo") {
		t.Error("a missing package was assembled")
	}
	h = storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", unlisted)})
	if !sameDocs(t, h, asmBase, "keeper.demo") {
		t.Error("the registration of an unlisted version was not assembled")
	}
}

// many is n versions of one package, every fifth unlisted, every seventh
// a prerelease.
func many(n int) []record {
	var recs []record
	for i := range n {
		v := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
		if i%7 == 3 {
			v += "-rc." + fmt.Sprint(i)
		}
		recs = append(recs, rec("Keeper.Demo", v, func(r *record) { r.Unlisted = i%5 == 4 }))
	}
	return recs
}

// TestUnlistKeepsPieces: unlisting and relisting rewrite the pieces, so
// the assembled index follows the listed state.
func TestUnlistKeepsPieces(t *testing.T) {
	h := storeRecords(t, []record{rec("Keeper.Demo", "1.0.0", nil), rec("Keeper.Demo", "1.1.0", nil)})
	for _, listed := range []bool{false, true} {
		if r, err := setListed(h, "Keeper.Demo", "1.1.0", listed); err != nil || r.Status != 204 {
			t.Fatalf("setListed(%v): %v %v", listed, r, err)
		}
		h.Commit()
		if !bytes.HasPrefix(h.Versions["keeper.demo\x001.1.0"].Metadata, []byte(`{"pieces":`)) {
			t.Fatalf("setListed(%v) dropped the pieces", listed)
		}
		if !sameDocs(t, h, asmBase, "keeper.demo") {
			t.Fatalf("setListed(%v): not assembled", listed)
		}
	}
}

// TestAssembledGenerated: 200 rounds of generated records
// (random text with escapes, HTML and unicode, versions, dependencies,
// unlisted ones, one to 40 versions) are assembled byte-identically, and
// the guest's records read them as they read records without pieces.
func TestAssembledGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 12))
	alphabet := []string{"a", "Z", "0", " ", "<", ">", "&", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "é", "✓", "\u2028", "\u2029", "😀", "\xff", "'", "%", "+"}
	text := func() string {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	pre := []string{"", "", "-alpha", "-Beta.2", "-rc.10", "-rc.9"}
	for round := range 200 {
		n := 1 + rng.IntN(40)
		seen := map[string]bool{}
		var recs []record
		for range n {
			v := fmt.Sprintf("%d.%d.%d%s", rng.IntN(3), rng.IntN(12), rng.IntN(3), pre[rng.IntN(len(pre))])
			if seen[v] {
				continue
			}
			seen[v] = true
			recs = append(recs, rec("Keeper.Gen", v, func(r *record) {
				r.Title, r.Summary, r.Description, r.Authors, r.Tags = text(), text(), text(), text(), text()
				r.IconURL, r.ProjectURL, r.Language = text(), text(), text()
				r.Unlisted, r.RequireLicenseAcceptance = rng.IntN(4) == 0, rng.IntN(2) == 0
				r.DependencyGroups = nil
				for range rng.IntN(3) {
					g := DependencyGroup{TargetFramework: text()}
					for range rng.IntN(3) {
						g.Dependencies = append(g.Dependencies, Dependency{ID: text(), Range: text()})
					}
					r.DependencyGroups = append(r.DependencyGroups, g)
				}
			}))
		}
		h := storeRecords(t, recs)
		for _, v := range h.Versions {
			var full, cut record
			short := withoutPieces(v.Metadata)
			if json.Unmarshal(v.Metadata, &full) != nil || json.Unmarshal(short, &cut) != nil || full.Pieces < 1 || len(short) >= len(v.Metadata) {
				t.Fatalf("round %d: metadata %s", round, v.Metadata)
			}
			full.pieces = pieces{}
			if !reflect.DeepEqual(full, cut) {
				t.Fatalf("round %d: without pieces %+v, with %+v", round, cut, full)
			}
		}
		if !sameDocs(t, h, asmBase, "keeper.gen") {
			t.Fatalf("round %d: not assembled", round)
		}
	}
}

// referenceCompare is CompareVersions as it was before versionKey (kept to
// check the parsed comparison against it).
func referenceCompare(a, b string) int {
	an, ap, _ := strings.Cut(a, "-")
	bn, bp, _ := strings.Cut(b, "-")
	as, bs := strings.Split(an, "."), strings.Split(bn, ".")
	for i := 0; i < 4; i++ {
		x, y := 0, 0
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return cmpInt(x, y)
		}
	}
	switch {
	case ap == "" && bp == "":
		return 0
	case ap == "":
		return 1
	case bp == "":
		return -1
	}
	al, bl := strings.Split(ap, "."), strings.Split(bp, ".")
	for i := 0; i < len(al) && i < len(bl); i++ {
		x, ex := strconv.Atoi(al[i])
		y, ey := strconv.Atoi(bl[i])
		switch {
		case ex == nil && ey == nil:
			if x != y {
				return cmpInt(x, y)
			}
		case ex == nil:
			return -1
		case ey == nil:
			return 1
		default:
			if c := strings.Compare(strings.ToLower(al[i]), strings.ToLower(bl[i])); c != 0 {
				return c
			}
		}
	}
	return cmpInt(len(al), len(bl))
}

// TestCompareVersionsMatchesReference: the parsed comparison orders
// generated versions (extra and odd parts, labels, case, huge numbers) as
// the string one did.
func TestCompareVersionsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"0", "1", "2", "10", "01", "99999999999999999999", "a", "B", "rc", "RC", "", "x1"}
	gen := func() string {
		var b strings.Builder
		for i := range 1 + rng.IntN(6) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('-')
			for i := range rng.IntN(4) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(parts[rng.IntN(len(parts))])
			}
		}
		return b.String()
	}
	for range 20000 {
		a, b := gen(), gen()
		if got, want := CompareVersions(a, b), referenceCompare(a, b); got != want {
			t.Fatalf("CompareVersions(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}
