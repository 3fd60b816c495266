package npm

import "encoding/json"

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

// appendAbbreviated appends the abbreviated version object of meta without
// reflection: the members are copied (compacted, HTML-escaped, as
// encoding/json writes a json.RawMessage) in the struct's order. It reports
// false for anything the decoder would treat specially (keys differing only
// in case or escaped, duplicates, a scripts or hasInstallScript of another
// type); the caller then takes the encoding/json path, so both give the same
// bytes.
func appendAbbreviated(dst, meta []byte) ([]byte, bool) {
	var spans [len(abbrevFields)][2]int
	i := skipWS(meta, 0)
	if i >= len(meta) || meta[i] != '{' {
		return dst, false
	}
	i = skipWS(meta, i+1)
	for i < len(meta) && meta[i] != '}' {
		ks := i
		ke, esc, err := skipString(meta, ks)
		if err != nil || esc {
			return dst, false
		}
		key := meta[ks+1 : ke-1]
		i = skipWS(meta, ke)
		if i >= len(meta) || meta[i] != ':' {
			return dst, false
		}
		vs := skipWS(meta, i+1)
		ve, err := skipValue(meta, vs, 1)
		if err != nil {
			return dst, false
		}
		f, ok := abbrevField(key)
		if !ok {
			return dst, false
		}
		if f >= 0 {
			if spans[f][1] != 0 && f == fieldScripts {
				return dst, false // a second scripts object merges into the first
			}
			spans[f] = [2]int{vs, ve}
		}
		i = skipWS(meta, ve)
		if i < len(meta) && meta[i] == ',' {
			i = skipWS(meta, i+1)
			continue
		}
		if i >= len(meta) || meta[i] != '}' {
			return dst, false
		}
	}
	if i >= len(meta) || skipWS(meta, i+1) != len(meta) {
		return dst, false
	}
	install := false
	if s := spans[fieldHasInstallScript]; s[1] != 0 {
		switch string(meta[s[0]:s[1]]) {
		case "true":
			install = true
		case "false", "null":
		default:
			return dst, false
		}
	}
	if s := spans[fieldScripts]; s[1] != 0 {
		found, ok := installScripts(meta[s[0]:s[1]])
		if !ok {
			return dst, false
		}
		install = install || found
	}
	for f, name := range abbrevFields[:fieldScripts] {
		s := spans[f]
		if f == fieldHasInstallScript {
			if install {
				dst = append(dst, `,"hasInstallScript":true`...)
			}
			continue
		}
		required := f <= 1 || f == fieldDist
		if s[1] == 0 && !required {
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
		if s[1] == 0 {
			dst = append(dst, "null"...)
			continue
		}
		dst = appendCompact(dst, meta[s[0]:s[1]])
	}
	return append(dst, '}'), true
}

// maxAbbrevField is the length of the longest abbrevFields name.
const maxAbbrevField = len("optionalDependencies")

// abbrevField returns the index of the member key, -1 for a member the
// abbreviated object drops, and false for a key encoding/json would match
// to a field without being spelled exactly like it (it folds case). One
// lookup of the lowercased key replaces comparing it with every name
// (the loop of bytes.EqualFold was a third of the guest's time).
func abbrevField(key []byte) (int, bool) {
	var folded [maxAbbrevField]byte
	for i, c := range key {
		if c >= 0x80 {
			return -1, false // non-ASCII keys may fold to a field name (ſ, K)
		}
		if i < len(folded) {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			folded[i] = c
		}
	}
	if len(key) > len(folded) {
		return -1, true
	}
	f := foldedField(string(folded[:len(key)]))
	if f < 0 {
		return -1, true
	}
	if string(key) != abbrevFields[f] {
		return -1, false
	}
	return f, true
}

// foldedField returns the index of the abbrevFields name whose ASCII
// lowercase form is k, or -1. A switch: Go's map hashes bytes in software
// in the guest, which cost as much as the compare loop it replaced.
func foldedField(k string) int {
	switch k {
	case "name":
		return 0
	case "version":
		return 1
	case "deprecated":
		return 2
	case "dependencies":
		return 3
	case "optionaldependencies":
		return 4
	case "devdependencies":
		return 5
	case "bundledependencies":
		return 6
	case "peerdependencies":
		return 7
	case "peerdependenciesmeta":
		return 8
	case "acceptdependencies":
		return 9
	case "bin":
		return 10
	case "directories":
		return 11
	case "engines":
		return 12
	case "cpu":
		return 13
	case "os":
		return 14
	case "libc":
		return 15
	case "funding":
		return 16
	case "license":
		return 17
	case "_hasshrinkwrap":
		return 18
	case "hasinstallscript":
		return 19
	case "dist":
		return 20
	case "scripts":
		return 21
	}
	return -1
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

// compactStop marks the bytes appendCompact must look at: inside a string
// (bit 1) the end, an escape and what encoding/json escapes; outside (bit 2)
// the start of a string and white space. One table load per byte instead of
// a chain of comparisons keeps the common run of plain bytes a tight loop.
var compactStop = func() (t [256]uint8) {
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		t[c] |= 1
	}
	for _, c := range []byte{'"', ' ', '\t', '\n', '\r'} {
		t[c] |= 2
	}
	return t
}()

// appendCompact appends the valid JSON value raw without insignificant
// white space and with <, >, &, U+2028 and U+2029 escaped in strings, as
// encoding/json writes a json.RawMessage.
func appendCompact(dst, raw []byte) []byte {
	const hex = "0123456789abcdef"
	inString := false
	start := 0
	for i := 0; i < len(raw); i++ {
		if inString {
			for i < len(raw) && compactStop[raw[i]]&1 == 0 {
				i++
			}
			if i >= len(raw) {
				break
			}
			switch c := raw[i]; {
			case c == '\\':
				i++
			case c == '"':
				inString = false
			case c == '<' || c == '>' || c == '&':
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
				dst = append(dst, raw[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[raw[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		for i < len(raw) && compactStop[raw[i]]&2 == 0 {
			i++
		}
		if i >= len(raw) {
			break
		}
		if raw[i] == '"' {
			inString = true
			continue
		}
		dst = append(dst, raw[start:i]...)
		start = i + 1
	}
	return append(dst, raw[start:]...)
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
