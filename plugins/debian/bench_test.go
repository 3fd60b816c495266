package debian

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/adapters/wasm/wasmtest"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	"github.com/keeper-registry/keeper/sdk/go/control"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// seeded is a repository whose stable/main/amd64 index already holds n
// packages (as n uploads would have left it: chunk files and their counts).
func seeded(b *testing.B, n int) *porttest.MemHost {
	h := porttest.NewMemHost()
	h.RepoKey = "apt"
	s, err := pgp.NewSigner(pgp.RSA3072, "apt")
	if err != nil {
		b.Fatal(err)
	}
	h.Signing = s
	key := "stable/main/amd64"
	var ix indexState
	var buf bytes.Buffer
	flush := func() {
		p := chunkPath(key, len(ix.Counts)-1)
		h.AddFile(p, append([]byte(nil), buf.Bytes()...))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(buf.Bytes())
		zw.Close()
		h.AddFile(p+".gz", gz.Bytes())
		buf.Reset()
	}
	for i := 0; i < n; i++ {
		if i%chunkStanzas == 0 {
			if i > 0 {
				flush()
			}
			ix.Counts = append(ix.Counts, 0)
		}
		ctl := control.Paragraph{{Name: "Package", Value: fmt.Sprintf("pkg%05d", i)}, {Name: "Version", Value: "1.0-1"}, {Name: "Architecture", Value: "amd64"},
			{Name: "Maintainer", Value: "Keeper <k@keeper.invalid>"}, {Name: "Installed-Size", Value: "42"}, {Name: "Depends", Value: "libc6 (>= 2.34)"},
			{Name: "Description", Value: "benchmark package\n with a two-line description"}}
		name := fmt.Sprintf("pkg%05d", i)
		fn := poolDir("main", name) + debName(name, "1.0-1", "amd64")
		buf.Write(stanza(ctl, fn, 123456, fmt.Sprintf("%032x", i), fmt.Sprintf("%040x", i), fmt.Sprintf("%064x", i), fmt.Sprintf("%0128x", i)))
		ix.Counts[len(ix.Counts)-1]++
	}
	if n > 0 {
		flush()
	}
	v, _ := json.Marshal(ix)
	h.KV[nsIndex+"\x00"+key] = v
	return h
}

func benchDeb() []byte {
	tgz := func(name, content string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
		tw.Close()
		zw.Close()
		return b.Bytes()
	}
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range []struct {
		name string
		data []byte
	}{{"debian-binary", []byte("2.0\n")}, {"control.tar.gz", tgz("./control", "Package: new\nVersion: 1.0\nArchitecture: amd64\nDescription: new\n")},
		{"data.tar.gz", tgz("./x", "x")}} {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 0, 0, 0, "100644", len(m.data))
		b.Write(m.data)
		if len(m.data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// BenchmarkIndexRebuild uploads one package into an index of 1, 1,000 and
// 10,000 packages and rebuilds Packages(.gz,.xz), Release, InRelease and
// Release.gpg (the writes are dropped after each upload), natively and on
// the wasm runtime.
func BenchmarkIndexRebuild(b *testing.B) {
	rt := plugintest.LoadWasm(b, "debian", ".", wasmLimits)
	deb := benchDeb()
	for _, n := range []int{1, 1000, 10000} {
		h := seeded(b, n)
		d := h.AddBlob(deb)
		req := ports.FormatRequest{Method: "POST", Path: "/upload", User: "alice", Body: h.Body(deb),
			Repo: &ports.RepoContext{Key: "apt", Type: "local", Format: "debian", BaseURL: "http://h/debian/apt"}}
		_ = d
		for _, mode := range []string{"native", "wasm"} {
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				defer wasmtest.MeasureCPU(b)()
				for i := 0; i < b.N; i++ {
					var r ports.FormatResponse
					var err error
					if mode == "native" {
						r, err = plugintest.NativeHandle(Plugin{}, h, req)
					} else {
						r, err = rt.Handle(context.Background(), "debian", req, h)
					}
					if err != nil || r.Status != 201 {
						b.Fatal(err, r.Status)
					}
					h.Discard()
				}
			})
		}
	}
}
