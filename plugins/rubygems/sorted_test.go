package rubygems

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// TestSortKeyOrder: for 3,000 generated versions and platforms the byte
// order of sortKey is gemRecords' order (compareVersions, then platform),
// equal keys exactly for versions compareVersions calls equal.
func TestSortKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 17))
	segs := []string{"0", "00", "1", "2", "9", "10", "010", "11", "99", "100", "12345678901234567890", "a", "b", "pre", "rc", "Z", "beta"}
	plats := []string{"ruby", "java", "x86_64-linux", "x86-linux", "arm64-darwin", "x86_64-linux-musl"}
	type row struct{ v, p, key string }
	var rows []row
	for range 3000 {
		var b strings.Builder
		b.WriteString(segs[rng.IntN(10)]) // a version starts with a number
		for range rng.IntN(5) {
			if rng.IntN(3) > 0 {
				b.WriteByte('.')
			}
			b.WriteString(segs[rng.IntN(len(segs))])
		}
		v, p := b.String(), plats[rng.IntN(len(plats))]
		if !versionRe.MatchString(v) {
			continue
		}
		k, ok := sortKey(v, p)
		if !ok {
			t.Fatalf("no key for %q %q", v, p)
		}
		rows = append(rows, row{v, p, k})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		c := compareVersions(a.v, b.v)
		if c == 0 {
			c = strings.Compare(a.p, b.p)
		}
		if c > 0 || (c == 0) != (a.key == b.key) {
			t.Fatalf("%q %q (key %q) before %q %q (key %q): compare %d", a.v, a.p, a.key, b.v, b.p, b.key, c)
		}
	}
	for _, bad := range [][2]string{{"", "ruby"}, {"1.0-x", "ruby"}, {"1", "Ruby"}, {"1", ""}, {"1." + strings.Repeat("7", 256), "ruby"}} {
		if k, ok := sortKey(bad[0], bad[1]); ok {
			t.Errorf("sortKey(%q, %q) = %q", bad[0], bad[1], k)
		}
	}
}

// TestSortedInfoOldRows: a gem with a version stored with pieces but
// without a sort key (written before contract 0.7.0) is not built by the
// sorted template, and /versions is still the render's bytes.
func TestSortedInfoOldRows(t *testing.T) {
	recs := []record{gem("demo", "1.0.0", "ruby", nil), gem("demo", "1.10.0", "ruby", nil), gem("demo", "1.9.0", "java", nil), gem("zeta", "2", "ruby", nil)}
	h := gemHost(recs)
	if r, _ := sortedInfo(h, "demo"); r == nil {
		t.Fatal("not built with keys")
	}
	k := "demo\x001.9.0-java"
	v := h.Versions[k]
	at := bytes.Index(v.Metadata, []byte(`"sort:demo"`))
	end := bytes.Index(v.Metadata[at:], []byte(`",`)) + at + 2
	v.Metadata = append(append([]byte{}, v.Metadata[:at]...), v.Metadata[end:]...)
	h.Versions[k] = v
	if !bytes.HasPrefix(v.Metadata, []byte(livePrefix+`"info"`)) {
		t.Fatalf("stripped %s", v.Metadata)
	}
	if r, _ := sortedInfo(h, "demo"); r != nil {
		t.Fatalf("built without a key: %s", r.Bytes)
	}
	if !sameIndexes(t, h, "zeta") {
		t.Fatal("not assembled")
	}
	if _, _, _, ok, _ := sortedAll(h, []string{"demo", "zeta"}, false); ok {
		t.Fatal("the sorted listing read a version without a key")
	}
	if _, rows, _, ok, err := assembledAll(h, false); err != nil || !ok || fmt.Sprint(rows[0]) != fmt.Sprint([]liveRow{
		{"1.0.0", "ruby", recs[0].infoLine()}, {"1.9.0", "java", recs[2].infoLine()}, {"1.10.0", "ruby", recs[1].infoLine()}}) {
		t.Fatalf("listing %v %v %v", rows, ok, err)
	}
}

func (r record) infoLine() string {
	var b bytes.Buffer
	writeInfoLine(&b, &r)
	return strings.TrimSuffix(b.String(), "\n")
}
