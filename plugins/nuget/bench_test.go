package nuget_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/nuget"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkRender renders the registration index and the v2
// FindPackagesById feed of a package with 200 versions, natively and
// through the wasm runtime (the host cache is not involved).
func BenchmarkRender(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
		// Stored as publish stores it (with the pieces the host assembles).
		raw := nuget.StoredMetadata(nuget.Manifest{ID: "Bench.Pkg", Version: v, OriginalVersion: v, Authors: "Keeper",
			Description: "A benchmark package", Tags: "bench keeper", LicenseExpression: "MIT", ProjectURL: "https://example.invalid/",
			DependencyGroups: []nuget.DependencyGroup{{TargetFramework: "net8.0", Dependencies: []nuget.Dependency{
				{ID: "Newtonsoft.Json", Range: "[13.0.1, )"}, {ID: "Serilog", Range: "[3.0.0, 4.0.0)"}}}}}, 12345, "AAAA")
		h.StagedVersions = append(h.StagedVersions, ports.VersionPut{Package: "bench.pkg", Version: v, Metadata: raw})
	}
	h.Commit()
	for _, c := range []struct{ name, path, query string }{
		{"registration200", "/v3/registration/bench.pkg/index.json", ""},
		{"v2feed200", "/api/v2/FindPackagesById()", "id='Bench.Pkg'"},
	} {
		req := ports.FormatRequest{Method: "GET", Path: c.path, RawQuery: c.query,
			Repo: &ports.RepoContext{Key: "nu", BaseURL: "http://h/nuget/nu", IsPublic: true}}
		check := func(r ports.FormatResponse) {
			if r.Status != 200 || len(r.Body) < 200*500 {
				b.Fatalf("%s: status %d, %d bytes", c.path, r.Status, len(r.Body))
			}
		}
		b.Run(c.name+"/native", func(b *testing.B) {
			b.ReportAllocs()
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				check(nativeHandle(b, h, req))
			}
		})
		b.Run(c.name+"/wasm", func(b *testing.B) {
			rt := loadWasm(b)
			b.ResetTimer()
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				r, err := rt.Handle(context.Background(), "nuget", req, h)
				if err != nil {
					b.Fatal(err)
				}
				check(r)
			}
		})
	}
}
