// Package hostjson is the format-neutral JSON and byte work of contract
// 0.5.0's host imports json-members and replace-bytes; the host runs it
// for wasm plugins and the SDK runs the same code on the native path.
package hostjson
