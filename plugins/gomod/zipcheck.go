package gomod

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"golang.org/x/mod/module"
)

// Module zip limits of the go command (https://go.dev/ref/mod#zip-files,
// golang.org/x/mod/zip MaxZipFile, MaxGoMod, MaxLICENSE).
const (
	MaxZipFile = 500 << 20 // the zip file, and the sum of its uncompressed files
	MaxGoMod   = 16 << 20
	MaxLICENSE = 16 << 20
	// MaxZipEntries bounds how many entries an upload may list (the go
	// command has no count limit; this protects the server).
	MaxZipEntries = 100000
	// maxReported is how many invalid entries an error message names.
	maxReported = 5
)

// zipContents is what checkZipEntries learned about a valid module zip.
type zipContents struct {
	hasGoMod bool
	files    int
	size     uint64
}

// checkZipEntries applies the checks of golang.org/x/mod/zip's CheckZip to a
// listing of the zip (https://go.dev/ref/mod#zip-path-size-constraints):
// every path starts with "module@version/", is clean and a valid file path
// (module.CheckFilePath), no two paths are equal under case folding, no
// entry is both a file and a directory, go.mod sits only at the root and is
// spelled in lower case, go.mod and LICENSE are at most 16 MiB and the
// uncompressed total is at most 500 MiB.
func checkZipEntries(mod, ver string, entries []sdk.ArchiveEntry) (zipContents, error) {
	var zc zipContents
	prefix := mod + "@" + ver + "/"
	var bad []string
	addErr := func(name string, format string, args ...any) {
		bad = append(bad, fmt.Sprintf("%q: %s", name, fmt.Sprintf(format, args...)))
	}
	cc := collisions{}
	var sizeErr error
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name, prefix)
		if !ok {
			addErr(e.Name, "path does not have prefix %q", prefix)
			continue
		}
		if name == "" {
			continue
		}
		isDir := e.IsDir || strings.HasSuffix(name, "/")
		name = strings.TrimSuffix(name, "/")
		if path.Clean(name) != name {
			addErr(e.Name, "file path is not clean")
			continue
		}
		if err := module.CheckFilePath(name); err != nil {
			addErr(e.Name, "%v", err)
			continue
		}
		if err := cc.check(name, isDir); err != nil {
			addErr(e.Name, "%v", err)
			continue
		}
		if isDir {
			continue
		}
		if base := path.Base(name); strings.EqualFold(base, "go.mod") {
			if base != name {
				addErr(e.Name, "go.mod file not in module root directory")
				continue
			}
			if name != "go.mod" {
				addErr(e.Name, "go.mod files must have lowercase names")
				continue
			}
		}
		if e.Size <= MaxZipFile-zc.size {
			zc.size += e.Size
		} else if sizeErr == nil {
			sizeErr = fmt.Errorf("total uncompressed size of module contents too large (max size is %d bytes)", MaxZipFile)
		}
		if name == "go.mod" {
			if e.Size > MaxGoMod {
				addErr(e.Name, "go.mod file too large (max size is %d bytes)", MaxGoMod)
				continue
			}
			zc.hasGoMod = true
		}
		if name == "LICENSE" && e.Size > MaxLICENSE {
			addErr(e.Name, "LICENSE file too large (max size is %d bytes)", MaxLICENSE)
			continue
		}
		zc.files++
	}
	if len(bad) > 0 {
		more := ""
		if len(bad) > maxReported {
			more = fmt.Sprintf(" (and %d more)", len(bad)-maxReported)
			bad = bad[:maxReported]
		}
		return zc, fmt.Errorf("invalid module zip: %s%s", strings.Join(bad, "; "), more)
	}
	if sizeErr != nil {
		return zc, sizeErr
	}
	if zc.files == 0 {
		return zc, fmt.Errorf("invalid module zip: no files under %q", prefix)
	}
	return zc, nil
}

// collisions detects paths equal under case folding, and paths that are
// both a file and a directory (golang.org/x/mod/zip collisionChecker).
type collisions map[string]collisionEntry

type collisionEntry struct {
	path  string
	isDir bool
}

func (cc collisions) check(p string, isDir bool) error {
	fold := toFold(p)
	if other, ok := cc[fold]; ok {
		if p != other.path {
			return fmt.Errorf("case-insensitive file name collision: %q and %q", other.path, p)
		}
		if isDir != other.isDir {
			return fmt.Errorf("entry %q is both a file and a directory", p)
		}
		if !isDir {
			return fmt.Errorf("multiple entries for file %q", p)
		}
	} else {
		cc[fold] = collisionEntry{path: p, isDir: isDir}
	}
	if parent := path.Dir(p); parent != "." {
		return cc.check(parent, true)
	}
	return nil
}

// toFold maps s to a canonical case-fold form: every rune becomes the
// smallest rune of its unicode.SimpleFold orbit (as x/mod's strToFold).
func toFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == utf8.RuneError {
			b.WriteRune(r)
			continue
		}
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}
