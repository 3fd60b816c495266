// Package harness builds the keeper binary and runs real keeper processes
// (SQLite or PostgreSQL, any environment) for end-to-end tests.
package harness
