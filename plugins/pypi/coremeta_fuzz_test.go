package pypi

import (
	"strings"
	"testing"
)

// FuzzParseCoreMetadata parses arbitrary METADATA / PKG-INFO header blocks
// (core metadata, https://packaging.python.org/en/latest/specifications/core-metadata/):
// no panic, and the fields it returns are ones the text contains.
func FuzzParseCoreMetadata(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: keeper-demo\nVersion: 1.0.0\nSummary: A demo\n  continued\nRequires-Python: >=3.8\n\nlong description\nName: not-this\n"))
	f.Add([]byte("Metadata-Version: 2.4\r\nName: x\r\nVersion: 0\r\n"))
	f.Add([]byte("Name\nVersion:: 1\n:\n \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseCoreMetadata(b)
		if err != nil {
			return
		}
		for _, v := range []string{m.Name, m.Version, m.MetadataVersion, m.RequiresPython} {
			if v != "" && !strings.Contains(strings.ReplaceAll(string(b), "\r\n", "\n"), v) {
				t.Fatalf("field %q is not in the input", v)
			}
		}
		_ = Normalize(m.Name)
	})
}
