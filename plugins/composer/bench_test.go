package composer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/composer"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// BenchmarkP2 renders the p2 metadata of a package with 200 versions
// (records shaped like real ones, as upload stores them: the document is
// assembled by the host), natively and through the wasm runtime
// (the host cache is not involved).
func BenchmarkP2(b *testing.B) {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
		rec := map[string]any{"name": "bench/pkg", "version": v, "norm": v + ".0", "path": "dists/bench/pkg/" + v + "/bench-pkg-" + v + ".zip",
			"sha1": fmt.Sprintf("%040x", i), "fields": map[string]any{
				"description": "A benchmark package", "type": "library", "license": []string{"MIT"},
				"require":  map[string]string{"php": ">=8.1", "psr/log": "^3.0", "symfony/console": "^6.4|^7.0"},
				"autoload": map[string]any{"psr-4": map[string]string{"Bench\\Pkg\\": "src/"}},
				"authors":  []map[string]string{{"name": "Keeper", "email": "k@example.invalid"}}}}
		raw, _ := json.Marshal(rec)
		raw = composer.StoreP2(raw) // as upload stores it
		h.StagedVersions = append(h.StagedVersions, ports.VersionPut{Package: "bench/pkg", Version: v, Metadata: raw})
	}
	h.Commit()
	req := ports.FormatRequest{Method: "GET", Path: "/p2/bench/pkg.json",
		Repo: &ports.RepoContext{Key: "php", BaseURL: "http://h/composer/php", IsPublic: true}}
	check := func(r ports.FormatResponse) {
		if r.Status != 200 || len(r.Body) < 200*150 {
			b.Fatalf("status %d, %d bytes", r.Status, len(r.Body))
		}
	}
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			check(nativeHandle(b, h, req))
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt := loadWasm(b)
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			r, err := rt.Handle(context.Background(), "composer", req, h)
			if err != nil {
				b.Fatal(err)
			}
			check(r)
		}
	})
}
