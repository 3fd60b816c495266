package rubygems_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/rubygems"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// benchHost holds gems gems of versions versions each, records shaped like
// real ones (two runtime dependencies, a Ruby requirement).
func benchHost(gems, versions int) memHost {
	h := porttest.NewMemHost()
	for g := 0; g < gems; g++ {
		name := fmt.Sprintf("bench-gem-%03d", g)
		for i := 0; i < versions; i++ {
			// Stored as push stores it (with the /info line the host lists).
			v := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
			b := rubygems.StoredMetadata(name, v, "ruby", fmt.Sprintf("%064x", g*1000+i), []rubygems.Dep{
				{Name: "rack", Type: "runtime", Reqs: []rubygems.Req{{Op: "~>", Version: "2.0"}, {Op: ">=", Version: "2.0.1"}}},
				{Name: "json", Type: "runtime", Reqs: []rubygems.Req{{Op: ">=", Version: "0"}}}}, []rubygems.Req{{Op: ">=", Version: "2.7"}})
			h.StagedVersions = append(h.StagedVersions, ports.VersionPut{Package: name, Version: v, Metadata: b})
		}
	}
	h.Commit()
	return h
}

// BenchmarkRender renders /info of a gem with 200 versions and
// specs.4.8.gz of 50 gems × 20 versions, natively and through the wasm
// runtime (the host cache is not involved).
func BenchmarkRender(b *testing.B) {
	for _, c := range []struct {
		name, path string
		h          memHost
		min        int
	}{
		{"info200", "/info/bench-gem-000", benchHost(1, 200), 200 * 100},
		{"specs1000", "/specs.4.8.gz", benchHost(50, 20), 1000},
		{"versions1000", "/versions", benchHost(50, 20), 50 * 30},
	} {
		req := ports.FormatRequest{Method: "GET", Path: c.path,
			Repo: &ports.RepoContext{Key: "gems", BaseURL: "http://h/gems/gems", IsPublic: true}}
		check := func(r ports.FormatResponse) {
			if r.Status != 200 || len(r.Body) < c.min {
				b.Fatalf("%s: status %d, %d bytes", c.path, r.Status, len(r.Body))
			}
		}
		b.Run(c.name+"/native", func(b *testing.B) {
			b.ReportAllocs()
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				check(nativeHandle(b, c.h, req))
			}
		})
		b.Run(c.name+"/wasm", func(b *testing.B) {
			rt := loadWasm(b)
			ctx := context.Background()
			b.ResetTimer()
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				r, err := rt.Handle(ctx, "rubygems", req, c.h)
				if err != nil {
					b.Fatal(err)
				}
				check(r)
			}
		})
	}
}
