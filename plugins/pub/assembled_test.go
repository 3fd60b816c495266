package pub_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/pub"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// sameListing renders the listing of name both ways and fails unless the
// assembled one is byte-identical to the render's (status and headers
// included) or was declined; it reports whether it was assembled.
func sameListing(t *testing.T, e *env, name string) bool {
	t.Helper()
	built := 0
	for _, b := range []string{base, "http://k/pub/d<a>rt&é\u2028"} {
		repo := *e.h.RepoCtx
		repo.BaseURL = b
		want, err := pub.RenderLocal(e.h, &sdk.Request{Method: "GET", Path: "/api/packages/" + name, Repo: &repo}, name)
		if err != nil {
			t.Fatal(err)
		}
		got := pub.AssembledListing(e.h, b, name)
		if got == nil {
			continue
		}
		built++
		if got.Kind != sdk.BodyBytes || got.Status != want.Status || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) {
			t.Fatalf("assembled %d %v, rendered %d %v %s", got.Status, got.Headers, want.Status, want.Headers, want.Bytes)
		}
		if !bytes.Equal(got.Bytes, want.Bytes) {
			t.Fatalf("assembled\n%s\nrendered\n%s", got.Bytes, want.Bytes)
		}
	}
	if built == 1 {
		t.Fatal("assembled with one base URL only")
	}
	return built == 2
}

// archiveWith is a package archive whose pubspec.yaml has extra lines.
func archiveWith(name, version, extra string) []byte {
	return tgz(map[string]string{"pubspec.yaml": pubspecOf(name, version) + extra, "lib/" + name + ".dart": "x\n"})
}

// TestAssembledListingMatchesRender: the host-assembled listing is the
// render's bytes for one version, for many (pre-releases, build metadata,
// versions published out of order, escapes, HTML characters and unicode
// in pubspecs, a base URL needing escapes), and the render answers for
// every stored shape that is not upload's.
func TestAssembledListingMatchesRender(t *testing.T) {
	e := newEnv(t)
	if sameListing(t, e, "hello") {
		t.Fatal("a missing package was assembled")
	}
	e.want(e.publish(archiveWith("hello", "1.0.0", "x_text: \"a <b> & \\\"c\\\" é \\u2028 \\t\"\n")), 200, "Successfully uploaded")
	if !sameListing(t, e, "hello") {
		t.Fatal("one version was not assembled")
	}
	for _, v := range []string{"2.0.0-beta.1", "1.10.0", "1.2.0", "2.0.0-beta.10", "1.2.0+build.7", "0.0.1-alpha", "10.0.0-rc"} {
		e.want(e.publish(archiveWith("hello", v, "executables:\n  hello: main\nflutter: {}\nlist: []\n")), 200, "Successfully uploaded")
	}
	if !sameListing(t, e, "hello") {
		t.Fatal("many versions were not assembled")
	}
	// Only pre-releases: the newest is the latest.
	e.want(e.publish(archiveWith("pre", "1.0.0-a", "")), 200, "Successfully uploaded")
	e.want(e.publish(archiveWith("pre", "1.0.0-b", "")), 200, "Successfully uploaded")
	if !sameListing(t, e, "pre") {
		t.Fatal("pre-releases were not assembled")
	}

	k := "hello\x001.2.0"
	good := e.h.Versions[k]
	sha := strings.Repeat("ab", 32)
	keys := `,"sort_key":"B1B2A0~$","latest_key":"1B1B2A0~$"}`
	for _, meta := range []string{
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"}}`, // stored before the keys
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"sort_key":"B1B2A0~$"}`,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"retracted":true` + keys,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"retracted":false` + keys,
		`{"archive_sha256":"` + sha + `","pubspec":"hello"` + keys,
		`{"archive_sha256":1,"pubspec":{"name":"hello"}` + keys,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"p\u0075bspec":{}` + keys,
		`{"archive_sha256": "` + sha + `","pubspec":{"name":"hello"}}`,
		`{"pubspec":{"name":"hello"},"archive_sha256":"` + sha + `"}`,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"retracted":true}`,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"retracted":false}`,
		`{"archive_sha256":"` + sha + `","pubspec":"hello"}`,
		`{"archive_sha256":1,"pubspec":{"name":"hello"}}`,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"}`,
		`{"archive_sha256":"` + sha + `","pubspec":{"name":"hello"},"p\u0075bspec":{}}`,
		``,
	} {
		v := good
		v.Metadata = []byte(meta)
		e.h.Versions[k] = v
		if sameListing(t, e, "hello") {
			t.Fatalf("assembled beside metadata %s", meta)
		}
	}
	e.h.Versions[k] = good
	// Stored metadata in other member orders and spacing (a store that
	// reformats JSON) is compacted both ways.
	for _, meta := range []string{
		`{"pubspec": {"name": "hello", "x": [1, "<é>"]}, "latest_key": "1B1B2A0~$", "archive_sha256": "` + sha + `", "sort_key": "B1B2A0~$"}`,
	} {
		v := good
		v.Metadata = []byte(meta)
		e.h.Versions[k] = v
		if !sameListing(t, e, "hello") {
			t.Fatalf("not assembled beside metadata %s", meta)
		}
	}
	e.h.Versions[k] = good
	if !sameListing(t, e, "hello") {
		t.Fatal("not assembled")
	}
	// A version that is no SemVer (upload refuses one: it has no keys) is
	// left out of the render: the host does not assemble it.
	bad := strings.Replace(string(good.Metadata), `,"sort_key"`, `,"x"`, 1)
	e.h.Versions["hello\x00v1"] = sdk.VersionInfo{Package: "hello", Version: "v1", Metadata: []byte(bad)}
	if sameListing(t, e, "hello") {
		t.Fatal("assembled beside a version that is no SemVer")
	}
}

// TestAssembledListingGenerated publishes random SemVer versions in a
// random order, 40 rounds, and compares the two ways each time.
func TestAssembledListingGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for round := range 40 {
		e := newEnv(t)
		seen := map[string]bool{}
		for range 1 + rng.IntN(30) {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(12), rng.IntN(3))
			switch rng.IntN(4) {
			case 0:
				v += []string{"-alpha", "-beta.2", "-beta.10", "-1", "-rc.1.x"}[rng.IntN(5)]
			case 1:
				v += "+b" + fmt.Sprint(rng.IntN(3))
			}
			if seen[v] {
				continue
			}
			seen[v] = true
			extra := fmt.Sprintf("x_n: %d\nx_s: \"<%c> & é\"\n", rng.IntN(1000), 'a'+rune(rng.IntN(26)))
			if r := e.publish(archiveWith("pkg", v, extra)); r.Status != 200 {
				// the same version with other build metadata is refused
				continue
			}
		}
		if !sameListing(t, e, "pkg") {
			t.Fatalf("round %d was not assembled", round)
		}
	}
}
