// Command witgen generates the canonical-ABI glue of wit/keeper-format.wit
// for both sides: the host's lift/lower of every import and export
// (adapters/wasm) and the SDK's import wrappers and export trampolines
// (sdk/go).
//
//	go tool task gen                      # from the repository root
//	go -C tools/witgen run . -root ../..  # the same
//
// Adding a host import then means: the WIT line, the host's implementation
// (a method of the generated hostImports interface) and, if plugins should
// call it through a Go-idiomatic signature, the SDK's friendly wrapper around
// the generated host<Name> function.
package main
