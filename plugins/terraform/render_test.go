package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The renders before render.go (encoding/json over maps and structs), kept
// as the reference the hand-written documents must match byte for byte.

type refPlatform struct {
	OS, Arch, Filename, SHA256 string
	Protocols                  []string
}

func refPlatforms(t *testing.T, h sdk.Host, typ, version string) map[string][]refPlatform {
	prefix := "-/providers/" + typ + "/"
	if version != "" {
		prefix = providerDir(typ, version)
	}
	out := map[string][]refPlatform{}
	err := sdk.EachFile(h, prefix, providerPackage(typ), maxPlatforms*16, func(f sdk.File) error {
		file := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		rest, ok := strings.CutPrefix(file, "terraform-provider-"+typ+"_"+f.Version+"_")
		osArch, ok2 := strings.CutSuffix(rest, ".zip")
		goos, arch, ok3 := strings.Cut(osArch, "_")
		if !ok || !ok2 || !ok3 {
			return nil
		}
		var m zipMeta
		_ = json.Unmarshal(f.Metadata, &m)
		out[f.Version] = append(out[f.Version], refPlatform{OS: goos, Arch: arch, Filename: file, SHA256: f.SHA256, Protocols: m.Protocols})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func refVersionsOf(t *testing.T, h sdk.Host, pkg string) []string {
	var vs []semver.Version
	err := sdk.EachVersion(h, pkg, maxVersions, func(v sdk.VersionInfo) error {
		if sv, ok := semver.Parse(v.Version); ok {
			vs = append(vs, sv)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].Compare(vs[j-1]) < 0; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// refDocs renders provider-versions (nil when 404), the mirror version
// document and SHA256SUMS of each version, and module-versions.
func refDocs(t *testing.T, h sdk.Host, typ, module string) map[string][]byte {
	docs := map[string][]byte{}
	vs := refVersionsOf(t, h, providerPackage(typ))
	all := refPlatforms(t, h, typ, "")
	type plat struct {
		OS   string `json:"os"`
		Arch string `json:"arch"`
	}
	type ver struct {
		Version   string   `json:"version"`
		Protocols []string `json:"protocols"`
		Platforms []plat   `json:"platforms"`
	}
	out := []ver{}
	for _, v := range vs {
		ps := all[v]
		if len(ps) == 0 {
			continue
		}
		e := ver{Version: v, Protocols: ps[0].Protocols, Platforms: []plat{}}
		for _, p := range ps {
			e.Platforms = append(e.Platforms, plat{p.OS, p.Arch})
		}
		out = append(out, e)
	}
	if len(out) > 0 {
		docs["provider-versions"], _ = json.Marshal(map[string][]ver{"versions": out})
	}
	for _, v := range vs {
		ps := refPlatforms(t, h, typ, v)[v]
		if len(ps) == 0 {
			continue
		}
		type archive struct {
			URL    string   `json:"url"`
			Hashes []string `json:"hashes"`
		}
		arch := map[string]archive{}
		for _, p := range ps {
			arch[p.OS+"_"+p.Arch] = archive{URL: "../../../../providers/" + typ + "/" + v + "/" + p.Filename, Hashes: []string{"zh:" + p.SHA256}}
		}
		docs["mirror "+v], _ = json.Marshal(map[string]any{"archives": arch})
		sort.Slice(ps, func(i, j int) bool { return ps[i].Filename < ps[j].Filename })
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(p.SHA256 + "  " + p.Filename + "\n")
		}
		docs["sums "+v] = []byte(b.String())
	}
	type mver struct {
		Version string `json:"version"`
	}
	type mod struct {
		Versions []mver `json:"versions"`
	}
	if mvs := refVersionsOf(t, h, "module/"+module); len(mvs) > 0 {
		ms := make([]mver, len(mvs))
		for i, v := range mvs {
			ms[i] = mver{v}
		}
		docs["module-versions"], _ = json.Marshal(map[string][]mod{"modules": {{Versions: ms}}})
	}
	return docs
}

// newDocs renders the same documents through the plugin.
func newDocs(t *testing.T, h *fakehost.Host, typ, module string) map[string][]byte {
	docs := map[string][]byte{}
	grab := func(name, path string) {
		r := get(h, path)
		if r.Status == 200 {
			docs[name] = r.Bytes
		} else if r.Status != 404 {
			t.Fatalf("%s: status %d %s", path, r.Status, r.Bytes)
		}
	}
	grab("provider-versions", "/"+typ+"/versions")
	for _, v := range refVersionsOf(t, h, providerPackage(typ)) {
		grab("mirror "+v, "/-/mirror/h/ns/"+typ+"/"+v+".json")
		grab("sums "+v, "/-/providers/"+typ+"/"+v+"/"+sumsName(typ, v))
	}
	grab("module-versions", "/"+module+"/versions")
	return docs
}

// addPackage stores a provider package (or any file) with its metadata,
// as publishProvider would (or as another writer might).
func addPackage(h *fakehost.Host, typ, version, file string, meta []byte) {
	f := h.AddFile(providerDir(typ, version)+file, []byte(version+file))
	f.Package, f.Version, f.Metadata = providerPackage(typ), version, meta
	h.Files[f.Path] = f
	h.Versions[providerPackage(typ)+"\x00"+version] = sdk.VersionInfo{Package: providerPackage(typ), Version: version, Metadata: meta}
}

func compareDocs(t *testing.T, h *fakehost.Host, typ, module string) {
	t.Helper()
	want, got := refDocs(t, h, typ, module), newDocs(t, h, typ, module)
	if len(want) != len(got) {
		t.Fatalf("documents: got %d, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !bytes.Equal(got[k], w) {
			t.Fatalf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
}

// metas are stored package metadata: what publishProvider stores, and
// irregular forms another writer could leave (decoded and re-encoded).
var metas = []string{`{"protocols":["5.0"]}`, `{"protocols":["5.0","6.0"]}`, `{"protocols":null}`, `{"protocols":[]}`,
	`{"protocols": ["5.0"]}`, `{"protocols":["\u0035.0"]}`, `{"protocols":["<&>"]}`, `{"protocols":["é"]}`,
	`{"protocols":["5.0"],"x":1}`, `{}`, ``, `not json`, `{"protocols":[1]}`, `{"protocols":["5.0",]}`, `{"protocols":[""]}`,
	`{"protocols":"5.0"}`, `{"protocols":["a b"]}`, `{"protocols":["5.0"]} `}

// TestHandWrittenMatchesEncodingJSON renders provider-versions (through
// the assembled listing and, for irregular metadata, the listings), every
// version's mirror document and SHA256SUMS and module-versions both ways:
// a fixed set (every metadata form, a foreign file, a version without
// packages, a platform twice under another file name) and 200 generated
// repositories (SemVer pre-releases and build metadata, any upload order).
func TestHandWrittenMatchesEncodingJSON(t *testing.T) {
	h := newHost()
	for i, m := range metas {
		v := fmt.Sprintf("1.%d.0", i)
		addPackage(h, "demo", v, "terraform-provider-demo_"+v+"_linux_amd64.zip", []byte(m))
		addPackage(h, "demo", v, "terraform-provider-demo_"+v+"_darwin_arm64.zip", []byte(metas[0]))
	}
	addPackage(h, "demo", "2.0.0", "README.txt", []byte(metas[0]))
	addPackage(h, "demo", "2.0.1", "terraform-provider-demo_2.0.1_linux_amd64_x.zip", []byte(metas[0]))
	addPackage(h, "demo", "2.0.1", "terraform-provider-demo_2.0.1_linux_amd64.zip", []byte(metas[1]))
	h.Versions["module/net/aws\x001.0.0"] = sdk.VersionInfo{Package: "module/net/aws", Version: "1.0.0"}
	compareDocs(t, h, "demo", "net/aws")

	// The assembled listing serves regular packages and leaves irregular
	// metadata to the listings' render.
	if _, _, done := listedVersions(h, "demo"); done {
		t.Fatal("irregular metadata was listed")
	}
	regular := newHost()
	for i, m := range metas[:9] {
		v := fmt.Sprintf("1.%d.0", i)
		addPackage(regular, "demo", v, "terraform-provider-demo_"+v+"_linux_amd64.zip", []byte(m))
	}
	if _, found, done := listedVersions(regular, "demo"); !done || !found {
		t.Fatal("regular metadata was not listed")
	}
	compareDocs(t, regular, "demo", "net/aws")

	rng := rand.New(rand.NewSource(9))
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	sortedRounds := 0
	for round := 0; round < 200; round++ {
		h := newHost()
		for i, n := 0, rng.Intn(30); i < n; i++ {
			v := fmt.Sprintf("%d.%d.%d", rng.Intn(3), rng.Intn(12), rng.Intn(3)) + pick("", "", "-rc.1", "-beta", "+b1", "-rc.1+b2", "+b0")
			for j, m := 0, 1+rng.Intn(4); j < m; j++ {
				plat := pick("linux", "darwin", "windows", "freebsd") + "_" + pick("amd64", "arm64", "386")
				ms := metas
				if round%2 == 0 {
					ms = metas[:9] // what the assembled listing reads
				}
				addPackage(h, "demo", v, "terraform-provider-demo_"+v+"_"+plat+".zip", []byte(pick(ms...)))
			}
			if rng.Intn(2) == 0 {
				mv := fmt.Sprintf("%d.%d.%d", rng.Intn(3), rng.Intn(12), rng.Intn(3)) + pick("", "-rc.1", "+b1")
				h.Versions["module/net/aws\x00"+mv] = sdk.VersionInfo{Package: "module/net/aws", Version: mv}
			}
		}
		if round%2 == 0 { // versions as publish stores them now: sorted by the host
			stale := round%6 == 0
			for k, v := range h.Versions {
				if v.Package == providerPackage("demo") && !stale {
					v.Metadata = providerVersionMeta(nil, v.Version)
					h.Versions[k] = v
				}
				stale = false
			}
			if _, _, done := listed(h, "demo", true); done {
				sortedRounds++
			}
		}
		compareDocs(t, h, "demo", "net/aws")
	}
	if sortedRounds < 20 {
		t.Fatalf("only %d rounds were listed sorted by the host", sortedRounds)
	}
}
