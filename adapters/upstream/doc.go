// Package upstream is the HTTP client remote repositories fetch with: every
// connection through the egress guard, with timeouts and size limits.
package upstream
