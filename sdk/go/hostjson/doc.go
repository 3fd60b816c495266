// Package hostjson is the format-neutral work of the host imports
// json-members (contract 0.5.0) and assemble (0.6.0); the host runs it for
// wasm plugins and the SDK runs the same code on the native path.
package hostjson
