package wasm

import (
	"bytes"
	"crypto/sha256"
	"os"
	"testing"
)

// loopModule is a minimal module (binary format:
// https://webassembly.github.io/spec/core/binary/): a memory and one
// function () -> () whose body is an empty loop, where the rewrite inserts a
// yield point.
var loopModule = []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
	1, 4, 1, 0x60, 0, 0, // type section: () -> ()
	3, 2, 1, 0, // function section: one function of type 0
	5, 3, 1, 0, 1, // memory section: one memory of 1 page
	10, 7, 1, 5, 0, 0x03, 0x40, 0x0b, 0x0b, // code: no locals; loop end; end
}

func TestInstrumentedModulesAreCached(t *testing.T) {
	want, err := instrument(loopModule)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want, loopModule) {
		t.Fatal("the rewrite inserted nothing; the test module needs a loop")
	}
	r := &Runtime{cfg: Config{CacheDir: t.TempDir()}}
	path := r.instrumentedPath(loopModule)

	got, err := r.instrumented(loopModule)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("first load: %v, same as instrument: %v", err, bytes.Equal(got, want))
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the rewrite was not kept in the cache dir: %v", err)
	}
	if sum := sha256.Sum256(want); !bytes.Equal(stored, append(append([]byte{}, want...), sum[:]...)) {
		t.Fatal("the cached file is not the rewrite followed by its sha256")
	}

	// A second load reads the file: a different (intact) content proves it.
	marked := append(append([]byte{}, want...), 0)
	sum := sha256.Sum256(marked)
	if err := os.WriteFile(path, append(append([]byte{}, marked...), sum[:]...), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.instrumented(loopModule); !bytes.Equal(got, marked) {
		t.Fatal("the second load rewrote the module instead of reading the cache")
	}

	// A damaged file is not trusted: the module is rewritten and stored again.
	for name, damage := range map[string][]byte{
		"flipped byte": append(append([]byte{}, stored[:len(stored)-40]...), append([]byte{stored[len(stored)-40] ^ 1}, stored[len(stored)-39:]...)...),
		"truncated":    stored[:len(stored)-1],
		"empty":        {},
	} {
		if err := os.WriteFile(path, damage, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := r.instrumented(loopModule); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: got the damaged content (err %v)", name, err)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, stored) {
			t.Fatalf("%s: the cache file was not written again", name)
		}
	}

	// Without a cache dir nothing is written and the rewrite is still right.
	if got, err := (&Runtime{}).instrumented(loopModule); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("no cache dir: %v", err)
	}
}
