package vagrant

import "strconv"

// catalogKey is the byte-comparable key of a box in the catalog's order
// (catalog: versions newest first as sortVersions orders them, then
// providers by name): for each of the version's four numeric parts
// (versionRe; a missing part is 0) 999999999 minus the part in nine
// digits, then the version mirrored ('0'…'9' as '9'…'0', '.' as ';': the
// text order newer breaks ties with, reversed), '~' (above every mirrored
// byte, so a version that is a prefix of another sorts after it), then the
// provider's name. Every byte is in '0'…'~' without '"' or '\', so the key
// is its own JSON string. ok is false for a version or provider outside
// versionRe and nameRe (they never reach the store).
func catalogKey(version, provider string) (string, bool) {
	if !versionRe.MatchString(version) || !nameRe.MatchString(provider) {
		return "", false
	}
	b := make([]byte, 0, 4*9+len(version)+1+len(provider))
	rest, more := version, true
	for i := 0; i < 4; i++ {
		n := 0
		if more {
			var part string
			part, rest, more = cut(rest)
			n = num(part)
		}
		s := strconv.Itoa(999999999 - n)
		for j := len(s); j < 9; j++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	for i := 0; i < len(version); i++ {
		b = append(b, 'i'-version[i]) // '0'+'9' == 'i', '.' → ';'
	}
	b = append(b, '~')
	return string(append(b, provider...)), true
}

func cut(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// boxMetadata is a box file's metadata: the catalog's sort key, version
// and provider name (assembled.go); nil when catalogKey refuses them.
func boxMetadata(b box) []byte {
	k, ok := catalogKey(b.version, b.provider)
	if !ok {
		return nil
	}
	m := append([]byte(`{"catalog_key":"`), k...)
	m = append(append(m, `","version":"`...), b.version...)
	m = append(append(m, `","provider":"`...), b.provider...)
	return append(m, `"}`...)
}
