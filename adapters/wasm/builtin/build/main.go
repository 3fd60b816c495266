// Command build compiles every plugins/<format>/wasm package to
// adapters/wasm/builtin/wasm/<format>.wasm (embedded by package builtin).
// Run from the repository root:
//
//	go run ./adapters/wasm/builtin/build [format...]
//
// Each plugin is its own module (plugins/<format>/go.mod, with a replace for
// sdk/go), built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	dirs, err := filepath.Glob(filepath.Join(*root, "plugins", "*", "wasm", "main.go"))
	if err != nil {
		fail(err)
	}
	outDir, err := filepath.Abs(filepath.Join(*root, "adapters", "wasm", "builtin", "wasm"))
	if err != nil {
		fail(err)
	}
	for _, m := range dirs {
		pluginDir := filepath.Dir(filepath.Dir(m))
		format := filepath.Base(pluginDir)
		if flag.NArg() > 0 && !slices.Contains(flag.Args(), format) {
			continue
		}
		start := time.Now()
		out := filepath.Join(outDir, format+".wasm")
		cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./wasm")
		cmd.Dir = pluginDir
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("build %s: %w", format, err))
		}
		st, _ := os.Stat(out)
		slog.Info("built plugin", "format", format, "out", out, "bytes", st.Size(), "took", time.Since(start).Round(time.Millisecond))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "build:", err)
	os.Exit(1)
}
