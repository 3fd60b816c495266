package pypi

import (
	"bytes"
	"strconv"
)

// The simple pages list a project's files in PEP 440 order, then by
// version text and filename (projectFiles). Since contract 0.7.0 the host
// sorts a loop by a key stored in each row's metadata (docs/decisions/0014),
// so each file's metadata carries that order packed into bytes: sortKey.

// sortKey is the byte-comparable key of a file's place on the simple pages:
// "1" and the packed PEP 440 version for a valid version ("0" for an
// invalid one: those sort first), the version text, a space, the filename
// and a space (the JSON page sorts on the quoted value: the last space
// keeps a filename that is a prefix of another first). ok is false when
// the key or the page could not be written exactly by the host from the
// stored metadata: no filename, a version or filename byte outside
// '!'…'~', '"' or a backslash, '&' in the filename (the HTML page's href is
// written without HTML escaping), or a member whose stored JSON differs
// from appendJSONString's (the JSON page copies members as stored). Such a
// file gets no key and the page is rendered by the guest (assembled.go).
func sortKey(m *FileMeta) (string, bool) {
	if m.Filename == "" {
		return "", false
	}
	for i := 0; i < len(m.Version); i++ {
		if c := m.Version[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return "", false
		}
	}
	for i := 0; i < len(m.Filename); i++ {
		if c := m.Filename[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '&' {
			return "", false
		}
	}
	for _, s := range []string{m.Version, m.Filename, m.RequiresPython, m.CoreMetadataSHA256} {
		if !bytes.Equal(marshal(s), appendJSONString(nil, s)) {
			return "", false
		}
	}
	v, err := ParseVersion(m.Version)
	if err != nil {
		return "0" + m.Version + " " + m.Filename + " ", true
	}
	b := []byte{'1'}
	b = packNum(b, v.Epoch)
	for _, x := range trimZeros(v.Release) {
		b = packNum(append(b, 'b'), x)
	}
	b = append(b, 'a')
	for _, x := range v.preKey() {
		b = packSigned(b, x)
	}
	for _, seg := range v.Local {
		if x, err := strconv.ParseInt(seg, 10, 64); err == nil {
			b = packNum(append(b, 'c'), x)
		} else {
			b = append(append(append(b, 'b'), seg...), '!')
		}
	}
	b = append(b, 'a')
	return string(b) + m.Version + " " + m.Filename + " ", true
}

// packNum appends n ≥ 0 as its hex digit count ('1'…'@') and hex digits,
// so byte order is numeric order.
func packNum(b []byte, n int64) []byte {
	h := strconv.FormatInt(n, 16)
	return append(append(b, byte('0'+len(h))), h...)
}

// packSigned packs one value of Version.preKey: negative values (the
// sentinels for "absent" and a dev-only release) as 'a', math.MaxInt64 (a
// final release) as 'c', others as 'b' and the number.
func packSigned(b []byte, n int64) []byte {
	switch {
	case n < 0:
		return append(b, 'a')
	case n == 1<<63-1:
		return append(b, 'c')
	}
	return packNum(append(b, 'b'), n)
}
