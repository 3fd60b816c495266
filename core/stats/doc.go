// Package stats records download statistics off the request path: counts
// are summed in a bounded in-memory buffer and written in batches.
package stats
