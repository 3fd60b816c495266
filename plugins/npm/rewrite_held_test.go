package npm

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// genRegular writes a packument of the common shape (every version named
// after the package, plain tarball URLs) with one or two of the
// irregularities a held rewrite must leave to Rewrite: other names,
// escapes, odd URLs, missing or repeated members, values of other kinds.
func genRegular(r *rand.Rand, name string) []byte {
	odd := func(n int) bool { return r.Intn(n) == 0 }
	nameJSON := `"` + name + `"`
	if odd(40) {
		nameJSON = []string{`"other"`, `"` + strings.ReplaceAll(name, "/", `\/`) + `"`, `null`, `""`, `"` + strings.ToUpper(name) + `"`}[r.Intn(5)]
	}
	base := name
	if strings.HasPrefix(name, "@") && r.Intn(2) == 0 {
		base = strings.Replace(name, "/", "%2f", 1)
	}
	file := name[strings.LastIndexByte(name, '/')+1:]
	url := func(v string) string {
		u := "https://up.test/" + base + "/-/" + file + "-" + v + ".tgz"
		if odd(60) {
			u = []string{
				"https://up.test/" + base + "/-/" + file + "-" + v + ".tgz?sig=1",
				"https://up.test/" + base + "/-/" + file + "-" + v + ".tgz#x",
				"https://up.test/" + base + "/-/" + file + "%2d" + v + ".tgz",
				`https:\/\/up.test\/` + base + `\/-\/` + file + "-" + v + ".tgz",
				"https://up.test/" + base + "/-/" + file + "-" + v + "\u00e9.tgz",
				"https://\u00e9.test/" + base + "/-/" + file + "-" + v + ".tgz",
				"https://up.test/" + base + "/-/" + file + "-" + v + ".zip",
				"https://up.test/" + base + "/-//" + file + "-" + v + ".tgz",
				"https://" + file + ".tgz",
				file + "-" + v + ".tgz",
				"https://up.test/" + base + "/-/.tgz",
				"https://other.test/x/y/" + file + "-" + v + ".TGZ",
				"https://other.test/x/y/" + file + "+" + v + ".tgz",
				"",
				`https://up.test/a/-/a\u002d1.tgz`,
				"https://up.test/" + base + "?q=/-/" + file + "-" + v + ".tgz",
				"https://up.test/" + base + "#/-/" + file + "-" + v + ".tgz",
			}[r.Intn(17)]
		}
		return `"` + u + `"`
	}
	var b strings.Builder
	b.WriteString(`{"_id":` + nameJSON + `,"name":` + nameJSON + `,"dist-tags":{"latest":"1.0.0"}`)
	if odd(50) {
		b.WriteString(`,"name":"` + name + `"`)
	}
	if odd(60) {
		b.WriteString(`,"dist":{"tarball":"https://up.test/x.tgz"}`)
	}
	if odd(60) {
		b.WriteString(`}`)
		return []byte(b.String())
	}
	b.WriteString(`,"versions":`)
	if odd(80) {
		b.WriteString(`[]}`)
		return []byte(b.String())
	}
	b.WriteString(`{`)
	n := r.Intn(6)
	for i := range n {
		v := fmt.Sprintf("1.%d.0", i)
		if i > 0 {
			b.WriteString(",\n ")
		}
		b.WriteString(`"` + v + `":`)
		if odd(100) {
			b.WriteString(`"gone"`)
			continue
		}
		b.WriteString(`{`)
		if !odd(20) {
			vn := `"` + name + `"`
			if odd(40) {
				vn = []string{`"other"`, `""`, `1`, `"` + strings.ReplaceAll(name, "-", `\u002d`) + `"`}[r.Intn(4)]
			}
			b.WriteString(`"name":` + vn + `,`)
		}
		if odd(80) {
			b.WriteString(`"n\u0061me":"x",`)
		}
		b.WriteString(`"version":"` + v + `","description":"caf\u00e9 \"q\" <b>"`)
		switch {
		case odd(30):
		case odd(60):
			b.WriteString(`,"dist":null`)
		case odd(60):
			b.WriteString(`,"dist":{"shasum":"ab"}`)
		case odd(60):
			b.WriteString(`,"dist":{"tarball":null}`)
		default:
			b.WriteString(`,"dist":{"shasum":"ab","tarball":` + url(v) + `,"integrity":"sha512-x"}`)
			if odd(60) {
				b.WriteString(`,"dist":{"tarball":` + url(v+"b") + `}`)
			}
			if odd(60) {
				b.WriteString(`,"dist":{"tarball":` + url(v) + `,"t\u0061rball":` + url(v+"c") + `}`)
			}
		}
		b.WriteString(`}`)
	}
	b.WriteString("}\n")
	if odd(80) {
		b.WriteString(`,"versions":{}`)
	}
	b.WriteString(`,"time":{"created":"2020-01-01T00:00:00.000Z"}}`)
	if odd(80) {
		b.WriteString(`x`)
	}
	return []byte(b.String())
}

