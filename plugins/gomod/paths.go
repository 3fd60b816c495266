package gomod

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/mod/module"
)

// Request kinds of the GOPROXY protocol (https://go.dev/ref/mod#goproxy-protocol).
const (
	kindList   = "list"   // $module/@v/list
	kindLatest = "latest" // $module/@latest
	kindInfo   = "info"   // $module/@v/$version.info
	kindMod    = "mod"    // $module/@v/$version.mod
	kindZip    = "zip"    // $module/@v/$version.zip
	kindSumDB  = "sumdb"  // sumdb/$name/... (checksum database proxying)
)

// target is a parsed request path.
type target struct {
	kind string
	// escMod and escVer are the case-encoded forms used in stored paths.
	escMod, escVer string
	// mod and ver are the decoded module path and version.
	mod, ver string
}

// stored returns the stored file path of an .info, .mod or .zip of t.
func (t target) stored(ext string) string { return t.escMod + "/@v/" + t.escVer + "." + ext }

// listPrefix is the stored path prefix of every file of t's module.
func (t target) listPrefix() string { return t.escMod + "/@v/" }

// parseTarget decodes the escaped request path into a target. The module
// path is case-encoded per https://go.dev/ref/mod#goproxy-protocol ("!x"
// for upper case); a path that spells upper case literally is accepted too
// (an upload tool may send it) and re-encoded.
func parseTarget(escaped string) (target, error) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return target{}, fmt.Errorf("bad path escape")
	}
	p = strings.TrimPrefix(p, "/")
	if strings.HasPrefix(p, "sumdb/") {
		return target{kind: kindSumDB}, nil
	}
	var t target
	var modPart string
	if m, ok := strings.CutSuffix(p, "/@latest"); ok {
		t.kind, modPart = kindLatest, m
	} else if m, rest, ok := strings.Cut(p, "/@v/"); ok {
		modPart = m
		switch {
		case rest == "list":
			t.kind = kindList
		case strings.HasSuffix(rest, ".info"):
			t.kind, t.escVer = kindInfo, strings.TrimSuffix(rest, ".info")
		case strings.HasSuffix(rest, ".mod"):
			t.kind, t.escVer = kindMod, strings.TrimSuffix(rest, ".mod")
		case strings.HasSuffix(rest, ".zip"):
			t.kind, t.escVer = kindZip, strings.TrimSuffix(rest, ".zip")
		default:
			return target{}, fmt.Errorf("unknown proxy path %q (want @v/list, @v/<version>.info|.mod|.zip or @latest)", rest)
		}
	} else {
		return target{}, fmt.Errorf("not a proxy path: %q", p)
	}
	if t.mod, t.escMod, err = decodePath(modPart); err != nil {
		return target{}, err
	}
	if t.escVer != "" || t.kind == kindInfo || t.kind == kindMod || t.kind == kindZip {
		if t.ver, t.escVer, err = decodeVersion(t.escVer); err != nil {
			return target{}, err
		}
	}
	return t, nil
}

// decodePath returns the module path and its case-encoded form.
func decodePath(s string) (mod, esc string, err error) {
	if mod, err = module.UnescapePath(s); err != nil {
		// Not a valid encoded path: maybe a literal path with upper case.
		if strings.Contains(s, "!") || module.CheckPath(s) != nil {
			return "", "", fmt.Errorf("invalid module path %q: %v", s, err)
		}
		mod = s
	}
	if esc, err = module.EscapePath(mod); err != nil {
		return "", "", fmt.Errorf("invalid module path %q: %v", mod, err)
	}
	return mod, esc, nil
}

// decodeVersion returns the version and its case-encoded form.
func decodeVersion(s string) (ver, esc string, err error) {
	if s == "" {
		return "", "", fmt.Errorf("empty version")
	}
	if ver, err = module.UnescapeVersion(s); err != nil {
		if strings.Contains(s, "!") {
			return "", "", fmt.Errorf("invalid version %q: %v", s, err)
		}
		ver = s
	}
	if esc, err = module.EscapeVersion(ver); err != nil {
		return "", "", fmt.Errorf("invalid version %q: %v", ver, err)
	}
	return ver, esc, nil
}
