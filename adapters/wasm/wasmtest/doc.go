// Package wasmtest has test helpers for format plugins: a builder that
// compiles a Go plugin to a .wasm module and the shared compilation cache
// (the in-memory host call is porttest.MemHost).
package wasmtest
