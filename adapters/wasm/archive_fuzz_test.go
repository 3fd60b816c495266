package wasm

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// FuzzArchive feeds arbitrary bytes to every archive reader of the host
// import. It must never panic or hang, every failure must be a client error
// (ErrInvalid, ErrTooLarge, ErrNotFound), and an archive it lists must read
// back entry by entry with the sizes it listed. Seeds: the real archives of
// the plugins' testdata plus built ones of each kind.
func FuzzArchive(f *testing.F) {
	for _, s := range archiveSeeds {
		f.Add(uint8(s.kind), readSeed(f, s.file))
	}
	f.Add(uint8(kindTar), makeTar(f, false, tfile{name: "a/b", body: "hello"}))
	f.Add(uint8(kindAr), []byte("!<arch>\ndebian-binary   0           0     0     644     4         `\n2.0\n"))
	f.Add(uint8(kindCpio), cpioOf(cpioEntry{"d", 0o040755, ""}, cpioEntry{"d/a", 0o100644, "xyz"}))
	f.Add(uint8(kindZip), makeZip(f, zfile{name: "m@v1/go.mod", body: "module m\n"}))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		k := uint32(kind % 5)
		h := porttest.NewMemHost()
		d := h.AddBlob(data)
		ctx := context.Background()
		es, err := archiveList(ctx, h, d, k, 1000)
		if err != nil {
			if !errors.Is(err, ports.ErrInvalid) && !errors.Is(err, ports.ErrTooLarge) {
				t.Fatalf("list: %v is not a client error", err)
			}
			return
		}
		for _, e := range es {
			if e.dir || e.size > 1<<20 {
				continue
			}
			b, err := archiveRead(ctx, h, d, k, e.name, 1<<20)
			if err != nil {
				t.Fatalf("listed entry %q does not read: %v", e.name, err)
			}
			if int64(len(b)) != e.size && !duplicateName(es, e.name) {
				t.Fatalf("entry %q: %d bytes read, %d listed", e.name, len(b), e.size)
			}
		}
	})
}

func duplicateName(es []archiveEntry, name string) bool {
	n := 0
	for _, e := range es {
		if e.name == name {
			n++
		}
	}
	return n > 1
}

// FuzzGunzip: any input either gunzips or fails; the result is capped.
func FuzzGunzip(f *testing.F) {
	f.Add(readSeed(f, "../../plugins/helm/testdata/keeper-demo-0.1.0.tgz"))
	f.Add(gzipOf(f, []byte("hello")))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := gunzipData(context.Background(), bytes.NewReader(data), 1<<16)
		if err == nil && len(b) > 1<<16 {
			t.Fatalf("%d bytes beyond the cap", len(b))
		}
	})
}
