package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// contracts holds every contract version the host loads, copied from the
// repository's wit/ (TestEmbeddedWITIsFresh fails when a copy is stale), so
// witcheck runs from any directory.
//
//go:embed wit/keeper-format.wit wit/0.8.0/keeper-format.wit wit/0.7.0/keeper-format.wit wit/0.6.0/keeper-format.wit wit/0.5.0/keeper-format.wit wit/0.4.0/keeper-format.wit wit/0.3.0/keeper-format.wit wit/0.2.0/keeper-format.wit wit/0.1.0/keeper-format.wit
var contracts embed.FS

// ExpectEmbedded derives the expectations of every embedded contract version
// and merges them: the exports are the same in each, the imports are keyed by
// their versioned module name, so a module built against any supported
// version passes and a mix of versions does not.
func ExpectEmbedded(world string) (*Expected, error) {
	dir, err := os.MkdirTemp("", "witcheck")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	all := &Expected{Exports: map[string]Sig{}, Imports: map[string]Sig{}}
	err = fs.WalkDir(contracts, "wit", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := contracts.ReadFile(path)
		if err != nil {
			return err
		}
		tmp := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		exp, err := Expect(tmp, world)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for k, v := range exp.Exports {
			all.Exports[k] = v
		}
		for k, v := range exp.Imports {
			all.Imports[k] = v
		}
		return nil
	})
	return all, err
}
