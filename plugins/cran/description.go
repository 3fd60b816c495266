package cran

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/sdk/go/control"
)

// The DESCRIPTION file is in Debian Control File format; its fields and the
// rules for Package and Version are in "Writing R Extensions", 1.1.1:
// https://cran.r-project.org/doc/manuals/r-release/R-exts.html#The-DESCRIPTION-file

// maxDescription bounds a DESCRIPTION file (CRAN's largest are a few KiB).
const maxDescription = 256 << 10

// maxFields bounds the fields of one DESCRIPTION.
const maxFields = 200

// validName reports whether s is a valid R package name (R-exts 1.1.1).
// A loop, not a regexp: an index checks every file's name, and regexps
// are slow in the wasm guest (TestValidMatchesRegexp keeps the two equal).
func validName(s string) bool {
	if len(s) < 2 || len(s) > 100 || !isLetter(s[0]) || s[len(s)-1] == '.' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '.' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validVersion reports whether s is a valid package version: at least two
// non-negative integers separated by single '.' or '-'.
func validVersion(s string) bool {
	if len(s) > 64 {
		return false
	}
	groups, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case (c == '.' || c == '-') && digits > 0:
			groups, digits = groups+1, 0
		default:
			return false
		}
	}
	return digits > 0 && groups >= 1
}

// Description is a parsed DESCRIPTION file: its fields in file order.
type Description = control.Paragraph

// ParseDescription reads one DCF record (what follows its first blank line
// is not read). Multi-line values are read as R's read.dcf does
// (control.Text: continuation lines trimmed, a line "." an empty line).
func ParseDescription(b []byte) (Description, error) {
	if len(b) > maxDescription {
		return nil, fmt.Errorf("DESCRIPTION is larger than %d bytes", maxDescription)
	}
	if !utf8.Valid(b) {
		// R accepts a declared Encoding: latin1; a repository serving
		// PACKAGES as UTF-8 does not.
		return nil, fmt.Errorf("DESCRIPTION is not UTF-8")
	}
	d, err := control.ParseFirst(b, maxDescription)
	if err != nil {
		return nil, fmt.Errorf("DESCRIPTION: %w", err)
	}
	if len(d) > maxFields {
		return nil, fmt.Errorf("DESCRIPTION has more than %d fields", maxFields)
	}
	for i := range d {
		d[i].Value = control.Text(d[i].Value)
	}
	if pkg := d.Get("Package"); !validName(pkg) {
		return nil, fmt.Errorf("DESCRIPTION Package %q is not a valid R package name", pkg)
	}
	if ver := d.Get("Version"); !validVersion(ver) {
		return nil, fmt.Errorf("DESCRIPTION Version %q is not a valid package version", ver)
	}
	return d, nil
}

// CompareVersions orders R package versions by their integer components
// (utils::compareVersion, package_version): -1, 0 or 1. Both must be valid.
func CompareVersions(a, b string) int {
	// Field by field without splitting (no allocation: an index compares
	// every file's version).
	i, j := 0, 0
	for {
		var x, y string
		x, i = versionField(a, i)
		y, j = versionField(b, j)
		switch {
		case x == "" && y == "":
			return 0
		case x == "":
			return -1
		case y == "":
			return 1
		}
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		if len(x) != len(y) { // arbitrary length: compare as decimal strings
			return cmpInt(len(x), len(y))
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
}

// versionField returns the next non-empty run of s from i without '.' and
// '-', and the index after it ("" at the end).
func versionField(s string, i int) (string, int) {
	for i < len(s) && (s[i] == '.' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && s[i] != '.' && s[i] != '-' {
		i++
	}
	return s[start:i], i
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rVersionRe is the R version of a binary tree (bin/…/contrib/4.2).
var rVersionRe = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}$`)

// Tree is a directory of packages with its own PACKAGES index.
type Tree struct {
	Dir  string // "src/contrib", "bin/windows/contrib/4.2", "bin/macosx/big-sur-arm64/contrib/4.3"
	Ext  string // the package file extension: ".tar.gz", ".zip", ".tgz"
	Kind string // "source", "win.binary", "mac.binary" (utils::install.packages type)
}

var macArchRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// parseTree recognizes a tree directory given as path segments, the
// repository layout of "R Installation and Administration", 6.6:
// https://cran.r-project.org/doc/manuals/r-release/R-admin.html#Setting-up-a-package-repository
func parseTree(segs []string) (Tree, bool) {
	switch {
	case len(segs) == 2 && segs[0] == "src" && segs[1] == "contrib":
		return Tree{Dir: "src/contrib", Ext: ".tar.gz", Kind: "source"}, true
	case len(segs) == 4 && segs[0] == "bin" && segs[1] == "windows" && segs[2] == "contrib" && rVersionRe.MatchString(segs[3]):
		return Tree{Dir: strings.Join(segs, "/"), Ext: ".zip", Kind: "win.binary"}, true
	case len(segs) == 4 && segs[0] == "bin" && segs[1] == "macosx" && segs[2] == "contrib" && rVersionRe.MatchString(segs[3]):
		return Tree{Dir: strings.Join(segs, "/"), Ext: ".tgz", Kind: "mac.binary"}, true
	case len(segs) == 5 && segs[0] == "bin" && segs[1] == "macosx" && macArchRe.MatchString(segs[2]) && segs[3] == "contrib" && rVersionRe.MatchString(segs[4]):
		return Tree{Dir: strings.Join(segs, "/"), Ext: ".tgz", Kind: "mac.binary"}, true
	}
	return Tree{}, false
}

// splitFile splits a package file name NAME_VERSION<ext>.
func (t Tree) splitFile(file string) (name, version string, ok bool) {
	base, ok := strings.CutSuffix(file, t.Ext)
	if !ok {
		return "", "", false
	}
	name, version, ok = strings.Cut(base, "_")
	return name, version, ok && validName(name) && validVersion(version)
}
