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
// and merges them: an export some versions lack is optional, the imports are
// keyed by their versioned module name, so a module built against any
// supported version passes and a mix of versions does not.
func ExpectEmbedded(world string) (*Expected, error) {
	dir, err := os.MkdirTemp("", "witcheck")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	all := &Expected{Exports: map[string]Sig{}, Imports: map[string]Sig{}, Optional: map[string]bool{}}
	seen := map[string]int{}
	versions := 0
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
		versions++
		for k, v := range exp.Exports {
			all.Exports[k] = v
			seen[k]++
		}
		for k, v := range exp.Imports {
			all.Imports[k] = v
		}
		return nil
	})
	for k, n := range seen {
		if n < versions {
			all.Optional[k] = true
		}
	}
	return all, err
}
