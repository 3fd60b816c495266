package jetbrains

import "strings"

// Sort keys of plugin files (contract 0.7.0, docs/decisions/0014): the
// host sorts updatePlugins.xml's rows on the key each file's metadata got
// at upload, so that a plugin's versions come newest first as newest reads
// them (compareVersions descending, equal versions in version-string
// order).
//
// A version is packed field by field (strings.FieldsFunc(v, isSep)): a
// number (at most 18 digits) as '1', its digit count without leading zeros
// as '0'+n and those digits; a field starting with a letter as '2', the
// field and '#'; the end as '!'. Numbers sort below words, as
// compareVersions' string comparison of a digit and a letter does, and a
// version that is a prefix of another sorts first. A field mixing a leading
// digit with letters, or a longer number, is compared by compareVersions in
// a way no byte key can follow (it is not transitive: 9 < 10 < 10a < 9), so
// such a version has no key and its repository is rendered as before.

// sortKey is the key of version v of plugin id: id, a space, the packed
// version with every byte mirrored in '!'…'~' (so ascending bytes are
// newest first), a space and the version; ok is false when v has no key.
func sortKey(id, v string) (string, bool) {
	b := make([]byte, 0, len(id)+2*len(v)+8)
	b = append(append(b, id...), ' ')
	start := len(b)
	for _, f := range strings.FieldsFunc(v, isSep) {
		switch c := f[0]; {
		case c >= '0' && c <= '9':
			digits := strings.TrimLeft(f, "0")
			if len(digits) > 18 || strings.TrimLeft(f, "0123456789") != "" {
				return "", false
			}
			b = append(append(append(b, '1'), byte('0'+len(digits))), digits...)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			for i := 1; i < len(f); i++ {
				if c := f[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					return "", false
				}
			}
			b = append(append(append(b, '2'), f...), '#')
		default:
			return "", false
		}
	}
	b = append(b, '!')
	for i := start; i < len(b); i++ {
		b[i] = '~' + '!' - b[i]
	}
	return string(append(append(b, ' '), v...)), true
}
