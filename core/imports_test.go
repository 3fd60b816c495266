package core

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreImportsOnlyStdlibAndPorts enforces the hexagon: nothing under core/
// may depend (even indirectly) on a framework, driver or adapter.
func TestCoreImportsOnlyStdlibAndPorts(t *testing.T) {
	// Read every source file so the test cache is invalidated by any change under core/.
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Standard", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/keeper-registry/keeper/"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Standard   bool
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		checked++
		if p.Standard {
			continue
		}
		rest, ours := strings.CutPrefix(p.ImportPath, module)
		if ours && (rest == "ports" || strings.HasPrefix(rest, "ports/") && !strings.HasPrefix(rest, "ports/porttest") ||
			rest == "core" || strings.HasPrefix(rest, "core/")) {
			continue
		}
		t.Errorf("core depends on %s (allowed: the standard library, ports/ and core/)", p.ImportPath)
	}
	if checked == 0 {
		t.Fatal("go list returned no packages")
	}
}

// TestCoreSpeaksNoHTTP keeps transport out of the core: no package under
// core/ imports net/http, and core/sso and core/dispatch do not depend on it
// at all. The HTTP bits live in adapters/http (and the SSO adapters): the
// dispatcher returns results and typed errors, the HTTP adapter writes them.
func TestCoreSpeaksNoHTTP(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p struct {
			ImportPath    string
			Imports, Deps []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if imp == "net/http" || strings.HasPrefix(imp, "net/http/") {
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
		for _, pkg := range []string{"/core/sso", "/core/dispatch"} {
			if !strings.HasSuffix(p.ImportPath, pkg) {
				continue
			}
			seen[pkg] = true
			for _, dep := range p.Deps {
				if dep == "net/http" {
					t.Errorf("%s depends on net/http", p.ImportPath)
				}
			}
		}
	}
	if !seen["/core/sso"] || !seen["/core/dispatch"] {
		t.Fatalf("core/sso or core/dispatch was not listed: %v", seen)
	}
}
