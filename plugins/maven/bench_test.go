package maven_test

import (
	"context"
	"fmt"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/maven"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"

	"github.com/keeper-registry/keeper/ports"
)

// benchHost answers ListVersions/ListPackages from precomputed slices, as
// the indexed metadata store does, so the figures are the plugin's.
type benchHost struct {
	*porttest.MemHost
	versions []ports.Version
}

func (h benchHost) ListVersions(_ context.Context, pkg, after string, limit int) ([]ports.Version, error) {
	var out []ports.Version
	for _, v := range h.versions {
		if v.Version > after && len(out) < limit {
			out = append(out, v)
		}
	}
	return out, nil
}

func (h benchHost) ListPackages(context.Context, string, string, int) ([]ports.Package, error) {
	return []ports.Package{{Name: "org.example:big", UpdatedAt: time.UnixMilli(1700000000000)}}, nil
}

// BenchmarkArtifactMetadata renders maven-metadata.xml of an artifact with
// 200 versions, natively and through the wasm runtime.
func BenchmarkArtifactMetadata(b *testing.B) {
	h := benchHost{MemHost: porttest.NewMemHost()}
	// The version rows as 200 deploys store them (their metadata holds
	// the key the host sorts on).
	dep := fakehost.New(&sdk.RepoContext{Key: "m", Format: "maven", Kind: "local"})
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		pom := []byte("<project><groupId>org.example</groupId><artifactId>big</artifactId><version>" + v + "</version></project>")
		r := fakehost.Serve(maven.Plugin{}, dep, &sdk.Request{Method: "PUT", Path: "/org/example/big/" + v + "/big-" + v + ".pom",
			Repo: dep.RepoCtx, User: "u", Body: &sdk.Body{Digest: dep.AddBlob(pom), Size: uint64(len(pom))}})
		if r.Status != 201 {
			b.Fatalf("deploy %s: %d %s", v, r.Status, r.Bytes)
		}
		h.versions = append(h.versions, ports.Version{Package: "org.example:big", Version: v,
			Metadata: dep.Versions["org.example:big\x00"+v].Metadata, CreatedAt: time.UnixMilli(1700000000000)})
	}
	slices.SortFunc(h.versions, func(a, b ports.Version) int { return strings.Compare(a.Version, b.Version) })
	req := ports.FormatRequest{Method: "GET", Path: "/org/example/big/maven-metadata.xml", Repo: repoCtx}
	check := func(b *testing.B, r ports.FormatResponse) {
		if r.Status != 200 || strings.Count(string(r.Body), "<version>") != 200 {
			b.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			check(b, nativeOutcome(h, req).Resp)
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt, done := loadWasm(b)
		defer done()
		b.ReportAllocs()
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			r, err := rt.Handle(ctx, "maven", req, h)
			if err != nil {
				b.Fatal(err)
			}
			check(b, r)
		}
	})
}

// BenchmarkMergeMetadata2000 merges two members' maven-metadata.xml of
// 2,000 versions each (1,000 shared), natively and through the wasm runtime.
func BenchmarkMergeMetadata2000(b *testing.B) {
	doc := func(from int) []byte {
		var s strings.Builder
		s.WriteString("<metadata><groupId>org.example</groupId><artifactId>big</artifactId><versioning><versions>\n")
		for i := from; i < from+2000; i++ {
			fmt.Fprintf(&s, "<version>%d.%d.%d</version>\n", i/100, i/10%10, i%10)
		}
		s.WriteString("</versions><lastUpdated>20261201120000</lastUpdated></versioning></metadata>\n")
		return []byte(s.String())
	}
	docs := [][]byte{doc(0), doc(1000)}
	const path = "/org/example/big/maven-metadata.xml"
	check := func(b *testing.B, out []byte, err error) {
		if err != nil || strings.Count(string(out), "<version>") != 3000 {
			b.Fatalf("%v %.200s", err, out)
		}
	}
	b.SetBytes(int64(len(docs[0]) + len(docs[1])))
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			out, err := sdk.CallMerge(maven.Plugin{}, nil, path, docs)
			check(b, out, err)
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt, done := loadWasm(b)
		defer done()
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			doc, err := rt.Merge(ctx, "maven", wasm.CallContext{}, path, docs)
			check(b, doc.Body, err)
		}
	})
}
