package pypi

import (
	"fmt"
	"strings"
)

// Normalize returns the PEP 503 normalized form of a project name:
// lower case, every run of "-", "_" and "." replaced by one "-".
// https://peps.python.org/pep-0503/#normalized-names
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteByte(c)
	}
	return b.String()
}

// validName reports whether name is a valid project name (core metadata
// "Name": ASCII letters, digits, ".", "_", "-", starting and ending with a
// letter or digit). https://packaging.python.org/en/latest/specifications/core-metadata/#name
func validName(name string) bool {
	if name == "" || len(name) > 200 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && c != '.' && c != '_' && c != '-' {
			return false
		}
		if (i == 0 || i == len(name)-1) && !alnum {
			return false
		}
	}
	return true
}

// validVersion reports whether v is usable as a version string (PEP 440
// characters only; the full grammar is checked by ParseVersion).
func validVersion(v string) bool {
	if v == "" || len(v) > 100 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_+!", c) >= 0) {
			return false
		}
	}
	return true
}

// Dist is what a distribution filename says.
type Dist struct {
	Filename    string
	Name        string // the name part as written in the filename
	Version     string // the version part as written in the filename
	PackageType string // "bdist_wheel" or "sdist"
	// PythonTag is the wheel's python tag, "source" for an sdist.
	PythonTag string
}

// ParseFilename splits a wheel or sdist filename.
// Wheels: https://packaging.python.org/en/latest/specifications/binary-distribution-format/#file-name-convention
// sdists: https://packaging.python.org/en/latest/specifications/source-distribution-format/#source-distribution-file-name
func ParseFilename(fn string) (Dist, error) {
	if fn == "" || len(fn) > 255 || strings.ContainsAny(fn, "/\\\x00 \"'<>&#?%") || strings.HasPrefix(fn, ".") {
		return Dist{}, fmt.Errorf("invalid distribution filename %q", fn)
	}
	d := Dist{Filename: fn}
	switch {
	case strings.HasSuffix(fn, ".whl"):
		parts := strings.Split(strings.TrimSuffix(fn, ".whl"), "-")
		if len(parts) != 5 && len(parts) != 6 {
			return Dist{}, fmt.Errorf("invalid wheel filename %q: want name-version[-build]-python-abi-platform.whl", fn)
		}
		for _, p := range parts {
			if p == "" {
				return Dist{}, fmt.Errorf("invalid wheel filename %q: empty component", fn)
			}
		}
		d.Name, d.Version, d.PackageType = parts[0], parts[1], "bdist_wheel"
		d.PythonTag = parts[len(parts)-3]
	case strings.HasSuffix(fn, ".tar.gz") || strings.HasSuffix(fn, ".zip"):
		base := strings.TrimSuffix(strings.TrimSuffix(fn, ".tar.gz"), ".zip")
		i := strings.LastIndexByte(base, '-')
		if i <= 0 || i == len(base)-1 {
			return Dist{}, fmt.Errorf("invalid sdist filename %q: want name-version.tar.gz", fn)
		}
		d.Name, d.Version, d.PackageType, d.PythonTag = base[:i], base[i+1:], "sdist", "source"
	default:
		return Dist{}, fmt.Errorf("invalid distribution file %q: only .whl, .tar.gz and .zip are accepted", fn)
	}
	if !validName(d.Name) || !validVersion(d.Version) {
		return Dist{}, fmt.Errorf("invalid distribution filename %q: bad name or version", fn)
	}
	return d, nil
}

// sameVersion reports whether a filename version matches the declared one
// (wheel filenames write "-" as "_"; compare PEP 440 normal forms when both parse).
func sameVersion(fileVer, declared string) bool {
	if fileVer == declared || strings.ReplaceAll(declared, "-", "_") == fileVer {
		return true
	}
	a, err1 := ParseVersion(fileVer)
	b, err2 := ParseVersion(declared)
	return err1 == nil && err2 == nil && a.Compare(b) == 0
}
