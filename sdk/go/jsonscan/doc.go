// Package jsonscan reads by hand the small JSON documents plugins store as
// metadata, as encoding/json would decode them, without its reflection
// (one of the costliest things a wasm guest does).
package jsonscan
