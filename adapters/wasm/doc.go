// Package wasm runs Keeper format plugins (WebAssembly core modules) on wazero,
// implementing the canonical ABI of wit/keeper-format.wit by hand.
package wasm
