package wasm

import (
	"bytes"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestMappedMemoryGrowsInPlaceAndIsReturned(t *testing.T) {
	const page = 65536
	var mapped atomic.Int64
	lm := newMappedMemory(&mapped, 4*page)
	m, ok := lm.(*mappedMemory)
	if !ok {
		t.Fatalf("allocator fell back to %T", lm)
	}
	b := m.Reallocate(page)
	if len(b) != page || !bytes.Equal(b, make([]byte, page)) {
		t.Fatalf("first page: %d bytes, zeroed: %v", len(b), bytes.Equal(b, make([]byte, page)))
	}
	b[page-1] = 7
	grown := m.Reallocate(3 * page)
	if len(grown) != 3*page || unsafe.SliceData(grown) != unsafe.SliceData(b) || grown[page-1] != 7 {
		t.Fatal("growing moved or lost the memory")
	}
	if !bytes.Equal(grown[page:], make([]byte, 2*page)) {
		t.Fatal("grown pages are not zero")
	}
	grown[3*page-1] = 1 // writable up to the new end
	if got := mapped.Load(); got != 3*page {
		t.Fatalf("mapped %d bytes, want %d", got, 3*page)
	}
	if m.Reallocate(5*page) != nil {
		t.Fatal("grew past the reservation")
	}
	m.Free()
	m.Free() // idempotent
	if got := mapped.Load(); got != 0 {
		t.Fatalf("%d bytes still mapped after Free", got)
	}
	if m.Reallocate(page) != nil {
		t.Fatal("a freed memory grew again")
	}
}