// sameHeld requires the held rewrite (RewriteHeld, Rewrite where it does
// not fit) to answer exactly as Rewrite: the same bytes or the same error.
// It reports whether the document fitted.
func sameHeld(t *testing.T, path string, doc []byte) bool {
	t.Helper()
	const local = "http://k/npm/r/"
	want, werr := Plugin{}.Rewrite(nil, path, doc, "https://up.test", local)
	got, gerr := sdk.CallRewrite(Plugin{}, nil, path, doc, "https://up.test", local)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || string(got) != string(want) {
		t.Fatalf("%s %q:\n got %q, %v\nwant %q, %v", path, doc, got, gerr, want, werr)
	}
	held, err := Plugin{}.RewriteHeld(nil, path, sdk.Source{Bytes: doc}, uint64(len(doc)), "https://up.test", local)
	if err != nil {
		t.Fatal(err)
	}
	return held.Doc.Built()
}

// TestHeldRewriteMatchesRewrite: on the fixtures, on generated packuments
// of the common shape with irregularities (scoped names, escapes, unicode,
// odd tarball URLs, missing dist, repeated members) and on broken ones,
// the rewrite through json-edit answers exactly as Rewrite; the generator
// must make both paths run.
func TestHeldRewriteMatchesRewrite(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	golden, _ := filepath.Glob("testdata/golden/*.json")
	fitted := 0
	for _, f := range golden {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/hello-keeper", "/@kp%2futil", "/@kp/util", "/hello-keeper/1.0.0"} {
			if sameHeld(t, p, b) {
				fitted++
			}
		}
	}
	// What a keeper upstream serves (and npm asks for: "/@kp%2futil") fits.
	for p, f := range map[string]string{"/hello-keeper": "packument-hello-full", "/@kp%2futil": "packument-util-full",
		"/@kp/util": "packument-util-full"} {
		b, err := os.ReadFile("testdata/golden/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !sameHeld(t, p, b) {
			t.Errorf("%s: %s did not fit", p, f)
		}
	}
	if fitted < 3 {
		t.Fatalf("%d of the rendered packuments fitted", fitted)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/a", "/hello-keeper", "/@keeper/hello"} {
			sameHeld(t, p, b)
		}
	}
	r := rand.New(rand.NewSource(11))
	fits, falls := 0, 0
	names := []string{"a", "left-pad", "@s/p", "@scope/x.y_z~1", "A"}
	for range 20000 {
		name := names[r.Intn(len(names))]
		path := "/" + name
		switch r.Intn(10) {
		case 0:
			path = "/" + strings.Replace(name, "/", "%2f", 1)
		case 1:
			path = "/" + []string{"b", "a/1.0.0", "a%zz", "../x", "a/-/a-1.tgz"}[r.Intn(5)]
		}
		doc := genRegular(r, name)
		if r.Intn(10) == 0 {
			doc = mutate(r, doc)
		}
		if sameHeld(t, path, doc) {
			fits++
		} else {
			falls++
		}
	}
	if fits < 5000 || falls < 3000 {
		t.Fatalf("the generator is lopsided: %d fitted, %d went to Rewrite", fits, falls)
	}
}

// TestHeldRewriteFitsPackument2000: the benchmark's packument fits.
func TestHeldRewriteFitsPackument(t *testing.T) {
	doc := []byte(`{"name":"@s/p","versions":{"1.0.0":{"name":"@s/p","dist":{"tarball":"https://up.test/@s/p/-/p-1.0.0.tgz"}},` +
		`"2.0.0":{"dist":{"tarball":"http://elsewhere.test/deep/path/p-2.0.0.tgz"}}}}`)
	if !sameHeld(t, "/@s%2fp", doc) {
		t.Fatal("a plain packument did not fit")
	}
	got, _ := sdk.CallRewrite(Plugin{}, nil, "/@s%2fp", doc, "", "http://k/r")
	if want := `"http://k/r/@s/p/-/p-2.0.0.tgz"`; !strings.Contains(string(got), want) {
		t.Fatalf("got %s, want %s in it", got, want)
	}
}

// FuzzHeldRewrite: any document and path get Rewrite's answer.
func FuzzHeldRewrite(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for range 20 {
		f.Add("/a", genRegular(r, "a"))
	}
	f.Fuzz(func(t *testing.T, path string, b []byte) { sameHeld(t, path, b) })
}
