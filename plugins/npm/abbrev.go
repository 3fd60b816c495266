package npm

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// abbrevFields are the members of the abbreviated version object in the
// order encoding/json writes the abbreviated struct (see packument.go).
var abbrevFields = [...]string{"name", "version", "deprecated", "dependencies", "optionalDependencies",
	"devDependencies", "bundleDependencies", "peerDependencies", "peerDependenciesMeta", "acceptDependencies",
	"bin", "directories", "engines", "cpu", "os", "libc", "funding", "license", "_hasShrinkwrap",
	"hasInstallScript", "dist", "scripts"}

const (
	fieldHasInstallScript = 19
	fieldDist             = 20
	fieldScripts          = 21
)

// abbrevMembers asks the host (json-members, contract 0.5.0) for the
// members of every version document the abbreviated object keeps,
// compacted and HTML-escaped as encoding/json writes a json.RawMessage, so
// the guest scans none of the documents (docs/decisions/0011). The error
// (a host limit) sends every document to abbreviatedSlow.
func abbrevMembers(h sdk.Host, vs []sdk.VersionInfo) (sdk.Members, error) {
	docs := make([][]byte, len(vs))
	for i := range vs {
		docs[i] = vs[i].Metadata
	}
	return sdk.JSONMembers(h, docs, abbrevFields[:], sdk.MemberCompactHTML)
}

// appendAbbreviated appends the abbreviated version object of document d
// from its members m, in the struct's order. It reports false, having
// appended nothing, for what encoding/json would treat differently (a
// scripts or hasInstallScript of another type); the caller then takes
// abbreviatedSlow. Irregular documents (keys differing only in case or
// escaped, duplicates) never get here.
func appendAbbreviated(dst []byte, m *sdk.Members, d int) ([]byte, bool) {
	install := false
	if v := m.Value(d, fieldHasInstallScript); v != nil {
		switch string(v) {
		case "true":
			install = true
		case "false", "null":
		default:
			return dst, false
		}
	}
	if v := m.Value(d, fieldScripts); v != nil {
		found, ok := installScripts(v)
		if !ok {
			return dst, false
		}
		install = install || found
	}
	for f, name := range abbrevFields[:fieldScripts] {
		if f == fieldHasInstallScript {
			if install {
				dst = append(dst, `,"hasInstallScript":true`...)
			}
			continue
		}
		v := m.Value(d, f)
		required := f <= 1 || f == fieldDist
		if v == nil && !required {
			continue
		}
		if f > 0 {
			dst = append(dst, ',')
		} else {
			dst = append(dst, '{')
		}
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		if v == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = append(dst, v...)
	}
	return append(dst, '}'), true
}

// installScripts reports whether the scripts object has a preinstall,
// install or postinstall member; false when it is neither an object nor null.
func installScripts(raw []byte) (found, ok bool) {
	if string(raw) == "null" {
		return false, true
	}
	if len(raw) == 0 || raw[0] != '{' {
		return false, false
	}
	_, err := members(raw, 0, func(key string, _, _ int) error {
		switch key {
		case "preinstall", "install", "postinstall":
			found = true
		}
		return nil
	})
	return found, err == nil
}

// abbreviatedSlow is the encoding/json rendering appendAbbreviated mirrors.
func abbreviatedSlow(meta []byte) ([]byte, error) {
	var a abbreviated
	if err := json.Unmarshal(meta, &a); err != nil {
		return nil, err
	}
	for _, s := range []string{"preinstall", "install", "postinstall"} {
		if _, ok := a.Scripts[s]; ok {
			a.HasInstallScript = true
		}
	}
	a.Scripts = nil
	return json.Marshal(&a)
}
