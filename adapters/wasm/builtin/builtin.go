// Package builtin embeds the format plugins built into adapters/wasm/builtin/wasm/<format>.wasm
// by `go run ./adapters/wasm/builtin/build`, with what each describes.
package builtin

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"

	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

//go:embed all:wasm
var files embed.FS

// record is <format>.json, written by the build beside each module.
type record struct {
	Digest string           `json:"digest"`
	Info   ports.FormatInfo `json:"info"`
}

// Modules returns the embedded plugin modules by id. A module's bytes are
// copied out of the binary only when the runtime compiles it; its digest and
// describe come from the build's record (a module without one is hashed and
// described at start).
func Modules() map[string]plugin.Builtin {
	out := map[string]plugin.Builtin{}
	entries, _ := fs.ReadDir(files, "wasm")
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".wasm")
		if !ok || e.IsDir() {
			continue
		}
		path := "wasm/" + e.Name()
		b := plugin.Builtin{Module: func() []byte { m, _ := files.ReadFile(path); return m }}
		if raw, err := files.ReadFile("wasm/" + name + ".json"); err == nil {
			var r record
			if json.Unmarshal(raw, &r) == nil && r.Info.Key != "" && len(r.Digest) == 64 {
				b.Digest, b.Info = r.Digest, &r.Info
			}
		}
		out[name] = b
	}
	return out
}
