package bazel_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/bazel"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkSourceRead is what a GET of source.json costs the server,
// through the host's dispatcher (response cache off), of a module of 200
// versions, the plugin native or in wasm: stored = a version published now
// (the host's fast path answers from the stored document, no plugin call);
// rendered = a version without the document (published before it existed):
// the plugin renders it, as every GET did before.
func BenchmarkSourceRead(b *testing.B) {
	rt := plugintest.LoadWasm(b, "bazel", ".", wasmLimits)
	for _, mode := range plugintest.Modes {
		var fr ports.FormatRuntime
		if mode == "wasm" {
			fr = rt
		}
		s := plugintest.NewServer(b, bazel.Plugin{}, fr, "bzl")
		for v := 0; v < 200; v++ {
			version := fmt.Sprintf("1.%d.0", v)
			if a := s.Do(nil, "PUT", "/modules/demo/"+version+"/archive", moduleArchive("demo", version)); a.Status != 201 {
				b.Fatal(a.Status, string(a.Body))
			}
		}
		if _, err := s.Files.Apply(context.Background(), s.Repo.ID, ports.WriteSet{Deletes: []string{"modules/demo/1.151.0/source.json"}}); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct{ name, version string }{{"stored", "1.150.0"}, {"rendered", "1.151.0"}} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				target := "/modules/demo/" + c.version + "/source.json"
				calls := s.Calls()
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					if a := s.Do(nil, "GET", target, nil); a.Status != 200 || a.Stored != (c.name == "stored") {
						b.Fatal(a.Status, string(a.Body))
					}
				}
				if n := s.Calls() - calls; (n == int64(b.N)) != (c.name == "rendered") {
					b.Fatalf("%d plugin calls for %d GETs", n, b.N)
				}
			})
		}
	}
}
