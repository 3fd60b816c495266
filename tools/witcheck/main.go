// Command witcheck verifies that format-plugin .wasm modules export (and
// import) exactly the core-module signatures the WIT world implies under the
// canonical ABI.
//
//	go run ./tools/witcheck -wit wit/keeper-format.wit plugin.wasm...
//
// (from the repository root, with GOWORK=off or `cd tools/witcheck && go run . -wit ../../wit/...`).
// The WIT is resolved with go.bytecodealliance.org/wit, which runs an embedded
// wasm-tools build on wazero: no external binary is needed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
)

func main() {
	witPath := flag.String("wit", "wit/keeper-format.wit", "WIT file or directory")
	world := flag.String("world", "format-plugin", "world name")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: witcheck -wit FILE plugin.wasm...")
		os.Exit(2)
	}
	want, err := Expect(*witPath, *world)
	if err != nil {
		fmt.Fprintln(os.Stderr, "witcheck:", err)
		os.Exit(1)
	}
	failed := false
	for _, path := range flag.Args() {
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
