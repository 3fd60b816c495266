package wasm

import (
	"sync/atomic"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// allocator backs each instance's linear memory with its own mapping.
func (g *guestMemory) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		return newMappedMemory(&g.mapped, max)
	})
}

// mappedMemory is a reservation of the memory's maximum size, mapped
// PROT_NONE (no memory committed) and made readable and writable up to the
// size the guest grew to; fresh pages read as zero, as WebAssembly requires.
type mappedMemory struct {
	region []byte        // the whole reservation
	usable int           // bytes made readable and writable
	mapped *atomic.Int64 // the runtime's count of usable bytes
}

func newMappedMemory(mapped *atomic.Int64, max uint64) experimental.LinearMemory {
	if max == 0 || max > 1<<32 {
		return &heapMemory{}
	}
	region, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return &heapMemory{} // no address space: the Go heap still works
	}
	return &mappedMemory{region: region, mapped: mapped}
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
		m.mapped.Add(int64(n - m.usable))
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
	m.mapped.Add(-int64(m.usable))
	m.region, m.usable = nil, 0
}
