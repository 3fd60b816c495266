package cran

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith500 holds 500 packages, each with two versions in src/contrib.
func hostWith500() *porttest.MemHost {
	h := porttest.NewMemHost()
	for i := 0; i < 500; i++ {
		name := fmt.Sprintf("pkg%03d", i)
		for _, v := range []string{"1.0.0", "1.10.2"} {
			p := "src/contrib/" + name + "_" + v + ".tar.gz"
			h.AddFile(p, []byte(p))
			// The metadata upload stores (fileMetadata).
			meta := fileMetadata(fileMeta{Fields: [][2]string{{"Package", name}, {"Version", v},
				{"Depends", "R (>= 3.5.0)"}, {"Imports", "stats, utils,\nmethods"}, {"License", "MIT + file LICENSE"},
				{"MD5sum", "e101e5726fbaf4e7e91e9575ced45b9a"}, {"NeedsCompilation", "no"}}}, name, v, repoFields)
			f := h.Files[p]
			f.Package, f.Version, f.Metadata = name, v, meta
			h.Files[p] = f
		}
	}
	return h
}

// BenchmarkIndex renders src/contrib's PACKAGES and PACKAGES.rds (500
// packages, 1000 files), natively and through the wasm runtime.
func BenchmarkIndex(b *testing.B) {
	h := hostWith500()
	repo := &ports.RepoContext{Key: "r", Format: "cran", BaseURL: "http://h/cran/r"}
	rt := loadWasm(b)
	for _, file := range []string{"PACKAGES", "PACKAGES.rds"} {
		req := ports.FormatRequest{Method: "GET", Path: "/src/contrib/" + file, Repo: repo}
		b.Run(file+"/native", func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				if r, err := nativeHandle(h, req); err != nil || r.Status != 200 || len(r.Body) < 1000 {
					b.Fatal(err, r.Status)
				}
			}
		})
		b.Run(file+"/wasm", func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				if r, err := rt.Handle(context.Background(), "cran", req, h); err != nil || r.Status != 200 || len(r.Body) < 1000 {
					b.Fatal(err, r.Status)
				}
			}
		})
	}
}
