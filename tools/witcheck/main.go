// Command witcheck verifies that format-plugin .wasm modules export (and
// import) exactly the core-module signatures the WIT world implies under the
// canonical ABI.
//
//	go run github.com/keeper-registry/keeper/tools/witcheck@latest plugin.wasm...
//	go -C tools/witcheck run . ../../adapters/wasm/builtin/wasm/*.wasm
//
// The WIT of every contract version the host loads (0.9.0, 0.8.0, 0.7.0, 0.6.0, 0.5.0, 0.4.0, 0.3.0, 0.2.0, 0.1.0) is
// embedded, so it runs from any directory (imports are checked per version:
// 0.9.0, 0.8.0 and 0.7.0 changed the assemble template (not a core
// signature), 0.7.0 added `json-spans` and `get-files`, 0.6.0
// added `assemble`, 0.5.0 `json-members`, 0.2.0 the blob-range and
// signing imports, so a module importing one from an older version's module
// fails); -wit checks against one WIT file
// instead. The WIT is resolved with go.bytecodealliance.org/wit, which runs
// an embedded wasm-tools build on wazero: no external binary is needed (the
// first run compiles it, which takes a minute on a small machine).
//
// witcheck checks built modules; the glue that makes them agree with the
// WIT is generated from the same file by tools/witgen (`go tool task gen`,
// which also refreshes the embedded copy in wit/ here).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
)

func main() {
	witPath := flag.String("wit", "", "check against this WIT file or directory instead of the embedded contracts")
	world := flag.String("world", "format-plugin", "world name")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: witcheck -wit FILE plugin.wasm...")
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "witcheck: resolving the WIT (the first run compiles wasm-tools: about a minute)...")
	var want *Expected
	var err error
	if *witPath != "" {
		want, err = Expect(*witPath, *world)
	} else {
		want, err = ExpectEmbedded(*world)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "witcheck:", err)
		os.Exit(1)
	}
	failed := false
	for _, path := range flag.Args() {
		fmt.Fprintf(os.Stderr, "witcheck: checking %s\n", path)
		bin, err := os.ReadFile(path)
		if err == nil {
			err = Check(context.Background(), want, bin)
		}
		if err != nil {
			failed = true
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			continue
		}
		fmt.Printf("%s: ok (%d exports, %d host imports checked)\n", path, len(want.Exports), len(want.Imports))
	}
	if failed {
		os.Exit(1)
	}
}
