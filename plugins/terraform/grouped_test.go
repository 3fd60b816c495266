package terraform

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// renderListings is provider-versions as the listings' render writes it
// (every version row and package row lifted, SemVer sorted in the guest).
func renderListings(t *testing.T, h *fakehost.Host, typ string) []byte {
	vs, err := versionsOf(h, providerPackage(typ))
	if err != nil {
		t.Fatal(err)
	}
	all, err := platforms(h, typ, "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := appendProviderVersions(nil, vs, all)
	return body
}

// TestGroupedVersionsMatchRender: provider-versions written by the host
// (groupedVersions) is byte for byte the listings' render for 300
// generated providers (one package, one version, up to 400 packages over
// 100 versions; pre-releases, build metadata, every protocols form
// publish can store, escapes and unicode in protocols and platforms, any
// upload order, platforms whose path order differs from their upload
// order) and declines a provider with a package stored before
// providerFileMeta.
func TestGroupedVersionsMatchRender(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	grouped := 0
	for round := 0; round < 300; round++ {
		h := newHost()
		nv := 1 + rng.Intn(12)
		switch round % 10 {
		case 0:
			nv = 1
		case 1:
			nv = 100
		}
		old := round%5 == 4
		stored := 0
		for i := 0; i < nv; i++ {
			v := fmt.Sprintf("%d.%d.%d", rng.Intn(3), rng.Intn(12), rng.Intn(3)) + pick("", "", "-rc.1", "-beta", "+b1", "-rc.1+b2", "+b0", "-rc.10", "-0.a")
			for j, m := 0, 1+rng.Intn(4); j < m; j++ {
				goos, arch := pick("linux", "darwin", "windows", "freebsd", "é"), pick("amd64", "arm64", "386", "arm_v7", "a<b")
				file := "terraform-provider-demo_" + v + "_" + goos + "_" + arch + ".zip"
				meta := []byte(pick(metas[:9]...))
				if !old || stored > 0 {
					meta = providerFileMeta(meta, v, goos, arch)
				}
				addPackage(h, "demo", v, file, meta)
				stored++
			}
		}
		old = false // the unkeyed package may have been stored over
		for _, f := range h.Files {
			old = old || !bytes.Contains(f.Metadata, []byte(`"sort_key"`))
		}
		got, ok := groupedVersions(h, "demo")
		if old {
			if ok {
				t.Fatalf("round %d: a package without sort_key was grouped", round)
			}
			continue
		}
		if !ok {
			t.Fatalf("round %d: not grouped", round)
		}
		grouped++
		if want := renderListings(t, h, "demo"); !bytes.Equal(got.Bytes, want) || got.CacheTTLMs != jsonResponse(200, nil).CacheTTLMs {
			t.Fatalf("round %d:\n got %s\nwant %s", round, got.Bytes, want)
		}
	}
	if grouped < 200 {
		t.Fatalf("only %d rounds grouped", grouped)
	}
}
