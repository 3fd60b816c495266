// Package builtin embeds the format plugins built into adapters/wasm/builtin/<format>.wasm
// by `go run ./adapters/wasm/builtin/build`.
package builtin

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed all:wasm
var files embed.FS

// Modules returns the embedded plugin modules by format key.
func Modules() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := fs.ReadDir(files, "wasm")
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".wasm"); ok && !e.IsDir() {
			b, err := files.ReadFile("wasm/" + e.Name())
			if err == nil {
				out[name] = b
			}
		}
	}
	return out
}
