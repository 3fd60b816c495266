// Package porttest holds the conformance suites every adapter of a port must
// pass; each adapter's test is a thin call into one of them.
package porttest
