package wasm

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// guestAllocator backs each instance's linear memory with its own mapping.
var guestAllocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(newMappedMemory)

// mappedMemory is a reservation of the memory's maximum size, mapped
// PROT_NONE (no memory committed) and made readable and writable up to the
// size the guest grew to; fresh pages read as zero, as WebAssembly requires.
type mappedMemory struct {
	region []byte // the whole reservation
	usable int    // bytes made readable and writable
}

func newMappedMemory(_, max uint64) experimental.LinearMemory {
	if max == 0 || max > 1<<32 {
		return &heapMemory{}
	}
	region, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return &heapMemory{} // no address space: the Go heap still works
	}
	return &mappedMemory{region: region}
}

// Reallocate grows the usable part to size; nil (memory.grow fails in the
// guest) beyond the reservation or when the system refuses the pages.
func (m *mappedMemory) Reallocate(size uint64) []byte {
	if m.region == nil || size > uint64(len(m.region)) {
		return nil
	}
	if n := int(size); n > m.usable {
		if err := syscall.Mprotect(m.region[m.usable:n], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
		guestMapped.Add(int64(n - m.usable))
		m.usable = n
	}
	return m.region[:size:size]
}

// Free unmaps the memory; wazero calls it once, when the instance closes,
// after its last call returned.
func (m *mappedMemory) Free() {
	if m.region == nil {
		return
	}
	_ = syscall.Munmap(m.region)
	guestMapped.Add(-int64(m.usable))
	m.region, m.usable = nil, 0
}
