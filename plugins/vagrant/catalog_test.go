package vagrant

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// oldNewer is newer as it was written before (strings.Split), the
// reference for the allocation-free one.
func oldNewer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	part := func(parts []string, i int) string {
		if i >= len(parts) {
			return ""
		}
		return parts[i]
	}
	for i := 0; i < len(as) || i < len(bs); i++ {
		x, y := num(part(as, i)), num(part(bs, i))
		if x != y {
			return x > y
		}
	}
	return a > b
}

// TestCatalogMatchesEncodingJSON compares appendCatalog with json.Marshal
// over generated catalogs (escapes, HTML characters, unicode, empty and
// nil lists) and newer with the Split-based order over generated versions.
func TestCatalogMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	str := func() string {
		return pick("", "acme/base", "a<b>&c", "é", "\u2028", "q\"\\", "\n\t", "http://h/x?a=1&b=2", "\xff", "1.0.0")
	}
	for round := 0; round < 300; round++ {
		doc := catalogDoc{Name: str(), Description: str()}
		if rng.Intn(8) > 0 {
			doc.Versions = []version{}
			for i, n := 0, rng.Intn(5); i < n; i++ {
				v := version{Version: str()}
				if rng.Intn(6) > 0 {
					v.Providers = []provider{}
					for j, m := 0, rng.Intn(3); j < m; j++ {
						v.Providers = append(v.Providers, provider{Name: str(), URL: str(), Checksum: str(), ChecksumType: str()})
					}
				}
				doc.Versions = append(doc.Versions, v)
			}
		}
		want, _ := json.Marshal(doc)
		if got := appendCatalog(nil, &doc); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	}
	ver := func() string {
		return pick("1", "1.0", "1.0.0", "1.10", "1.9", "2", "1.0.0.0", "1.", ".1", "", "1.a", "a", "01.2", "9999999999.1", "1.2x.3", "1..2")
	}
	for i := 0; i < 20000; i++ {
		a, b := ver(), ver()
		if newer(a, b) != oldNewer(a, b) {
			t.Fatalf("newer(%q, %q) = %v", a, b, newer(a, b))
		}
	}
}
