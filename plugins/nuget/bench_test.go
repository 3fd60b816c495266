package nuget_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
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
		rec := map[string]any{"id": "Bench.Pkg", "version": v, "original": v, "authors": "Keeper", "description": "A benchmark package",
			"tags": "bench keeper", "license": "MIT", "projectUrl": "https://example.invalid/", "size": 12345, "sha512": "AAAA",
			"groups": []map[string]any{{"tfm": "net8.0", "deps": []map[string]string{{"id": "Newtonsoft.Json", "range": "[13.0.1, )"}, {"id": "Serilog", "range": "[3.0.0, 4.0.0)"}}}}}
		raw, _ := json.Marshal(rec)
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
