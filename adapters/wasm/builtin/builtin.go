// Package builtin embeds the format plugins built into adapters/wasm/builtin/<format>.wasm
// by `go run ./adapters/wasm/builtin/build`.
package builtin

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"

	"github.com/keeper-registry/keeper/ports"
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

// Infos returns what each embedded module describes, as recorded by the
// build beside it (<format>.json); a module without a record is missing.
func Infos() map[string]ports.FormatInfo {
	out := map[string]ports.FormatInfo{}
	entries, _ := fs.ReadDir(files, "wasm")
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		b, err := files.ReadFile("wasm/" + e.Name())
		if err != nil {
			continue
		}
		var info ports.FormatInfo
		if json.Unmarshal(b, &info) == nil && info.Key != "" {
			out[name] = info
		}
	}
	return out
}
