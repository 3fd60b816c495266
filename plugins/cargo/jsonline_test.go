package cargo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// sameKeys fails unless lineKeys and the reference scanner agree on line:
// the same name and vers, or the same error.
func sameKeys(t testing.TB, line []byte) {
	t.Helper()
	n, v, err := lineKeys(line)
	rn, rv, rerr := refLineKeys(line)
	if n != rn || v != rv || fmt.Sprint(err) != fmt.Sprint(rerr) {
		t.Fatalf("%q:\n got %q %q %v\nwant %q %q %v", line, n, v, err, rn, rv, rerr)
	}
}

// genLine is an index line of random content (escapes, unicode, controls).
func genLine(r *rand.Rand) []byte {
	e := entry(genText(r)+"x", genVersion(r))
	for d := r.IntN(4); d > 0; d-- {
		target := genText(r)
		e.Deps = append(e.Deps, IndexDep{Name: genText(r), Req: genText(r), Features: []string{genText(r), genText(r)},
			Optional: r.IntN(2) == 0, DefaultFeatures: r.IntN(2) == 0, Target: &target, Kind: "dev"})
	}
	for f := r.IntN(4); f > 0; f-- {
		e.Features[genText(r)] = []string{genText(r)}
	}
	e.Yanked, e.V = r.IntN(2) == 0, r.IntN(3)
	line, _ := marshalLine(&e)
	return line
}

// tokenBytes are what the mutations insert: structure, number and literal
// bytes, escapes, controls and white space.
const tokenBytes = "{}[],:\"\\0123456789-+.eEtrufalsn \t\r\n\x01\x7fé"

func genToken(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return []string{"true", "false", "null", "0", "-0", "1.5e+10", "01", "1.", ".5", "-", "1e", "1E-2", "+1", "1.2.3", "tru", "nul", "truex", "0x1", "2e5e5", "-01", "1ee2", ""}[r.IntN(22)]
	}
	var b strings.Builder
	for n := r.IntN(7) + 1; n > 0; n-- {
		b.WriteByte("0123456789-+.eEa"[r.IntN(16)])
	}
	return b.String()
}

func TestLineKeysMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for n := 0; n < 20000; n++ {
		line := genLine(r)
		sameKeys(t, line)
		for m := r.IntN(4) + 1; m > 0; m-- {
			at := r.IntN(len(line) + 1)
			switch r.IntN(5) {
			case 0: // delete a byte
				if at < len(line) {
					line = append(line[:at:at], line[at+1:]...)
				}
			case 1: // insert a byte
				line = append(line[:at:at], append([]byte{tokenBytes[r.IntN(len(tokenBytes))]}, line[at:]...)...)
			case 2: // truncate
				line = line[:at]
			case 3: // a value becomes a token
				line = []byte(`{"name":"k","vers":"1.0.0","x":` + genToken(r) + `,"y":[` + genToken(r) + `]}`)
			default: // nest
				d := r.IntN(70)
				line = []byte(`{"name":"k","vers":"1.0.0","deep":` + strings.Repeat("[", d) + genToken(r) + strings.Repeat("]", d) + `}`)
			}
			sameKeys(t, line)
		}
	}
}

func FuzzLineKeysMatchesReference(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20; n++ {
		f.Add(genLine(r))
	}
	f.Add([]byte(`{"name":"a\u0062","vers":"1.0.0","x":-0.5e+3,"y":[true,false,null,{}]} `))
	f.Fuzz(func(t *testing.T, line []byte) { sameKeys(t, line) })
}
