package cran

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Since contract 0.7.0 a package file's stored metadata carries, after its
// PACKAGES record, what the host needs to write the tree's indexes without
// the guest (assembled.go): the sort key (indexKey), the package name (a
// run of equal names is one package), the record's PACKAGES stanza as
// renderPACKAGES writes it, and its PACKAGES.rds row (rdsCells). A file
// stored before has none of them and its tree's indexes are rendered by
// the guest as before.

// indexMembers are the members upload adds, in stored order.
var indexMembers = [...]string{"key", "name", "stanza", "rds"}

// Indexes of indexMembers in the templates' member lists.
const (
	memKey = iota
	memName
	memStanza
	memRDS
)

// storedMeta is a package file's stored metadata.
type storedMeta struct {
	Fields [][2]string `json:"fields"`
	Key    string      `json:"key,omitempty"`
	Name   string      `json:"name,omitempty"`
	Stanza string      `json:"stanza,omitempty"`
	RDS    string      `json:"rds,omitempty"`
}

// maxCell bounds a value rdsCells writes (its five hex digits of length).
const maxCell = 0xfffff

// fileMetadata is the stored metadata of package name at version with
// record m in a tree whose index has columns cols.
func fileMetadata(m fileMeta, name, version string, cols []string) []byte {
	s := storedMeta{Fields: m.Fields}
	if rds, ok := rdsCells(m, cols); ok && validUTF8(m) && validName(name) && validVersion(version) {
		s.Key, s.Name, s.Stanza, s.RDS = indexKey(name, version), name, string(renderPACKAGES([]fileMeta{m})), rds
	}
	raw, _ := json.Marshal(s)
	return raw
}

// validUTF8 reports whether every name and value of m is UTF-8 (upload's
// are: ParseDescription): json.Marshal would store other bytes as U+FFFD,
// and rdsCells' lengths would not be the stored values'.
func validUTF8(m fileMeta) bool {
	for _, f := range m.Fields {
		if !utf8.ValidString(f[0]) || !utf8.ValidString(f[1]) {
			return false
		}
	}
	return true
}

// rdsCells is record m's row of PACKAGES.rds (recordsMatrix) as text, one
// cell a column: "-" for NA, else 'a' (ASCII) or 'u' (UTF-8, as EncodeRDS
// flags it), the length as five hex digits, and the value. ok is false for
// a value longer than maxCell.
func rdsCells(m fileMeta, cols []string) (string, bool) {
	var b []byte
	for _, v := range recordsMatrix([]fileMeta{m}, cols).Rows[0] {
		if v == nil {
			b = append(b, '-')
			continue
		}
		if len(*v) > maxCell {
			return "", false
		}
		flag := byte('a')
		for i := 0; i < len(*v); i++ {
			if (*v)[i] >= 0x80 {
				flag = 'u'
				break
			}
		}
		n := strconv.FormatUint(uint64(len(*v)), 16)
		b = append(append(append(b, flag), "00000"[len(n):]...), n...)
		b = append(b, *v...)
	}
	return string(b), true
}
