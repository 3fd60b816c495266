package npm

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genPackument writes an irregular packument or version document: random
// white space and member order, repeated and escaped member names, nested
// values, tarball URLs of every shape, values of the wrong kind.
func genPackument(r *rand.Rand) []byte {
	var b strings.Builder
	ws := func() {
		for range r.Intn(3) {
			b.WriteByte(" \t\n\r"[r.Intn(4)])
		}
	}
	key := func(k string) {
		switch r.Intn(8) {
		case 0: // escaped spelling of the same name
			k = `\u00` + fmt.Sprintf("%02x", k[0]) + k[1:]
		case 1: // another name
			k = strings.ToUpper(k)
		}
		ws()
		b.WriteString(`"` + k + `"`)
		ws()
		b.WriteByte(':')
		ws()
	}
	var value func(depth int)
	value = func(depth int) {
		switch n := r.Intn(7); {
		case n == 0 && depth < 4:
			b.WriteByte('[')
			for i := range r.Intn(3) {
				if i > 0 {
					b.WriteByte(',')
				}
				value(depth + 1)
			}
			b.WriteByte(']')
		case n == 1 && depth < 4:
			b.WriteByte('{')
			for i := range r.Intn(3) {
				if i > 0 {
					b.WriteByte(',')
				}
				key([]string{"tarball", "dist", "name", "x"}[r.Intn(4)])
				value(depth + 1)
			}
			b.WriteByte('}')
		case n == 2:
			b.WriteString([]string{"null", "true", "12.5e3", "-0"}[r.Intn(4)])
		default:
			b.WriteString(`"` + []string{"a", `q\"uote`, "\u00e9", `\u2028`, ""}[r.Intn(5)] + `"`)
		}
	}
	names := []string{"a", "@s/p", "../x", "", "b"}
	tarball := func() {
		n := names[r.Intn(len(names))]
		switch r.Intn(8) {
		case 0:
			value(2)
		case 1:
			b.WriteString(`"http://up/` + n + `/-/x-1.0.0.tgz?sig=1#f"`)
		case 2:
			b.WriteString(`"http://up/` + n + `/-/x%2d1.tgz"`)
		case 3:
			b.WriteString(`"http://up/` + n + `/-/x-1.0.0.zip"`)
		case 4:
			b.WriteString(`"http://up/a/-/a\/1.tgz"`)
		default:
			b.WriteString(`"http://up/` + n + `/-/` + n + `-1.0.0.tgz"`)
		}
	}
	version := func() {
		if r.Intn(20) == 0 {
			value(1)
			return
		}
		b.WriteByte('{')
		for i := range r.Intn(4) + 1 {
			if i > 0 {
				b.WriteByte(',')
			}
			switch r.Intn(4) {
			case 0:
				key("name")
				b.WriteString(`"` + names[r.Intn(len(names))] + `"`)
			case 1, 2:
				key("dist")
				if r.Intn(20) == 0 {
					value(2)
					break
				}
				b.WriteByte('{')
				for j := range r.Intn(3) + 1 {
					if j > 0 {
						b.WriteByte(',')
					}
					if r.Intn(3) > 0 {
						key("tarball")
						tarball()
					} else {
						key("shasum")
						value(2)
					}
				}
				b.WriteByte('}')
			default:
				key("x")
				value(1)
			}
		}
		b.WriteByte('}')
	}
	ws()
	b.WriteByte('{')
	for i := range r.Intn(6) {
		if i > 0 {
			b.WriteByte(',')
		}
		switch r.Intn(5) {
		case 0:
			key("name")
			if r.Intn(4) == 0 {
				value(1)
			} else {
				b.WriteString(`"` + names[r.Intn(len(names))] + `"`)
			}
		case 1, 2:
			key("versions")
			if r.Intn(20) == 0 {
				value(1)
				break
			}
			b.WriteByte('{')
			for j := range r.Intn(4) {
				if j > 0 {
					b.WriteByte(',')
				}
				key(fmt.Sprintf("1.%d.0", j))
				version()
			}
			b.WriteByte('}')
		case 3:
			key("dist")
			b.WriteString(`{"tarball":`)
			tarball()
			b.WriteByte('}')
		default:
			key("readme")
			value(0)
		}
	}
	b.WriteByte('}')
	ws()
	return []byte(b.String())
}

// mutate breaks doc the way a hostile upstream might: cut short, a byte
// changed, inserted or removed, deep nesting.
func mutate(r *rand.Rand, doc []byte) []byte {
	if len(doc) == 0 {
		return doc
	}
	i := r.Intn(len(doc))
	switch r.Intn(5) {
	case 0:
		return doc[:i]
	case 1:
		out := append([]byte(nil), doc...)
		out[i] = `{}[]":,\ x0`[r.Intn(11)]
		return out
	case 2:
		return append(append(append([]byte(nil), doc[:i]...), `{}[]":,\ x`[r.Intn(10)]), doc[i:]...)
	case 3:
		return append(append([]byte(nil), doc[:i]...), doc[i+1:]...)
	}
	d := 60 + r.Intn(10)
	deep := strings.Repeat("[", d) + strings.Repeat("]", d)
	return []byte(strings.Replace(string(doc), `"x":`, `"x":`+deep+`,"y":`, 1))
}

// sameRewrite requires the json-spans rewrite to answer doc exactly as the
// guest scan of contract 0.6.0 did: the same bytes or the same error.
func sameRewrite(t *testing.T, doc []byte) {
	t.Helper()
	const local = "http://k/npm/r"
	got, gerr := Plugin{}.Rewrite(nil, "/a", doc, "http://up", local)
	want, werr := refRewrite("/a", doc, "http://up", local)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || string(got) != string(want) {
		t.Fatalf("document %q:\n got %q, %v\nwant %q, %v", doc, got, gerr, want, werr)
	}
}

// TestRewriteMatchesGuestScan: on the fixtures, on generated irregular
// packuments and on broken ones, the rewrite through json-spans gives the
// guest scan's answer byte for byte, or its error.
func TestRewriteMatchesGuestScan(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameRewrite(t, b)
	}
	r := rand.New(rand.NewSource(7))
	accepted, refused := 0, 0
	for range 20000 {
		doc := genPackument(r)
		if r.Intn(2) == 0 {
			doc = mutate(r, doc)
		}
		sameRewrite(t, doc)
		if _, err := refRewrite("/a", doc, "", "http://k/npm/r"); err == nil {
			accepted++
		} else {
			refused++
		}
	}
	if accepted < 2000 || refused < 2000 {
		t.Fatalf("the generator is lopsided: %d accepted, %d refused", accepted, refused)
	}
}

// FuzzRewriteMatchesGuestScan: any input gets the guest scan's answer.
func FuzzRewriteMatchesGuestScan(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for range 20 {
		f.Add(genPackument(r))
	}
	f.Add([]byte(`{"name":"a","dist":{"tarball":"http://up/a/-/a-1.0.0.tgz"}}`))
	f.Fuzz(func(t *testing.T, b []byte) { sameRewrite(t, b) })
}
