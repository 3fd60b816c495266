package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"

	"go.bytecodealliance.org/wit"
)

// The files witgen writes, relative to the repository root.
const (
	witFile  = "wit/keeper-format.wit"
	hostFile = "adapters/wasm/glue_gen.go"
	sdkFile  = "sdk/go/glue_gen_wasm.go"
)

func main() {
	root := flag.String("root", ".", "repository root (holds wit/ and receives the generated files)")
	out := flag.String("out", "", "write the generated files under this directory instead of -root (freshness checks)")
	flag.Parse()
	if *out == "" {
		*out = *root
	}
	fmt.Fprintln(os.Stderr, "witgen: resolving the WIT (the first run compiles wasm-tools: about a minute)...")
	files, err := Generate(filepath.Join(*root, witFile))
	if err == nil {
		for name, src := range files {
			path := filepath.Join(*out, name)
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				break
			}
			if err = os.WriteFile(path, src, 0o644); err != nil {
				break
			}
			fmt.Fprintln(os.Stderr, "witgen: wrote", path)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "witgen:", err)
		os.Exit(1)
	}
}

// Generate resolves the WIT at path and returns the generated files by
// their path relative to the repository root.
func Generate(path string) (map[string][]byte, error) {
	res, err := wit.LoadWIT(path)
	if err != nil {
		return nil, err
	}
	w, err := loadWorld(res, "format-plugin")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, side := range map[string]*side{hostFile: hostSide(), sdkFile: sdkSide()} {
		src, err := side.file(w)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fsrc, err := format.Source(src)
		if err != nil {
			return nil, fmt.Errorf("%s: gofmt: %w\n%s", name, err, numbered(src))
		}
		out[name] = fsrc
	}
	return out, nil
}

func numbered(src []byte) []byte {
	var b bytes.Buffer
	for i, line := range bytes.Split(src, []byte("\n")) {
		fmt.Fprintf(&b, "%4d %s\n", i+1, line)
	}
	return b.Bytes()
}
