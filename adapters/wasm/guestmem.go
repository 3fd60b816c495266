package wasm

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// Guest linear memory lives outside the Go heap where the platform allows
// (guestmem_linux.go): each instance reserves its memory limit as one
// inaccessible mapping and makes pages usable as the guest grows, so growing
// never copies (wazero's default appends to a Go slice, leaving the old one
// as garbage), the Go GC neither scans it nor lets the heap grow to twice
// it (instances were most of the live heap under varied traffic), and
// closing an instance hands its memory back to the system at once.

// guestMemory is one Runtime's source of guest memory: its allocator
// (guestmem_linux.go; nil elsewhere) and the bytes it made usable and has
// not yet freed (tests read it to check every instance's memory is
// returned; per runtime, so other runtimes in the process do not disturb it).
type guestMemory struct{ mapped atomic.Int64 }

// heapMemory is the fallback: a Go slice grown by copying, as wazero does.
type heapMemory struct{ buf []byte }

func (m *heapMemory) Reallocate(size uint64) []byte {
	if n := uint64(len(m.buf)); size > n {
		m.buf = append(m.buf, make([]byte, size-n)...)
	}
	return m.buf[:size]
}

func (m *heapMemory) Free() { m.buf = nil }

var _ experimental.LinearMemory = (*heapMemory)(nil)
