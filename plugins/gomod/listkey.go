package gomod

import (
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// @v/list orders versions as semver.Sort does (semver.Compare, ties by
// the string). Since contract 0.7.0 the host sorts a loop on a key stored
// in each row's metadata (docs/decisions/0014), so an upload stores on
// its .info file that order packed into bytes (listKey), and on its .mod
// file and a pseudo-version's .info a marker the host skips; the .zip's
// metadata (upload.go) starts with zipPrefix. listed.go is the template.

// Metadata of the files an upload stores, and its prefixes the list skips.
const (
	memberKey    = "goKey"
	modMeta      = `{"goMod":true}`
	pseudoMeta   = `{"goPseudo":true}`
	zipPrefix    = `{"files":`
	maxKeyNumber = 40 // digits of a number listKey packs: its length is one byte, '0'+n
)

// Bytes of listKey's codes, in semver.Compare's order at one position:
// the end of a pre-release below a numeric identifier below an
// alphanumeric one, a version with a pre-release below the same without;
// an alphanumeric identifier ends in alnumEnd, below each of its bytes.
const (
	codePreEnd  = 'e'
	codeNum     = 'n'
	codePre     = 'p'
	codeAlnum   = 'q'
	codeRelease = 'r'
	alnumEnd    = '!'
)

// listKey is the byte-comparable key of v in semver.Sort's order: major,
// minor and patch as length-prefixed numbers, then codeRelease, or
// codePre, each pre-release identifier and codePreEnd; then v itself, the
// tie-break of semver.Sort (v1.0.0 and v1.0.0+incompatible compare equal).
// Every part is self-delimiting, so two versions that compare unequal
// differ before either key reaches its tie-break. The host compares the
// raw JSON string: v's bytes are [0-9A-Za-z.+-], all above the closing
// quote, so a key that is the prefix of another sorts first, as strings
// do. ok is false for a version that is not valid, not of the full
// vMAJOR.MINOR.PATCH form, a pseudo-version (never listed), or has a
// number longer than maxKeyNumber digits: its .info gets no key, and
// the module's list is read by the guest.
func listKey(v string) (string, bool) {
	if !semver.IsValid(v) || module.IsPseudoVersion(v) {
		return "", false
	}
	b := make([]byte, 0, 2*len(v)+8)
	rest := v[1:]
	for i := 0; i < 3; i++ {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 || n > maxKeyNumber || i < 2 && (n == len(rest) || rest[n] != '.') {
			return "", false
		}
		b = append(append(b, byte('0'+n)), rest[:n]...)
		rest = rest[n:]
		if i < 2 {
			rest = rest[1:]
		}
	}
	pre := semver.Prerelease(v)
	if pre == "" {
		b = append(b, codeRelease)
		return string(append(b, v...)), true
	}
	b = append(b, codePre)
	for id := pre[1:]; ; {
		n := 0
		for n < len(id) && id[n] != '.' {
			n++
		}
		if isNumeric(id[:n]) {
			if n > maxKeyNumber {
				return "", false
			}
			b = append(append(b, codeNum, byte('0'+n)), id[:n]...)
		} else {
			b = append(append(append(b, codeAlnum), id[:n]...), alnumEnd)
		}
		if n == len(id) {
			break
		}
		id = id[n+1:]
	}
	b = append(b, codePreEnd)
	return string(append(b, v...)), true
}

// isNumeric reports whether id is all digits (semver.IsValid refused a
// numeric identifier with a leading zero).
func isNumeric(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return id != ""
}

// infoMeta is the metadata an upload stores on v's .info file: its key,
// the pseudo-version marker, or {} (no key: the list is read by the
// guest while the module holds v).
func infoMeta(v string) []byte {
	if module.IsPseudoVersion(v) {
		return []byte(pseudoMeta)
	}
	k, ok := listKey(v)
	if !ok {
		return []byte(`{}`)
	}
	return append(append([]byte(`{"`+memberKey+`":"`), k...), `"}`...)
}
