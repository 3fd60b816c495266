package rpm

import (
	"context"
	"fmt"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// hostWith holds n packages' fragments, rendered from the hello fixture
// under distinct names, as uploads leave them.
func hostWith(b *testing.B, n int) *porttest.MemHost {
	hello := fixture(b, helloRPM)
	p, err := Parse(func(off uint64, l uint32) ([]byte, error) {
		return hello[off:min(off+uint64(l), uint64(len(hello)))], nil
	}, uint64(len(hello)))
	if err != nil {
		b.Fatal(err)
	}
	h := porttest.NewMemHost()
	for i := 0; i < n; i++ {
		q := *p
		q.Name = fmt.Sprintf("bench-%05d", i)
		st := Stored{SHA256: sha([]byte(q.Name)), Size: 7000, Time: 1796515200, Location: packagePath(q.FileName())}
		h.AddFile(partPath("primary", q.FileName()), gz(Primary(&q, st)))
		h.AddFile(partPath("filelists", q.FileName()), gz(Filelists(&q, st)))
		h.AddFile(partPath("other", q.FileName()), gz(Other(&q, st)))
	}
	return h
}

// BenchmarkUploadThenIndex measures, in repositories of 1, 1,000 and 10,000
// packages, one upload (parse, digests, the package's three fragments: the
// same work at every size) and the repomd.xml request after it (the host
// joins the stored fragments; nothing is re-rendered or re-compressed),
// natively and through the wasm runtime.
func BenchmarkUploadThenIndex(b *testing.B) {
	hello := fixture(b, helloRPM)
	repo := &ports.RepoContext{Key: "el", Format: "rpm", BaseURL: "http://h/rpm/el"}
	rt := plugintest.LoadWasm(b, "rpm", ".", wasmLimits)
	ctx := context.Background()
	for _, n := range []int{1, 1000, 10000} {
		h := hostWith(b, n)
		up := ports.FormatRequest{Method: "PUT", Path: "/" + helloRPM, Repo: repo, Body: h.Body(hello), User: "u"}
		idx := ports.FormatRequest{Method: "GET", Path: "/repodata/repomd.xml", Repo: repo}
		runs := map[string]func(ports.FormatRequest) (ports.FormatResponse, error){
			"native": func(r ports.FormatRequest) (ports.FormatResponse, error) {
				return plugintest.NativeHandle(Plugin{}, h, r)
			},
			"wasm": func(r ports.FormatRequest) (ports.FormatResponse, error) { return rt.Handle(ctx, "rpm", r, h) },
		}
		for _, mode := range []string{"native", "wasm"} {
			call := runs[mode]
			b.Run(fmt.Sprintf("upload/%d/%s", n, mode), func(b *testing.B) {
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					if r, err := call(up); err != nil || r.Status != 201 {
						b.Fatal(err, r.Status)
					}
					h.Discard()
				}
			})
			b.Run(fmt.Sprintf("index/%d/%s", n, mode), func(b *testing.B) {
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					if r, err := call(idx); err != nil || r.Status != 200 {
						b.Fatal(err, r.Status)
					}
				}
			})
		}
	}
}
