package pypi

import (
	"archive/zip"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith200 holds one project with 200 versions, each a wheel with its
// PEP 658 .metadata (400 stored files), the hottest metadata document.
func hostWith200() *porttest.MemHost {
	h := porttest.NewMemHost()
	for i := 0; i < 200; i++ {
		v := fmt.Sprintf("1.%d.%d", i/10, i%10)
		fn := fmt.Sprintf("bench_pkg-%s-py3-none-any.whl", v)
		p := "packages/bench-pkg/" + fn
		h.AddFile(p, []byte("wheel "+v))
		h.AddFile(p+".metadata", []byte("Metadata-Version: 2.1\nName: bench-pkg\nVersion: "+v+"\n"))
		// As upload stores it: with its sort key (contract 0.7.0).
		fm := FileMeta{Name: "bench-pkg", Version: v, Filename: fn, PackageType: "bdist_wheel",
			PythonVersion: "py3", RequiresPython: ">=3.8", CoreMetadataSHA256: h.Files[p+".metadata"].SHA256}
		fm.SortKey, _ = sortKey(&fm)
		meta := marshal(fm)
		f := h.Files[p]
		f.Package, f.Version, f.Metadata, f.CreatedAt = "bench-pkg", v, meta, time.UnixMilli(1700000000000)
		h.Files[p] = f
		m := h.Files[p+".metadata"]
		m.Package, m.Version, m.Metadata = "bench-pkg", v, []byte(`{"core_metadata":true}`)
		h.Files[p+".metadata"] = m
	}
	return h
}

// BenchmarkSimplePage renders /simple/bench-pkg/ (200 versions) as PEP 503
// HTML and PEP 691 JSON, natively and through the wasm runtime.
func BenchmarkSimplePage(b *testing.B) {
	h := hostWith200()
	repo := &ports.RepoContext{Key: "py", Format: "pypi", BaseURL: "http://h/pypi/py"}
	reqs := map[string]ports.FormatRequest{
		"html": {Method: "GET", Path: "/simple/bench-pkg/", Repo: repo, Headers: []ports.Header{{Name: "Accept", Value: "text/html"}}},
		"json": {Method: "GET", Path: "/simple/bench-pkg/", Repo: repo, Headers: []ports.Header{{Name: "Accept", Value: TypeJSON}}},
	}
	ctx := context.Background()
	rt, done := loadWasm(b)
	defer done()
	for _, kind := range []string{"html", "json"} {
		req := reqs[kind]
		b.Run(kind+"/native", func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				if r, err := nativeHandle(h, req); err != nil || r.Status != 200 || len(r.Body) < 200*100 {
					b.Fatal(err, r.Status)
				}
			}
		})
		b.Run(kind+"/wasm", func(b *testing.B) {
			defer wasmtest.MeasureCPU(b)()
			for i := 0; i < b.N; i++ {
				if r, err := rt.Handle(ctx, "pypi", req, h); err != nil || r.Status != 200 || len(r.Body) < 200*100 {
					b.Fatal(err, r.Status)
				}
			}
		})
	}
}

// BenchmarkCallOverhead is a request the plugin answers without host calls
// (a 404), for the per-call cost of the wasm runtime.
func BenchmarkCallOverhead(b *testing.B) {
	h := porttest.NewMemHost()
	req := ports.FormatRequest{Method: "GET", Path: "/nothing", Repo: &ports.RepoContext{Key: "py", BaseURL: "http://h/pypi/py"}}
	rt, done := loadWasm(b)
	defer done()
	b.ResetTimer()
	defer plugintest.ReportCPU(b)()
	for i := 0; i < b.N; i++ {
		_, _ = rt.Handle(context.Background(), "pypi", req, h)
	}
}

// BenchmarkUploadLarge uploads a 48 MiB wheel: the content part is copied
// into its own blob through guest memory and blake2b is hashed in the guest.
func BenchmarkUploadLarge(b *testing.B) {
	payload := make([]byte, 48<<20)
	for i := range payload {
		payload[i] = byte(i*7919 + i>>9)
	}
	whl := zipOf(map[string][]byte{"big-1.0.dist-info/METADATA": []byte("Metadata-Version: 2.1\nName: big\nVersion: 1.0\n\n"),
		"big/data.bin": payload}, zip.Store)
	body, ct := form(map[string]string{":action": "file_upload", "name": "big", "version": "1.0", "sha256_digest": sha(whl)},
		"big-1.0-py3-none-any.whl", whl)
	repo := &ports.RepoContext{Key: "py", Format: "pypi", BaseURL: "http://h/pypi/py"}
	rt, done := loadWasm(b)
	defer done()
	for _, mode := range []string{"native", "wasm"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			defer plugintest.ReportCPU(b)()
			for i := 0; i < b.N; i++ {
				h := porttest.NewMemHost()
				d := h.AddBlob(body)
				req := ports.FormatRequest{Method: "POST", Path: "/", Repo: repo, Body: &ports.Body{Digest: d, Size: int64(len(body))},
					Headers: []ports.Header{{Name: "Content-Type", Value: ct}}}
				var r ports.FormatResponse
				var err error
				if mode == "native" {
					r, err = nativeHandle(h, req)
				} else {
					r, err = rt.Handle(context.Background(), "pypi", req, h)
				}
				if err != nil || r.Status != 200 {
					b.Fatal(err, r.Status)
				}
			}
		})
	}
}
