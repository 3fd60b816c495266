package alpine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const adir = "v3.20/main/x86_64"

// afile is one stored file: its path under adir, index entry (the
// metadata upload stores) or raw metadata, and creation time.
type afile struct {
	name, entry, meta string
	created           int64
}

func indexHost(files []afile, signed bool) (*porttest.MemHost, sdk.Host) {
	h := porttest.NewMemHost()
	if signed {
		h.Signing = signer()
	}
	for _, f := range files {
		p := adir + "/" + f.name
		raw := []byte(f.meta)
		if f.meta == "" {
			raw, _ = json.Marshal(FileMeta{Entry: f.entry})
		}
		h.AddFile(p, []byte(p))
		sf := h.Files[p]
		sf.Metadata, sf.CreatedAt = raw, time.UnixMilli(f.created)
		h.Files[p] = sf
	}
	return h, plugintest.NewBridge(h, &sdk.RepoContext{Key: "al", Kind: "local", Format: "alpine", BaseURL: "http://k/alpine/al"})
}

// sameAPKINDEX builds APKINDEX.tar.gz through the host and through the
// guest's render, fails unless the served bytes are identical, and returns
// whether the host built it.
func sameAPKINDEX(tb testing.TB, h *porttest.MemHost, b sdk.Host, description string) bool {
	tb.Helper()
	want, err := renderIndex(b, adir, description)
	if err != nil {
		tb.Fatal(err)
	}
	r, ok, err := assembledIndex(b, adir, description)
	if err != nil || !ok {
		if err != nil {
			tb.Fatal(err)
		}
		return false
	}
	got := h.Blobs[r.Target]
	if r.Kind != sdk.BodyServeBlob || !bytes.Equal(got, want.Bytes) || r.CacheTTLMs != want.CacheTTLMs ||
		len(r.Headers) != 1 || r.Headers[0] != want.Headers[0] {
		_, gp := segments(tb, got)
		_, wp := segments(tb, want.Bytes)
		tb.Fatalf("assembled %d bytes, rendered %d\n%q\nwant\n%q", len(got), len(want.Bytes), gp, wp)
	}
	return true
}

func entry(name string) string {
	return "C:Q1" + name + "=\nP:" + name + "\nV:1.0-r0\nA:x86_64\nS:4000\nI:8000\nT:test\nU:https://k\nL:MIT\n"
}

// TestAssembledIndexMatchesRender: the host's APKINDEX.tar.gz is the
// guest's, signed and unsigned: one package, many (over two listing
// pages), escapes and unicode in entries, an APKINDEX filling its last tar
// block exactly, times before the epoch, files without an entry left out;
// metadata that is not an object with a string entry, or an empty
// directory, makes the guest render.
func TestAssembledIndexMatchesRender(t *testing.T) {
	var many []afile
	for i := 0; i < 2300; i++ {
		many = append(many, afile{name: fmt.Sprintf("p%05d-1.0-r0.apk", i), entry: entry(fmt.Sprintf("p%05d", i)), created: int64(i * 7919 % 5000)})
	}
	cases := []struct {
		name  string
		files []afile
		built bool
	}{
		{"one", []afile{{name: "a-1.0-r0.apk", entry: entry("a"), created: 1733600000123}}, true},
		{"many", many, true},
		{"values", []afile{{name: "a-1.0-r0.apk", entry: "P:a\nT:<b> & \"q\" \\ / ü日本 \u2028\t\r\x01\n", created: 5},
			{name: "b-1.0-r0.apk", entry: strings.Repeat("D:x\n", 3000), created: 4}}, true},
		{"full block", []afile{{name: "a-1.0-r0.apk", entry: strings.Repeat("x", 511)}}, true},
		{"before the epoch", []afile{{name: "a-1.0-r0.apk", entry: entry("a"), created: -5000}}, true},
		{"no entry", []afile{{name: "a-1.0-r0.apk", entry: entry("a"), created: 9}, {name: "b-1.0-r0.apk", meta: `{"entry":""}`, created: 99},
			{name: "c-1.0-r0.apk", meta: `{}`, created: 999}}, true},
		{"not an object", []afile{{name: "a-1.0-r0.apk", entry: entry("a")}, {name: "notes.txt", meta: `x`}}, false},
		{"not a string", []afile{{name: "a-1.0-r0.apk", entry: entry("a")}, {name: "b-1.0-r0.apk", meta: `{"entry":1}`}}, false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		for _, signed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/signed=%v", c.name, signed), func(t *testing.T) {
				h, b := indexHost(c.files, signed)
				if got := sameAPKINDEX(t, h, b, "v3.20/main"); got != c.built {
					t.Fatalf("assembled: %v, want %v", got, c.built)
				}
			})
		}
	}
}

// TestAssembledIndexGenerated: 150 generated directories (random entries
// and times, descriptions of every length around a tar block) give the
// guest's bytes.
func TestAssembledIndexGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	texts := []string{"P:p\n", "V:1.0-r0\n", "T:<&>\"\\/\n", "X:\t\r\x01\x1f\n", "Y:ü日本\n", "Z:\u2028\n", strings.Repeat("D:x\n", 100)}
	built := 0
	for i := 0; i < 150; i++ {
		var files []afile
		for j := r.Intn(40) + 1; j > 0; j-- {
			var e strings.Builder
			for k := r.Intn(5) + 1; k > 0; k-- {
				e.WriteString(texts[r.Intn(len(texts))])
			}
			files = append(files, afile{name: fmt.Sprintf("p%d-%d.apk", r.Intn(1000), j), entry: e.String(), created: r.Int63n(1 << 42)})
		}
		h, b := indexHost(files, i%3 == 0)
		if sameAPKINDEX(t, h, b, strings.Repeat("d", 490+i%40)) {
			built++
		}
	}
	if built != 150 {
		t.Fatalf("%d of 150 built", built)
	}
}
