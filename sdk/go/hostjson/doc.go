// Package hostjson is the format-neutral JSON work of contract 0.5.0's
// host import json-members (the host runs it for wasm plugins and the SDK
// runs the same code on the native path), and the span scanner plugins use
// to walk a JSON document without decoding it.
package hostjson
