// Package fuzz is the HTTP fuzz harness: it drives a real keeper on loopback
// with mutated client requests for every mount and API route and fails on a
// server error, a panic, a stored artifact that cannot be read back, or
// memory growth (run: KEEPER_FUZZ_DURATION=20m go test ./e2e/fuzz/ -run HTTPFuzz -v -timeout 0).
package fuzz
