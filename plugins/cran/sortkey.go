package cran

import "strings"

// A tree's index lists, per package name in byte order, the newest version
// stored (latest: CompareVersions, the first file in path order on a tie).
// Since contract 0.7.0 the host sorts a loop by a key stored in each row's
// metadata (docs/decisions/0014), so each package file's metadata carries
// that order packed into bytes: indexKey. Sorted ascending, a package's
// newest version is the first row of its run of equal names.

// indexKey is the byte-comparable key of a package file's place in its
// tree's index: the name, a space (below every byte of a valid name), and
// the version packed with every byte mirrored in '!'…'~', so ascending
// bytes are descending versions and equal versions (1.0, 1-0, 01.0) have
// equal keys. name and version must be valid (validName, validVersion).
func indexKey(name, version string) string {
	b := make([]byte, 0, len(name)+1+len(version)+8)
	b = append(append(b, name...), ' ')
	for i := 0; ; {
		var f string
		f, i = versionField(version, i)
		if f == "" {
			b = append(b, mirror('!')) // ends below any field: 1.0 < 1.0.0
			break
		}
		f = strings.TrimLeft(f, "0")
		// The digit count first ('"'…'b': a version has at most 64
		// characters), so a longer number is the larger one.
		b = append(b, mirror(byte('"'+len(f))))
		for j := 0; j < len(f); j++ {
			b = append(b, mirror(f[j]))
		}
	}
	return string(b)
}

// mirror reverses the order of bytes in '!'…'~'.
func mirror(c byte) byte { return '!' + '~' - c }
