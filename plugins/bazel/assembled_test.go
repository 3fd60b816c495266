package bazel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

var specials = []string{"1.0.0", "a", "<b>", "&", `"`, `\`, "é", "日本", "\u2028", "\u2029", "\x01", "\xff", "+build", "-rc.1", " "}

func hostWithVersions(name string, versions []string, meta func(i int) []byte) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "bzl", Kind: "local", Format: "bazel", BaseURL: "http://h/bazel/bzl"})
	for i, v := range versions {
		h.Versions[name+"\x00"+v] = sdk.VersionInfo{Package: name, Version: v, Metadata: meta(i)}
	}
	h.Versions["other\x00"+"9.9.9"] = sdk.VersionInfo{Package: "other", Version: "9.9.9", Metadata: []byte(`{}`)}
	return h
}

// TestAssembledMetadataMatchesRender: the host-assembled metadata.json is
// byte-identical to renderMetadata's for no version (404), one, 2,500
// (more than a page), versions with JSON and HTML specials, unicode and
// invalid UTF-8, and 200 generated rounds.
func TestAssembledMetadataMatchesRender(t *testing.T) {
	check := func(versions []string) {
		t.Helper()
		h := hostWithVersions("demo", versions, func(int) []byte { return nil })
		want, werr := renderMetadata(h, "demo")
		got, ok, err := assembledMetadata(h, "demo")
		if !ok && err == nil {
			t.Fatalf("%q: not assembled", versions)
		}
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("%q: error %v, rendered %v", versions, err, werr)
		}
		if err == nil && (!bytes.Equal(got.Bytes, want.Bytes) || got.CacheTTLMs != want.CacheTTLMs ||
			fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) || got.Kind != want.Kind) {
			t.Fatalf("assembled %+v\n%s\nrendered %+v\n%s", got, got.Bytes, want, want.Bytes)
		}
	}
	check(nil)
	check([]string{"1.0.0"})
	check(specials)
	many := make([]string, 2500)
	for i := range many {
		many[i] = fmt.Sprintf("1.%d.0", i)
	}
	check(many)
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		seen := map[string]bool{}
		var vs []string
		for n := r.IntN(12); n > 0; n-- {
			v := specials[r.IntN(len(specials))] + specials[r.IntN(len(specials))]
			if !seen[v] {
				seen[v], vs = true, append(vs, v)
			}
		}
		check(vs)
	}
}

// TestSourceMatchesListing: source.json read through versionMetadata is
// the document the listing path renders (sourceDoc of the same row), for
// the version present, absent, without metadata and with irregular
// metadata; sourceDoc writes json.MarshalIndent's bytes.
func TestSourceMatchesListing(t *testing.T) {
	metas := []string{`{"archive":"archives/demo/1.0.0/demo-1.0.0.tar.gz","integrity":"sha256-abc=","strip_prefix":"demo-1.0.0"}`,
		`{"archive":"a<b>&\u2028.tgz","integrity":"x"}`, `{"archive":""}`, `not json`, ``, `{"Archive":"A","x":1}`,
		`{"archive":"a","archive":"b"}`, `{"archive":"é\"\\"}`}
	vs := []string{"1.0.0", "1.1.0", "2.0.0", "3", "4", "5", "6", "7"}
	h := hostWithVersions("demo", vs, func(i int) []byte { return []byte(metas[i]) })
	for _, v := range append(vs, "9.0.0") {
		meta, found, ok, err := versionMetadata(h, "demo", v)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", v, ok, err)
		}
		ls, _ := h.ListVersions("demo", "", maxVersions)
		var want []byte
		wantFound := false
		for _, lv := range ls {
			if lv.Version == v {
				want, wantFound = lv.Metadata, true
			}
		}
		if found != wantFound || !bytes.Equal(meta, want) {
			t.Fatalf("%s: %q %v, listing %q %v", v, meta, found, want, wantFound)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 500; i++ {
		m := versionMeta{Archive: specials[r.IntN(len(specials))] + specials[r.IntN(len(specials))],
			Integrity: specials[r.IntN(len(specials))], StripPrefix: specials[r.IntN(len(specials))]}
		base := []string{"http://h/bazel/bzl", "http://h/bazel/bzl/", "http://h/<&>/x"}[r.IntN(3)]
		want, _ := json.MarshalIndent(map[string]any{"url": base[:len(base)-len(trailingSlash(base))] + "/" + m.Archive,
			"integrity": m.Integrity, "strip_prefix": m.StripPrefix, "patch_strip": 0, "patches": map[string]string{}}, "", "  ")
		if got := sourceDoc(base, m); !bytes.Equal(got, append(want, '\n')) {
			t.Fatalf("%+v:\n%s\nwant\n%s", m, got, want)
		}
	}
}

func trailingSlash(s string) string {
	if len(s) > 0 && s[len(s)-1] == '/' {
		return "/"
	}
	return ""
}

// TestDecodeVersionMetaMatchesUnmarshal: decodeVersionMeta gives
// json.Unmarshal's result (or its error) for what publish writes and for
// random mutations of it.
func TestDecodeVersionMetaMatchesUnmarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var inputs []string
	for i := 0; i < 500; i++ {
		b, _ := json.Marshal(versionMeta{Archive: specials[r.IntN(len(specials))], Integrity: specials[r.IntN(len(specials))],
			StripPrefix: specials[r.IntN(len(specials))]})
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs, `{}`, `null`, `{"archive":1}`, `{"archive":"a"} x`, ` {"archive" : "a" , "integrity":"b"} `)
	for i := 0; i < 2000; i++ {
		b := []byte(inputs[r.IntN(500)])
		p := r.IntN(len(b))
		const subs = `{}[],:"\ nu0a`
		b[p] = subs[r.IntN(len(subs))]
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var want, got versionMeta
		werr := json.Unmarshal([]byte(in), &want)
		gerr := decodeVersionMeta([]byte(in), &got)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %+v %v, json.Unmarshal %+v %v", in, got, gerr, want, werr)
		}
	}
}
