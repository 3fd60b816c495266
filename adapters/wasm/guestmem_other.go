//go:build !linux

package wasm

import "github.com/tetratelabs/wazero/experimental"

// allocator is nil off Linux: wazero keeps guest memory in the Go heap.
func (g *guestMemory) allocator() experimental.MemoryAllocator { return nil }
