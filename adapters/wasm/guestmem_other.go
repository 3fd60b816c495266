//go:build !linux

package wasm

import "github.com/tetratelabs/wazero/experimental"

// guestAllocator is nil off Linux: wazero keeps guest memory in the Go heap.
var guestAllocator experimental.MemoryAllocator
