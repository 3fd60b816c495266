// Command mkzip writes the module zips of testdata/ with
// golang.org/x/mod/zip.CreateFromDir, the zip writer the go command itself
// uses (cmd/go vendors golang.org/x/mod/zip). Run from plugins/gomod:
//
//	go run ./testdata/mkzip
package main

import (
	"log"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func main() {
	for _, m := range []struct{ dir, path, version, out string }{
		{"hello-v1.0.0", "example.com/Lib/hello", "v1.0.0", "hello-v1.0.0.zip"},
		{"hello-v2.0.0", "example.com/Lib/hello/v2", "v2.0.0", "hello-v2.0.0.zip"},
		{"legacy-v2.0.0", "example.com/legacy", "v2.0.0+incompatible", "legacy-v2.0.0+incompatible.zip"},
	} {
		f, err := os.Create(filepath.Join("testdata", m.out))
		if err != nil {
			log.Fatal(err)
		}
		if err := modzip.CreateFromDir(f, module.Version{Path: m.path, Version: m.version}, filepath.Join("testdata", "src", m.dir)); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}
