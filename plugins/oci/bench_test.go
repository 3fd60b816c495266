package oci_test

import (
	"io"
	"testing"

	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// BenchmarkManifestGet is what a manifest GET by tag costs the server,
// through the host's dispatcher (the same code in both modes), with the
// plugin run natively or through the wasm runtime:
//
//   - tag: a tag pushed now, with its tag file (tagfiles.go): the host's
//     fast path answers from the stored file and no plugin is called, so
//     the runtime makes no difference;
//   - plugin: a tag stored before tag files existed (a key-value only),
//     with the host's response cache off: the plugin resolves the tag and
//     the host streams the manifest it names. This is what a GET by tag
//     cost before whenever the cache missed (after every write to the
//     repository), and still costs such a tag until it is pushed again;
//   - cached: the same tag with the response cache on (the default), in a
//     repository nothing was written to since the last GET: the host
//     streams its cached answer, no plugin call.
func BenchmarkManifestGet(b *testing.B) {
	for _, mode := range []string{"native", "wasm"} {
		var rt ports.FormatRuntime
		if mode == "wasm" {
			rt = loadWasm(b)
		}
		for _, c := range []struct {
			name, tag string
			cache     int
		}{{"tag", "latest", -1}, {"plugin", "legacy", -1}, {"cached", "legacy", 0}} {
			s := newServer(b, rt, c.cache)
			_, d := s.pushImage("latest", "bench layer")
			if _, err := s.files.Apply(ctx, s.repo, ports.WriteSet{KVPuts: []ports.KV{{Namespace: "tags", Key: "app:legacy", Value: []byte(d)}}}); err != nil {
				b.Fatal(err)
			}
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				cx := auth.WithSubject(ctx, ports.Subject{UserID: 1, Username: "alice"})
				get := func() {
					req := &dispatch.Request{Method: "GET", EscapedPath: "/v2/docker/app/manifests/" + c.tag,
						Header: map[string][]string{"Accept": {"application/vnd.oci.image.manifest.v1+json"}}}
					resp, err := s.d.Serve(cx, req)
					if err != nil || resp.Status != 200 || resp.Stored == nil {
						b.Fatal(err, resp)
					}
					_, _ = io.Copy(io.Discard, resp.Stored.Content)
					resp.Stored.Content.Close()
				}
				get() // fills the cache where there is one
				calls := s.calls.Load()
				b.ResetTimer()
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					get()
				}
				b.StopTimer()
				if n := s.calls.Load() - calls; (n == int64(b.N)) != (c.name == "plugin") {
					b.Fatalf("%d plugin calls for %d GETs of %s", n, b.N, c.tag)
				}
			})
		}
	}
}
