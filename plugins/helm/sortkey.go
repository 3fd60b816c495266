package helm

import (
	"strconv"
	"unicode/utf8"
)

// index.yaml lists charts by name (byte order), each chart's versions by
// SemVer precedence, newest first, build metadata breaking ties
// (loadCharts). Since contract 0.7.0 the host sorts a loop by a key stored
// in each row's metadata (docs/decisions/0014), so each chart file's
// metadata carries that order packed into bytes: indexKey.

// indexKey is the byte-comparable key of a chart version's place in
// index.yaml: the name, a space, and the version's packed SemVer key with
// every byte mirrored in '!'…'~' (so ascending bytes are descending
// versions). ok is false when the host could not order or write the entry
// exactly: a name that is empty, not UTF-8 or has a byte at or below ' '
// (the space must sort below every name byte), or a version that is not
// SemVer. Such a chart gets no key and the index is rendered by the guest.
func indexKey(name, ver string) (string, bool) {
	if name == "" || !utf8.ValidString(name) {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' {
			return "", false
		}
	}
	v, ok := parseSemver(ver)
	if !ok {
		return "", false
	}
	b := packNum(nil, v.Major)
	b = packNum(b, v.Minor)
	b = packNum(b, v.Patch)
	if len(v.Pre) == 0 {
		b = append(b, 'd') // a release is above each of its pre-releases
	} else {
		for _, id := range v.Pre {
			if n, ok := numericIdent(id); ok {
				b = packNum(append(b, 'b'), n) // numeric identifiers first, by value
			} else {
				b = append(append(append(b, 'c'), id...), '!') // then ASCII order
			}
		}
		b = append(b, 'a') // a shorter list of equal identifiers first
	}
	b = append(append(b, v.Build...), '!') // ties: build metadata as text
	for i := range b {
		b[i] = '!' + '~' - b[i]
	}
	return name + " " + string(b), true
}

// indexHead is the line opening a chart's entries in index.yaml.
func indexHead(name string) string { return "  " + strconv.Quote(name) + ":\n" }

// packNum appends n as its hex digit count ('1'…'@') and hex digits, so
// byte order is numeric order.
func packNum(b []byte, n uint64) []byte {
	h := strconv.FormatUint(n, 16)
	return append(append(b, byte('0'+len(h))), h...)
}

// numericIdent is a pre-release identifier's value when SemVer compares it
// as a number (as semver.compareIdent does: digits fitting 64 bits).
func numericIdent(id string) (uint64, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}
