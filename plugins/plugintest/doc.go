// Package plugintest holds the test scaffolding format plugins share: an
// sdk.Host over a ports.HostCall (the imports as adapters/wasm maps them),
// an in-memory host that lists committed versions, and a differential
// runner that requires the native plugin and its .wasm build to agree.
package plugintest
