// Package hostjson is the format-neutral work of the host imports
// json-members (contract 0.5.0) and assemble (0.6.0), which the host runs
// for wasm plugins and the SDK runs on the native path, and the span scanner
// plugins use to walk a JSON document without decoding it.
package hostjson
