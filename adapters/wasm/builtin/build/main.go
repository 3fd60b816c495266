// Command build compiles every plugins/<format>/wasm package to
// adapters/wasm/builtin/wasm/<format>.wasm (embedded by package builtin).
// Run from the repository root:
//
//	go run ./adapters/wasm/builtin/build [format...]
//
// Each plugin is its own module (plugins/<format>/go.mod, with a replace for
// sdk/go), built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared. Each built
// module is then described once, through the real runtime, into
// <format>.json beside it: the server routes built-ins from that record at
// start without compiling anything (compilation fills the cache given by
// -cache, by default the tests' shared cache under .tools).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/adapters/wasm"
	"github.com/keeper-registry/keeper/ports"
)

func main() {
	root := flag.String("root", ".", "repository root")
	cache := flag.String("cache", os.Getenv("KEEPER_TEST_WASM_CACHE"), "compilation cache for describing the modules (default <root>/.tools/wasm-test-cache)")
	flag.Parse()
	if *cache == "" {
		*cache = filepath.Join(*root, ".tools", "wasm-test-cache")
	}
	dirs, err := filepath.Glob(filepath.Join(*root, "plugins", "*", "wasm", "main.go"))
	if err != nil {
		fail(err)
	}
	outDir, err := filepath.Abs(filepath.Join(*root, "adapters", "wasm", "builtin", "wasm"))
	if err != nil {
		fail(err)
	}
	var built []string
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
		built = append(built, out)
	}
	if err := describeAll(*cache, built); err != nil {
		fail(err)
	}
}

// describeAll writes <module>.json with what each module describes,
// describing on every core at once.
func describeAll(cache string, modules []string) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	rt, err := wasm.New(wasm.Config{CacheDir: cache, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	errs := make([]error, len(modules))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, path := range modules {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = describe(rt, path)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func describe(rt *wasm.Runtime, path string) error {
	start := time.Now()
	mod, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	id := strings.TrimSuffix(filepath.Base(path), ".wasm")
	info, err := rt.Load(ctx, id, mod, ports.PluginLimits{})
	if err != nil {
		return fmt.Errorf("describe %s: %w", id, err)
	}
	_ = rt.Unload(ctx, id)
	sum := sha256.Sum256(mod)
	b, err := json.MarshalIndent(struct {
		Digest string           `json:"digest"`
		Info   ports.FormatInfo `json:"info"`
	}{hex.EncodeToString(sum[:]), info}, "", "  ")
	if err != nil {
		return err
	}
	out := strings.TrimSuffix(path, ".wasm") + ".json"
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	slog.Info("described plugin", "format", info.Key, "out", out, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "build:", err)
	os.Exit(1)
}
