package terraform

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkSumsRead is what a GET of a provider version's SHA256SUMS costs
// the server, through the host's dispatcher (response cache off), the
// plugin native or in wasm (20 versions of 4 platforms): stored = a version
// uploaded now (the host's fast path answers from the stored document, no
// plugin call); rendered = a version without the document (uploaded before
// it existed): the plugin renders it, as every GET did before.
func BenchmarkSumsRead(b *testing.B) {
	rt := loadWasm(b)
	for _, mode := range plugintest.Modes {
		var fr ports.FormatRuntime
		if mode == "wasm" {
			fr = rt
		}
		s := plugintest.NewServer(b, Plugin{}, fr, "tf")
		for i := 0; i < 20; i++ {
			v := fmt.Sprintf("1.%d.0", i)
			zip := providerZipBytes(b, "demo", v)
			for _, p := range []string{"linux_amd64", "linux_arm64", "darwin_arm64", "windows_amd64"} {
				if a := s.Do(nil, "PUT", "/-/providers/demo/"+v+"/terraform-provider-demo_"+v+"_"+p+".zip", zip); a.Status != 201 {
					b.Fatal(a.Status, string(a.Body))
				}
			}
		}
		if _, err := s.Files.Apply(context.Background(), s.Repo.ID, ports.WriteSet{Deletes: []string{sumsPath("demo", "1.11.0")}}); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct{ name, version string }{{"stored", "1.10.0"}, {"rendered", "1.11.0"}} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				target := "/" + sumsPath("demo", c.version)
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
