package cargo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// indexHost holds a crate with n versions, each line shaped like a real one
// and stored as publish stores it (bare: as the plugin stored it before the
// index was assembled by the host, which the guest still renders).
func indexHost(n int, bare bool) memHost {
	h := newMemHost()
	for i := 0; i < n; i++ {
		vers := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
		target := "cfg(unix)"
		e := cargo.IndexEntry{Name: "bench-crate", Vers: vers, Cksum: fmt.Sprintf("%064x", i),
			Deps: []cargo.IndexDep{
				{Name: "serde", Req: "^1.0", Features: []string{"derive"}, DefaultFeatures: true, Kind: "normal"},
				{Name: "libc", Req: "^0.2", Features: []string{}, Optional: true, DefaultFeatures: true, Target: &target, Kind: "normal"},
				{Name: "tempfile", Req: "^3", Features: []string{}, DefaultFeatures: true, Kind: "dev"},
			},
			Features: map[string][]string{"default": {"std"}, "std": {}, "unix": {"libc"}}}
		line, _ := json.Marshal(&e)
		if !bare {
			line = cargo.WrapLine(vers, line)
		}
		h.StagedVersions = append(h.StagedVersions, ports.VersionPut{Package: "bench-crate", Version: vers, Metadata: line})
	}
	h.Commit()
	return h
}

// BenchmarkIndex200 renders the index file of a crate with 200 versions,
// natively and through the wasm runtime (the host cache is not involved).
func BenchmarkIndex200(b *testing.B) { benchIndex(b, false) }

// BenchmarkIndex200Bare is BenchmarkIndex200 over versions stored before
// the index was assembled by the host: the template is declined, the guest
// renders.
func BenchmarkIndex200Bare(b *testing.B) { benchIndex(b, true) }

func benchIndex(b *testing.B, bare bool) {
	h := indexHost(200, bare)
	req := ports.FormatRequest{Method: "GET", Path: "/be/nc/bench-crate",
		Repo: &ports.RepoContext{Key: "crates", BaseURL: "http://h/cargo/crates", IsPublic: true}}
	check := func(r ports.FormatResponse) {
		if r.Status != 200 || len(r.Body) < 200*300 {
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
		ctx := context.Background()
		b.ResetTimer()
		defer wasmtest.MeasureCPU(b)()
		for i := 0; i < b.N; i++ {
			r, err := rt.Handle(ctx, "cargo", req, h)
			if err != nil {
				b.Fatal(err)
			}
			check(r)
		}
	})
}

// BenchmarkPublish publishes a crate of about 8 MiB: the .crate bytes are
// copied through the plugin (ReadBlob chunks, then PutBlob).
func BenchmarkPublish(b *testing.B) {
	noise := make([]byte, 8<<20)
	rand.Read(noise)
	crateBytes := targz(b, entry{name: "big-1.0.0/Cargo.toml", data: []byte("[package]\n")}, entry{name: "big-1.0.0/blob.bin", data: noise})
	body := publishBody(meta("big", "1.0.0", nil), crateBytes)
	run := func(b *testing.B, handle func(ports.FormatRequest, memHost) ports.FormatResponse) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			h := newMemHost()
			d := h.AddBlob(body)
			r := handle(ports.FormatRequest{Method: "PUT", Path: "/api/v1/crates/new", User: "u",
				Body: &ports.Body{Digest: d, Size: int64(len(body))},
				Repo: &ports.RepoContext{Key: "crates", BaseURL: "http://h/cargo/crates"}}, h)
			if r.Status != 200 {
				b.Fatalf("%d %s", r.Status, r.Body)
			}
		}
	}
	b.Run("native", func(b *testing.B) {
		run(b, func(req ports.FormatRequest, h memHost) ports.FormatResponse { return nativeHandle(b, h, req) })
	})
	b.Run("wasm", func(b *testing.B) {
		rt := loadWasm(b)
		b.ResetTimer()
		run(b, func(req ports.FormatRequest, h memHost) ports.FormatResponse {
			r, err := rt.Handle(context.Background(), "cargo", req, h)
			if err != nil {
				b.Fatal(err)
			}
			return r
		})
	})
}

// BenchmarkMergeIndex2000 merges two members' index files of 2,000 lines
// each (1,000 versions shared), natively and through the wasm runtime.
func BenchmarkMergeIndex2000(b *testing.B) {
	docs := [][]byte{indexLines(0, 2000), indexLines(1000, 2000)}
	const path = "/de/mo/demo-lib"
	check := func(b *testing.B, out []byte, err error) {
		if err != nil || bytes.Count(out, []byte("\n")) != 3000 {
			b.Fatalf("%v %.200s", err, out)
		}
	}
	b.SetBytes(int64(len(docs[0]) + len(docs[1])))
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			out, err := sdk.CallMerge(cargo.Plugin{}, nil, path, docs)
			check(b, out, err)
		}
	})
	b.Run("wasm", func(b *testing.B) {
		rt := loadWasm(b)
		b.ReportAllocs()
		defer wasmtest.MeasureCPU(b)()
		for b.Loop() {
			doc, err := rt.Merge(context.Background(), "cargo", wasm.CallContext{}, path, docs)
			check(b, doc.Body, err)
		}
	})
}
