// Package yieldpoint rewrites a WebAssembly module so that every loop header
// counts down a budget and, when it runs out, checks a stop flag the host can
// raise and briefly returns control to Go: cheap, always-on containment.
package yieldpoint
